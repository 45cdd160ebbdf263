"""What an action does to the agreement's SLA versions (bot.flows.process.VersionEffect):
a new draft (M4, C2), its signing (M5, C3) and a renewal or approved extension (T1)."""

from __future__ import annotations

from datetime import UTC, date

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from bot.flows.errors import FormInvalid
from bot.flows.forms import parse_form
from bot.flows.process import ACTION_BY_ID, ADDITIONAL_SIGNING, VersionEffect
from bot.flows.sla_versions import VersionStatus, takes_effect_at_signing
from store.effects import Ctx, last_record, resolve_entry, version_effect
from store.models import (
    Agreement,
    AgreementVersion,
)


def version_row(s: Session, ag: Agreement, status: VersionStatus) -> AgreementVersion | None:
    """The agreement's newest SLA version in `status`."""
    return s.execute(
        select(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == ag.id,
            col(AgreementVersion.status) == status,
        )
        .order_by(col(AgreementVersion.number).desc())
        .limit(1)
    ).scalar_one_or_none()


def _next_number(s: Session, ag: Agreement) -> int:
    n = s.execute(
        select(func.max(col(AgreementVersion.number))).where(
            col(AgreementVersion.agreement_id) == ag.id
        )
    ).scalar_one_or_none()
    return int(n or 0) + 1


@version_effect(VersionEffect.DRAFT)
def _draft(c: Ctx) -> None:
    v = c.values
    entry = resolve_entry(c.s, str(v["entry"]))
    start: date = v.get("start_date") or v["effective_from"]
    # a new draft replaces an unsigned one (negotiation goes on); signed versions stay
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == c.ag.id,
            col(AgreementVersion.status) == VersionStatus.DRAFT,
        )
        .values(status=VersionStatus.WITHDRAWN)
    )
    number = _next_number(c.s, c.ag)
    c.doc_version = number
    c.s.add(
        AgreementVersion(
            agreement_id=c.ag.id,
            number=number,
            status=VersionStatus.DRAFT,
            catalogue_entry_id=entry.id,
            tier=int(v["tier"]),
            start_date=start,
            end_date=v["end_date"],
            price=v["price"],
            availability_pct=v["availability_pct"],
            targets=v.get("targets") or None,
            review_cadence=str(v.get("review_cadence") or c.ag.review_cadence),
            created_step=c.d.action.id,
            created_at=c.now,
        )
    )


def _take_effect(c: Ctx, new: AgreementVersion) -> None:
    old = version_row(c.s, c.ag, VersionStatus.IN_EFFECT)
    if old is not None and old.id != new.id:
        old.status = VersionStatus.SUPERSEDED
        c.s.add(old)
    new.status = VersionStatus.IN_EFFECT
    c.s.add(new)
    c.ag.sla_version = new.number
    c.ag.tier = new.tier
    c.ag.start_date = c.ag.start_date if old is not None else new.start_date
    c.ag.end_date = new.end_date
    c.ag.review_cadence = new.review_cadence
    c.rec.sla_version = new.number


@version_effect(VersionEffect.SIGN)
def _sign(c: Ctx) -> None:
    c.s.flush()
    draft = version_row(c.s, c.ag, VersionStatus.DRAFT)
    if draft is None:
        raise FormInvalid.one("__root__", "no_draft", "there is no SLA draft to sign")
    if c.d.action.id == ADDITIONAL_SIGNING and not takes_effect_at_signing(
        draft.start_date, c.now.astimezone(UTC).date()
    ):
        # the additional SLA waits for its effective date; the sweep switches (rule 9)
        draft.status = VersionStatus.SIGNED
        c.s.add(draft)
        c.rec.sla_version = draft.number
        return
    _take_effect(c, draft)


@version_effect(VersionEffect.RENEW)
def _renew(c: Ctx) -> None:
    old = version_row(c.s, c.ag, VersionStatus.IN_EFFECT)
    if old is None:
        raise FormInvalid.one("__root__", "no_sla", "there is no SLA in effect to renew")
    subject = c.d.action.approves
    if subject is None:  # a renewal: the end date is on this form
        end = c.values["service_end"]
    else:  # an approved extension: the end date the request named
        req = last_record(c.s, c.ag.id, subject)
        named = parse_form(ACTION_BY_ID[subject].form, req.data).model_dump() if req else {}
        end = named.get("service_end") or old.end_date
    if end <= old.end_date:
        raise FormInvalid.one(
            "service_end",
            "after_end",
            f"must be after the current end date ({old.end_date.isoformat()})",
            day=old.end_date.isoformat(),
        )
    new = AgreementVersion(
        agreement_id=c.ag.id,
        number=_next_number(c.s, c.ag),
        status=VersionStatus.DRAFT,
        catalogue_entry_id=old.catalogue_entry_id,
        tier=old.tier,
        start_date=old.start_date,
        end_date=end,
        price=old.price,
        availability_pct=old.availability_pct,
        targets=old.targets,
        review_cadence=old.review_cadence,
        created_step=c.d.action.id,
        created_at=c.now,
    )
    c.s.add(new)
    c.s.flush()
    _take_effect(c, new)
