"""Approvals, the periodic reviews (M10's clocks, M11, M12) and a change's withdrawal."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from bot.flows.behaviour import Effect
from bot.flows.sla_versions import VersionStatus
from store.effects import Ctx, effect, last_record
from store.models import (
    AgreementVersion,
    Approval,
    ImprovementAction,
    Review,
)


@effect(Effect.APPROVAL)
def _approval(c: Ctx) -> None:
    subject = c.d.action.approves
    rec = last_record(c.s, c.ag.id, subject) if subject else None
    c.s.add(
        Approval(
            agreement_id=c.ag.id,
            step=c.d.action.id,
            subject_record_id=rec.id if rec else None,
            decision=c.values["decision"],
            reason=c.values.get("reason", ""),
            approver=c.rec.actor,
            at=c.now,
        )
    )


def _review(c: Ctx) -> None:
    v = c.values
    rv = Review(
        agreement_id=c.ag.id,
        step=c.d.action.id,
        period_start=v.get("period_start"),
        period_end=v.get("period_end"),
        data=c.d.form.model_dump(mode="json"),
        actor=c.rec.actor,
        at=c.now,
    )
    c.s.add(rv)
    c.s.flush()
    assert rv.id is not None
    for text in v.get("improvements", []):
        c.s.add(ImprovementAction(agreement_id=c.ag.id, review_id=rv.id, description=text))
    for text in v.get("changes", []):
        c.s.add(
            ImprovementAction(
                agreement_id=c.ag.id, review_id=rv.id, description=text, needs_change=True
            )
        )


@effect(Effect.START_REVIEW_CLOCKS)
def _m10(c: Ctx) -> None:
    """The review clocks start when the service goes live."""
    from bot.flows.reminders import next_review
    from bot.flows.tiers import Cadence

    live = c.values["live_on"]
    c.ag.next_review_on = next_review(live, Cadence(c.ag.review_cadence).months)
    c.ag.next_sla_review_on = next_review(live, 12)


@effect(Effect.PERFORMANCE_REVIEW)
def _m11(c: Ctx) -> None:
    from bot.flows.reminders import next_review
    from bot.flows.tiers import Cadence

    _review(c)
    c.ag.next_review_on = next_review(c.values["period_end"], Cadence(c.ag.review_cadence).months)


@effect(Effect.SLA_REVIEW)
def _m12(c: Ctx) -> None:
    from bot.flows.reminders import next_review

    _review(c)
    c.ag.next_sla_review_on = next_review(c.now.date(), 12)


@effect(Effect.WITHDRAW_CHANGE_DRAFT)
def _withdraw_change(c: Ctx) -> None:
    """M13.withdraw: the unsigned additional SLA (C2's draft) is withdrawn with the change."""
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == c.ag.id,
            col(AgreementVersion.status) == VersionStatus.DRAFT,
        )
        .values(status=VersionStatus.WITHDRAWN)
    )
