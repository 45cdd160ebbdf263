"""The lifecycle engine: given an agreement's state and an action, decide what happens.

Pure: no I/O, no clock. The use cases in `store/` load the state, call `decide`, and persist
the decision (new state, step record, documents, audit event, outbox rows) in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.flows.documents import DocKind
from bot.flows.errors import AgreementClosed, InvalidTransition, PermissionDenied, ProcessRunning
from bot.flows.forms import StepForm, parse_form
from bot.flows.integrity import RUNNING, Facts, check_rules
from bot.flows.process import (
    ACTION_BY_ID,
    ENTRY,
    ORDER,
    STATUS_NAMES,
    Action,
    Branch,
    Status,
    VersionEffect,
    When,
    step,
)
from bot.flows.roles import Role

FlagValue = str | bool | int | None


class AgreementState(BaseModel):
    """Where an agreement is: its status, the actions open now, and flags set by earlier steps."""

    model_config = ConfigDict(frozen=True)

    status: Status = Status.ONBOARDING
    pending: tuple[str, ...] = ()
    flags: dict[str, FlagValue] = {}

    def current_step(self) -> str | None:
        """The step id a card shows as "current": the first open action's step."""
        if self.pending:
            return ACTION_BY_ID[self.pending[0]].step
        return None

    def describe(self, locale: str = "en") -> str:
        cur = self.current_step()
        if cur is not None:
            return step(cur).title(locale)
        en, zh = STATUS_NAMES[self.status]
        return zh if locale.lower().startswith("zh") else en


INITIAL_STATE = AgreementState(status=Status.ONBOARDING, pending=(ENTRY,))


@dataclass(frozen=True)
class Decision:
    action: Action
    form: StepForm
    branch: Branch
    before: AgreementState
    after: AgreementState
    opened: tuple[str, ...]
    skipped: tuple[str, ...]
    outputs: tuple[DocKind, ...]
    version: VersionEffect | None

    @property
    def redraft(self) -> bool:
        """The action was done before and is done again before its draft is signed."""
        return redrafting(self.action, self.before)


SYSTEM_ACTOR = "system"


def _matches(when: When | None, form: Mapping[str, Any], flags: Mapping[str, FlagValue]) -> bool:
    if when is None:
        return True
    value = form[when.field] if when.field in form else flags.get(when.field)
    if when.equals is None:
        return bool(value)
    return bool(value == when.equals)


def _position(state: AgreementState) -> dict[str, Any]:
    """Where the agreement is, as parameters of an error: its current step, its status."""
    return {"step": state.current_step(), "status": state.status.value}


def redrafting(act: Action, state: AgreementState) -> bool:
    """`act` is not open but may be redone now: its draft awaits signing (M4 while M5 is open,
    C2 while C3 is)."""
    return act.id not in state.pending and any(p in state.pending for p in act.redraft_while)


def check_permission(act: Action, actor: str, roles: Collection[Role]) -> None:
    if act.system:
        if actor != SYSTEM_ACTOR:
            raise PermissionDenied(act.id, (), reason="scheduler_only")
        return
    if not any(r in roles for r in act.roles):
        raise PermissionDenied(act.id, act.roles)


def precheck(
    state: AgreementState,
    action_id: str,
    *,
    actor: str,
    roles: Collection[Role],
    last_actor: Mapping[str, str] | None = None,
    authors: Collection[str] = (),
) -> Action:
    """Everything `decide` checks before the form: the role, that the action is open now,
    and the four-eyes rule. Used to refuse a click before a modal opens."""
    act = ACTION_BY_ID.get(action_id)
    if act is None:
        raise InvalidTransition(code="unknown_action", action=action_id)
    if state.status.final:
        raise AgreementClosed(action_id, state.status.value, STATUS_NAMES[state.status][0])
    check_permission(act, actor, roles)
    open_now = action_id in state.pending or redrafting(act, state)
    if not open_now and state.status not in act.standing_in:
        running = RUNNING.get(state.status)
        if act.standing_in and running is not None:
            raise ProcessRunning(
                action_id,
                state.status.value,
                running=running.en,
                ends=running.ends_en,
                withdraw=running.withdraw,
            )
        raise InvalidTransition(code="not_open", action=action_id, **_position(state))
    if act.needs_flag and not state.flags.get(act.needs_flag):
        raise InvalidTransition(code="needs_flag", action=action_id, flag=act.needs_flag)
    owner = state.flags.get("owner")
    if act.by_owner and owner and actor != owner:
        raise PermissionDenied(
            act.id, act.roles, reason="owner_only", owner=owner, handover="M8.handover"
        )
    if act.only_while and not any(p in state.pending for p in act.only_while):
        raise InvalidTransition(
            code="only_while", action=action_id, open=act.only_while, **_position(state)
        )
    last = last_actor.get(act.four_eyes) if act.four_eyes and last_actor else None
    if act.four_eyes and (last == actor or actor in authors):
        raise PermissionDenied(
            act.id, act.roles, reason="four_eyes", author_of=act.four_eyes, roles=act.roles
        )
    return act


def decide(
    state: AgreementState,
    action_id: str,
    data: Mapping[str, Any] | StepForm,
    *,
    actor: str,
    roles: Collection[Role],
    last_actor: Mapping[str, str] | None = None,
    facts: Facts | None = None,
    authors: Collection[str] = (),
) -> Decision:
    """Decide the effect of `actor` doing `action_id` with form `data` on `state`.

    Raises PermissionDenied (naming the role needed), InvalidTransition (not open now) or
    FormInvalid (field-level messages). `last_actor` maps action id -> who last did it, for the
    four-eyes rule (M9's author never approves it).
    """
    act = precheck(
        state, action_id, actor=actor, roles=roles, last_actor=last_actor, authors=authors
    )
    form = parse_form(act.form, dict(data) if isinstance(data, Mapping) else data)
    values = form.model_dump()
    check_rules(act, values, state.flags, facts or Facts())
    branch = next((b for b in act.branches if _matches(b.when, values, state.flags)), None)
    if branch is None:  # pragma: no cover - every declaration ends with a catch-all or is total
        raise InvalidTransition(code="no_branch", action=action_id)

    flags = dict(state.flags)
    for name in act.sets_flags:
        v = values.get(name)
        flags[name] = v if isinstance(v, str | bool | int) or v is None else str(v)

    closing = {act.id, *act.closes}
    pending = [p for p in state.pending if p not in closing]
    opened: tuple[str, ...] = ()
    if not act.join or not any(j in pending for j in act.join):
        opened = tuple(o for o in branch.opens if o not in pending)
    pending = sorted({*pending, *opened}, key=ORDER.__getitem__)
    after = AgreementState(
        status=branch.status or state.status, pending=tuple(pending), flags=flags
    )
    return Decision(
        action=act,
        form=form,
        branch=branch,
        before=state,
        after=after,
        opened=opened,
        skipped=branch.skips,
        outputs=(*act.outputs, *branch.outputs),
        version=branch.version,
    )
