"""The SLM process as data: every step (M1-M14, C1-C4, T1-T7) and action, declared once.

A *step* is a row of process.md. An *action* is something a person (or the scheduler) does
in a step: most steps have one action with the step's id; M9 has the report and its approval
(`M9.review`), T1 the notice and the executive's extension approval (`T1.extension`), T2 the
customer's reply and the deemed confirmation (`T2.deem`). Each action declares who may do it,
the form it records, the documents it produces, and its branches (what opens next).

The same declaration drives validation, permissions, Slack modals, card buttons, reminders,
the audit log and the README's process table.

The declaration is split by what it holds: the types (`process_model`), the steps
(`process_steps`), the actions of each process (`actions_onboarding`, `actions_running`,
`actions_change`, `actions_termination`) and the lookups derived from them (`process_index`).
This module is the one every caller imports from.
"""

from __future__ import annotations

from bot.flows.process_index import (
    ACCOUNTING,
    ACTION_BY_ID,
    ACTIONS,
    ADDITIONAL_DRAFTING,
    ADDITIONAL_SIGNING,
    CATALOGUE_STEP,
    CATALOGUE_UPDATE,
    CHANGE,
    CHANGE_WITHDRAWAL,
    COMMANDS,
    DEEMED,
    DOCUMENT_REFRESH,
    ENTRY,
    EXECUTION,
    HANDOVER,
    INITIATION,
    INITIATION_REVIEW,
    MEASUREMENT,
    NOTICE,
    ORDER,
    REDRAFTS,
    REVIEW_ACTION,
    SLA_DRAFTING,
    STANDING_BUTTONS,
    STEP_BY_ID,
    TERMINATION,
    action,
    command_action,
    step,
)
from bot.flows.process_model import (
    STATUS_NAMES,
    Action,
    Branch,
    Status,
    Step,
    VersionEffect,
    When,
)
from bot.flows.process_steps import STEPS

__all__ = [
    "ACCOUNTING",
    "ACTIONS",
    "ACTION_BY_ID",
    "ADDITIONAL_DRAFTING",
    "ADDITIONAL_SIGNING",
    "CATALOGUE_STEP",
    "CATALOGUE_UPDATE",
    "CHANGE",
    "CHANGE_WITHDRAWAL",
    "COMMANDS",
    "DEEMED",
    "DOCUMENT_REFRESH",
    "ENTRY",
    "EXECUTION",
    "HANDOVER",
    "INITIATION",
    "INITIATION_REVIEW",
    "MEASUREMENT",
    "NOTICE",
    "ORDER",
    "REDRAFTS",
    "REVIEW_ACTION",
    "SLA_DRAFTING",
    "STANDING_BUTTONS",
    "STATUS_NAMES",
    "STEPS",
    "STEP_BY_ID",
    "TERMINATION",
    "Action",
    "Branch",
    "Status",
    "Step",
    "VersionEffect",
    "When",
    "action",
    "command_action",
    "step",
]
