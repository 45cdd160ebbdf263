"""The additional SLA takes effect on its date (issue 9, rule 9): the sweep's switch.

`due_switches` lists the agreements with a signed version whose day has come; `switch` puts
one agreement's into effect in one transaction with its audit event (step C3) and the card's
update. A second sweep, or a second worker, finds nothing to switch and does nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.flows.machine import SYSTEM_ACTOR
from bot.flows.sla_versions import SWITCH_ACTION, SWITCH_STEP, Pending, VersionStatus, due
from store.db import Database
from store.models import Agreement, AgreementVersion, AuditEvent
from store.outbox import CardPayload, Message, VersionInEffectPayload, enqueue_many

_SIGNED = VersionStatus.SIGNED


def due_switches(db: Database, today: date) -> list[str]:
    """Agreements with a signed version effective on or before `today` (a local day)."""
    with db.read() as s:
        rows = s.execute(
            select(col(AgreementVersion.agreement_id))
            .where(
                col(AgreementVersion.status) == _SIGNED,
                col(AgreementVersion.start_date) <= today,
            )
            .distinct()
            .order_by(col(AgreementVersion.agreement_id))
        ).scalars()
        return list(rows)


def switch(db: Database, agreement_id: str, *, today: date, now: datetime) -> int | None:
    """Put the due signed version of one agreement into effect; the number switched to, or
    None when there was nothing to do (not due yet, or done by another sweep)."""
    with db.write() as s:
        ag = s.execute(
            select(Agreement).where(col(Agreement.id) == agreement_id).with_for_update()
        ).scalar_one_or_none()
        if ag is None:
            return None
        signed = list(
            s.execute(
                select(AgreementVersion).where(
                    col(AgreementVersion.agreement_id) == agreement_id,
                    col(AgreementVersion.status) == _SIGNED,
                )
            ).scalars()
        )
        by_number = {v.number: v for v in signed}
        chosen = due([Pending(v.number, v.start_date, v.tier) for v in signed], today)
        if chosen is None:
            return None
        new = by_number[chosen.number]
        before = {"sla_version": ag.sla_version, "tier": ag.tier, "end_date": _iso(ag.end_date)}
        # the version in effect, and older signed ones the newer supersedes, step down
        s.execute(
            update(AgreementVersion)
            .where(
                col(AgreementVersion.agreement_id) == agreement_id,
                col(AgreementVersion.number) < new.number,
                col(AgreementVersion.status).in_([VersionStatus.IN_EFFECT, _SIGNED]),
            )
            .values(status=VersionStatus.SUPERSEDED)
        )
        new.status = VersionStatus.IN_EFFECT
        ag.sla_version, ag.tier, ag.end_date = new.number, new.tier, new.end_date
        ag.review_cadence = new.review_cadence
        ag.lock_version += 1
        ag.updated_at = now
        s.add_all([new, ag])
        _record(s, agreement_id, new, before, now)
        return int(new.number)


def _record(
    s: Session, agreement_id: str, new: AgreementVersion, before: dict[str, Any], now: datetime
) -> None:
    """The switch's audit event (step C3), the card's update and the thread's reply."""
    s.add(
        AuditEvent(
            agreement_id=agreement_id,
            actor=SYSTEM_ACTOR,
            at=now,
            step=SWITCH_STEP,
            action=SWITCH_ACTION,
            data={"version": new.number, "effective_from": new.start_date.isoformat()},
            before=before,
            after={"sla_version": new.number, "tier": new.tier, "end_date": _iso(new.end_date)},
        )
    )
    s.flush()
    told = VersionInEffectPayload(
        version=new.number, effective_from=new.start_date.isoformat(), tier=new.tier
    )
    enqueue_many(
        s,
        agreement_id=agreement_id,
        now=now,
        messages=[Message("card", None, CardPayload()), Message("thread", None, told)],
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
