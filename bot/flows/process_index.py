"""The process assembled: every action in order, and the lookups derived from it.

Other layers name some actions by their purpose (`ENTRY`, `NOTICE`, ...) rather than by id.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.flows.actions_change import CHANGING
from bot.flows.actions_onboarding import ONBOARDING
from bot.flows.actions_running import RUNNING
from bot.flows.actions_termination import TERMINATION_ACTIONS
from bot.flows.behaviour import Effect as E
from bot.flows.behaviour import ReviewClock
from bot.flows.process_model import Action, Step
from bot.flows.process_steps import STEPS
from bot.flows.roles import Role

ACTIONS: tuple[Action, ...] = (*ONBOARDING, *RUNNING, *CHANGING, *TERMINATION_ACTIONS)


def _index() -> tuple[dict[str, Step], dict[str, Action]]:
    actions = {a.id: a for a in ACTIONS}
    if len(actions) != len(ACTIONS):
        raise AssertionError("duplicate action id")
    steps: dict[str, Step] = {}
    for s in STEPS:
        own = tuple(a.id for a in ACTIONS if a.step == s.id)
        steps[s.id] = Step(s.id, s.process, s.en, s.zh, s.inputs_en, s.inputs_zh, own)
    for a in ACTIONS:
        if a.step not in steps:
            raise AssertionError(f"{a.id}: unknown step {a.step}")
        for ref in (a.approves, a.four_eyes, *a.closes, *a.join, *a.redraft_while):
            if ref is not None and ref not in actions:
                raise AssertionError(f"{a.id}: names unknown action {ref}")
        for b in a.branches:
            for target in (*b.opens, *b.skips):
                if target not in actions:
                    raise AssertionError(f"{a.id}: branch {b.key} names unknown {target}")
    return steps, actions


STEP_BY_ID, ACTION_BY_ID = _index()
ORDER: dict[str, int] = {a.id: i for i, a in enumerate(ACTIONS)}

# -- actions that other layers name by their purpose -----------------------------------------
#: the action that creates an agreement
ENTRY = "M1"
#: the step whose catalogue is the company's (catalogue edits are audited under it)
CATALOGUE_STEP = "M3"
#: the initiation report: its OLAs and its budget (T6 accounts against it)
INITIATION = "M9"
#: the catalogue update of a change (its entries join the catalogue step's in documents)
CATALOGUE_UPDATE = "C1"
#: the SLA draft and the additional SLA draft (documents restate what they record)
SLA_DRAFTING = "M4"
ADDITIONAL_DRAFTING = "C2"
#: the signing of the additional SLA (its record updates the proposal)
ADDITIONAL_SIGNING = "C3"
#: the SLA review, which issues new versions of the documents a change left behind
DOCUMENT_REFRESH = "M12"
#: the withdrawal of a change, which withdraws its additional SLA draft
CHANGE_WITHDRAWAL = "M13.withdraw"
#: the start of delivery: the agreement's OLAs were signed before it (rule 7)
EXECUTION = next(a.id for a in ACTIONS if E.START_REVIEW_CLOCKS in a.effects)
#: the handover of the agreement to another O&M service owner
HANDOVER = next(a.id for a in ACTIONS if E.HANDOVER in a.effects)
#: the approval of the initiation report
INITIATION_REVIEW = next(a.id for a in ACTIONS if a.approves == INITIATION)
#: the service accounting (its record keeps the budget variance)
ACCOUNTING = next(a.id for a in ACTIONS if E.BUDGET_VARIANCE in a.effects)
#: the notice to the customer: its record starts the deemed-confirmation clock
NOTICE = "T1"
#: the scheduler's deemed confirmation of a notice
DEEMED = next(a.id for a in ACTIONS if a.system)
#: a change of the service level, offered on expiry reminders
CHANGE = next(a.id for a in ACTIONS if a.command == "change")
#: the manager's start of a termination (an expiry nobody acted on is escalated with it)
TERMINATION = next(a.id for a in ACTIONS if a.command == "terminate" and Role.SLM in a.roles)
#: the drafts that may be redrafted until they are signed (M4 until M5, C2 until C3)
REDRAFTS: tuple[str, ...] = tuple(a.id for a in ACTIONS if a.redraft_while)
#: the standing actions a card offers (each while its status allows it), in this order
STANDING_BUTTONS: tuple[str, ...] = (
    "M11",
    "M12",
    "M13",
    NOTICE,
    TERMINATION,
    "M13.withdraw",
    "M14.withdraw",
    "T1.withdraw",
    "M1.class",
    "M8.handover",
)
#: the recurring reviews, by the clock they keep
REVIEW_ACTION: dict[ReviewClock, str] = {
    a.review_clock: a.id for a in ACTIONS if a.review_clock is not None
}
#: the step whose measurement incidents feed (M11: the periodic review of service levels)
MEASUREMENT = REVIEW_ACTION[ReviewClock.PERFORMANCE]


def _commands() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[Action]] = {}
    for a in ACTIONS:
        if a.command:
            out.setdefault(a.command, []).append(a)
    rank = {aid: i for i, aid in enumerate(STANDING_BUTTONS)}
    return {
        word: tuple(a.id for a in sorted(acts, key=lambda a: rank.get(a.id, len(rank))))
        for word, acts in out.items()
    }


#: `/sla <word> ID` -> the actions it may open, in card order
COMMANDS = _commands()


def command_action(word: str, roles: Iterable[Role] = ()) -> str | None:
    """The action `/sla <word> ID` opens for someone holding `roles`: the first one of the
    roles may take, else the first."""
    found = COMMANDS.get(word, ())
    held = set(roles)
    return next((aid for aid in found if held & set(ACTION_BY_ID[aid].roles)), None) or (
        found[0] if found else None
    )


def step(step_id: str) -> Step:
    return STEP_BY_ID[step_id]


def action(action_id: str) -> Action:
    return ACTION_BY_ID[action_id]
