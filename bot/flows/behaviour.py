"""The vocabulary an `Action` (bot.flows.process) uses to declare what it does beyond its
transition: effects on the store, who gets the task, the decision buttons, the form's prefill.

Effects are named here and implemented once in the store (`store.effects` registers one
function per `Effect`; a test fails when one is missing), so flows stays free of I/O and the
store keeps no table keyed by action id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    """What an action writes besides its step record, documents, audit event and outbox."""

    RECORD_TERMS = "record_terms"  # M1: tier and term on the agreement
    SUPPLIER_CONTRACT = "supplier_contract"  # M6: an underpinning contract
    SUPPLIER_CHANGES = "supplier_changes"  # C4: sign, change or cancel supplier contracts
    SET_OWNER = "set_owner"  # M8: the named O&M service owner
    HANDOVER = "handover"  # M8.handover: a new owner takes the open task and its DM
    OLAS = "olas"  # M9: one OLA per supporting department
    HEADS_NOTICE = "heads_notice"  # M7: each department's lines to its head (rule 6)
    OLA_SIGNERS = "ola_signers"  # M9: each OLA to its department's signer (rule 7)
    OLA_UPDATES = "ola_updates"  # C3: OLA lines changed by the additional SLA
    APPROVAL = "approval"  # M9.review, T1.extension: the decision on `Action.approves`
    SUPERSEDE_REJECTED_OLAS = "supersede_rejected_olas"  # M9.review rejected: OLAs superseded
    START_REVIEW_CLOCKS = "start_review_clocks"  # M10: the review dates start at go-live
    PERFORMANCE_REVIEW = "performance_review"  # M11: review, improvements, next review date
    MEASURE = "measure"  # M11: the period's attainment measured from the incidents
    SLA_REVIEW = "sla_review"  # M12: review and next SLA review date
    RELEASE = "release"  # T3, T4, T5: a release list
    RELEASE_SUPPLIER_CONTRACTS = "release_supplier_contracts"  # T5: contracts released
    BUDGET_VARIANCE = "budget_variance"  # T6: variance figures in the accounting document
    ARCHIVE = "archive"  # T7: what the archive holds, by id
    WITHDRAW_CHANGE_DRAFT = "withdraw_change_draft"  # M13.withdraw: C2's unsigned draft goes
    CATALOGUE_DEVIATIONS = "catalogue_deviations"  # M4, C2: what departs from the catalogue
    FEASIBILITY = "feasibility"  # M4, C2: what the OLAs and supplier contracts do not underpin


class Assignee(StrEnum):
    """Who gets the task (and its DM) when an action opens."""

    ROLE_HOLDERS = "role_holders"  # everyone holding one of the action's roles
    OWNER = "owner"  # the named O&M service owner, when there is one
    SALES_USER = "sales_user"  # the agreement's salesperson, while they still hold sales


class Prefill(StrEnum):
    """What an action's modal is pre-filled from."""

    REQUEST = "request"  # the customer's request (M1): tier and term
    AGREEMENT = "agreement"  # the agreement as it stands: tier and end date
    BUDGET = "budget"  # the initiation report's budget (M9) as the planned cost
    MEASURED = "measured"  # M11: the period since the last review and its measured figures


class ReviewClock(StrEnum):
    """The recurring review an action records (and whose next date it keeps)."""

    PERFORMANCE = "performance"  # M11, at the agreement's cadence
    SLA = "sla"  # M12, yearly


@dataclass(frozen=True)
class Choice:
    """One decision button (the modal opens with the decision preset).

    `one_click`: this decision needs no more than a confirmed click (the reason is optional).
    The button's text is the template key `button_<value>`.
    """

    value: str
    style: str | None = None
    one_click: bool = False

    @property
    def label_key(self) -> str:
        return f"button_{self.value}"


def decision_pair(yes: str, no: str, *, one_click: bool = False) -> tuple[Choice, Choice]:
    """A two-way decision: the first primary (one click if asked), the second danger."""
    return (Choice(yes, "primary", one_click), Choice(no, "danger"))


def template_key(prefix: str, action_id: str) -> str:
    """A template key derived from an action id: `modal_verb_M9_review`."""
    return f"{prefix}_{action_id.replace('.', '_')}"
