"""The types the process is declared in: statuses, steps, actions and their branches."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.flows.behaviour import Assignee, Choice, Prefill, ReviewClock, template_key
from bot.flows.behaviour import Effect as E
from bot.flows.documents import DocKind as D
from bot.flows.forms import StepForm
from bot.flows.roles import Role


class Status(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    CHANGING = "changing"
    TERMINATING = "terminating"
    EXTENSION_PENDING = "extension_pending"
    DECLINED = "declined"
    ARCHIVED = "archived"

    @property
    def final(self) -> bool:
        return self in (Status.DECLINED, Status.ARCHIVED)


STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.ONBOARDING: ("Onboarding", "签约筹备"),
    Status.ACTIVE: ("In service", "服务中"),
    Status.CHANGING: ("Changing (C)", "变更中（C）"),
    Status.TERMINATING: ("Terminating (T)", "终止中（T）"),
    Status.EXTENSION_PENDING: ("Extension pending (T1)", "延期待批（T1）"),
    Status.DECLINED: ("Declined", "不承接"),
    Status.ARCHIVED: ("Archived", "已归档"),
}


class VersionEffect(StrEnum):
    """What an action does to the agreement's SLA versions."""

    DRAFT = "draft"  # M4 / C2: a new draft version from the form
    SIGN = "sign"  # M5 / C3: the draft takes effect; the previous version is superseded
    RENEW = "renew"  # T1 renewal / approved extension: a new version with a new end date


@dataclass(frozen=True)
class When:
    """A branch condition on a form field or, failing that, an agreement flag.

    `equals=None` means "truthy" (a ticked checkbox, a non-empty list).
    """

    field: str
    equals: str | bool | None = None


@dataclass(frozen=True)
class Branch:
    key: str
    en: str
    zh: str
    when: When | None = None
    opens: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    status: Status | None = None
    outputs: tuple[D, ...] = ()
    version: VersionEffect | None = None
    #: holders of these roles are told by DM (the customer asked to stop early)
    informs: tuple[Role, ...] = ()


@dataclass(frozen=True)
class Action:
    id: str
    step: str
    verb_en: str
    verb_zh: str
    roles: tuple[Role, ...]
    form: type[StepForm]
    branches: tuple[Branch, ...]
    outputs: tuple[D, ...] = ()
    #: statuses in which this action may be taken again and again (M11, M12, M13, M14, T1)
    standing_in: frozenset[Status] = frozenset()
    #: the actor may not be the one who last performed this action (four eyes)
    four_eyes: str | None = None
    #: ... nor anyone who performed it in an earlier round (M9 rejected and resubmitted)
    four_eyes_all_rounds: bool = False
    #: branches open their next actions only once none of these is pending any more
    join: tuple[str, ...] = ()
    #: other pending actions this one closes (T2 and T2.deem are alternatives)
    closes: tuple[str, ...] = ()
    #: form fields copied into the agreement's flags (later branches read them)
    sets_flags: tuple[str, ...] = ()
    #: done by the scheduler, never by a person
    system: bool = False
    #: refused unless one of these is pending (a withdrawal before the point of no return)
    only_while: tuple[str, ...] = ()
    #: may be done again while one of these is pending (M4 until M5 signs: a redraft)
    redraft_while: tuple[str, ...] = ()
    #: only the O&M service owner named in M8 (the agreement's `owner` flag) may do it
    by_owner: bool = False
    #: refused until an earlier step set this flag (a handover needs an owner to hand over)
    needs_flag: str | None = None
    #: what the store writes besides the step record (one registered function per effect)
    effects: tuple[E, ...] = ()
    #: who gets the task when this action opens (the four-eyes rule still applies)
    assignee: Assignee = Assignee.ROLE_HOLDERS
    #: decision buttons (shown in the thread too); none: one button that opens the form
    choices: tuple[Choice, ...] = ()
    #: the action whose latest record this one decides on (an approval, an extension)
    approves: str | None = None
    #: the word of `/sla <word> ID` that opens this action
    command: str | None = None
    #: what the modal is pre-filled from
    prefill: Prefill | None = None
    #: the recurring review this action records
    review_clock: ReviewClock | None = None
    #: roles that take part without recording the action (support departments in T6)
    takes_part: tuple[Role, ...] = ()

    @property
    def verb_key(self) -> str:
        """The template key of the short verb on its modal's title (`modal_verb_M9_review`)."""
        return template_key("modal_verb", self.id)

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def all_outputs(self) -> tuple[D, ...]:
        seen: dict[D, None] = dict.fromkeys(self.outputs)
        for b in self.branches:
            seen.update(dict.fromkeys(b.outputs))
        return tuple(seen)


@dataclass(frozen=True)
class Step:
    id: str
    process: str
    en: str
    zh: str
    inputs_en: str
    inputs_zh: str
    actions: tuple[str, ...] = field(default=())

    def name(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en

    def title(self, locale: str = "en") -> str:
        return f"{self.id} · {self.name(locale)}"


def done_then(to: str) -> tuple[Branch, ...]:
    """One branch, `done`, that opens `to`."""
    return (Branch("done", "done", "完成", opens=(to,)),)


#: standing in service only
ACTIVE_ONLY = frozenset({Status.ACTIVE})
#: an executive may change the project class whenever the agreement is not final
NOT_FINAL = frozenset(s for s in Status if not s.final)
#: a withdrawal that puts the agreement back in service
BACK_IN_SERVICE = (
    Branch("withdrawn", "withdrawn: back in service", "撤回：恢复服务", status=Status.ACTIVE),
)
