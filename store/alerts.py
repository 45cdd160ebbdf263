"""Outage signals from Alertmanager into incidents: one transaction per batch of
notifications, idempotent per alert (fingerprint + startsAt), each change audited.

Written with Core statements (no ORM unit of work): the webhook is the one write path that
takes hundreds of calls a second, and concurrent notifications are committed together
(`bot.api.AlertWriter`), so the cost per alert is a few statements, not a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_
from sqlalchemy.exc import IntegrityError

from bot.flows.alertmanager import OutageSignal
from bot.flows.process import Status
from store.db import Database
from store.incidents import STEP, refresh_card
from store.models import Agreement, AuditEvent, Incident, table_of

ACTOR = "system:alertmanager"
_I, _AG, _AU = table_of(Incident), table_of(Agreement), table_of(AuditEvent)


@dataclass
class AlertOutcome:
    opened: int = 0
    closed: int = 0
    unchanged: int = 0
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (agreement, reason)

    def add(self, other: AlertOutcome) -> None:
        self.opened += other.opened
        self.closed += other.closed
        self.unchanged += other.unchanged
        self.ignored += other.ignored


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


def _measured(conn: Connection, ids: set[str]) -> dict[str, str | None]:
    """agreement -> None when measured, else why not (`no_agreement`, `not_measured`)."""
    rows = conn.execute(select(_AG.c.id, _AG.c.status, _AG.c.sla_version).where(_AG.c.id.in_(ids)))
    found = {
        aid: None if version >= 1 and not Status(status).final else "not_measured"
        for aid, status, version in rows
    }
    return {aid: found.get(aid, "no_agreement") for aid in ids}


def _audit(sig: OutageSignal, incident: int, action: str, now: datetime) -> dict[str, Any]:
    after = {
        "priority": sig.priority.value,
        "impact": sig.impact.value,
        "opened_at": _iso(sig.starts_at),
        "resolved_at": _iso(sig.ends_at),
        "summary": sig.summary,
    }
    return {
        "agreement_id": sig.agreement_id,
        "actor": ACTOR,
        "at": now,
        "step": STEP,
        "action": action,
        "data": {"incident": incident, "source": "alertmanager"},
        "before": {} if action == "incident.record" else {"resolved_at": None},
        "after": after,
    }


def _row(sig: OutageSignal, now: datetime) -> dict[str, Any]:
    return {
        "agreement_id": sig.agreement_id,
        "priority": sig.priority.value,
        "impact": sig.impact.value,
        "opened_at": sig.starts_at,
        "acknowledged_at": None,
        "resolved_at": sig.ends_at,
        "summary": sig.summary,
        "pauses": [],
        "source": "alertmanager",
        "source_key": sig.key,
        "created_by": ACTOR,
        "created_at": now,
        "updated_at": now,
    }


@dataclass
class _Plan:
    """What a batch writes, decided in memory first (a resend or a firing and its resolution
    in the same batch collapse here), then written with one statement per kind."""

    inserts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    updates: dict[int, datetime] = field(default_factory=dict)
    audits: list[tuple[tuple[str, str] | int, dict[str, Any]]] = field(default_factory=list)


def _known(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for i in range(0, len(keys), 400):
        for aid, key, iid, resolved in conn.execute(
            select(_I.c.agreement_id, _I.c.source_key, _I.c.id, _I.c.resolved_at).where(
                tuple_(_I.c.agreement_id, _I.c.source_key).in_(keys[i : i + 400])
            )
        ):
            out[(aid, key)] = (iid, resolved)
    return out


def _decide(
    sig: OutageSignal, plan: _Plan, known: dict[Any, Any], out: AlertOutcome, now: datetime
) -> None:
    k = (sig.agreement_id, sig.key)
    if k in plan.inserts:  # opened earlier in this batch
        row = plan.inserts[k]
        if sig.ends_at is None or row["resolved_at"] == sig.ends_at:
            out.unchanged += 1
        else:
            row["resolved_at"] = sig.ends_at
            plan.audits.append((k, _audit(sig, 0, "incident.resolve", now)))
            out.closed += 1
    elif k not in known:
        plan.inserts[k] = _row(sig, now)
        plan.audits.append((k, _audit(sig, 0, "incident.record", now)))
        out.opened += 1
        out.closed += sig.ends_at is not None
    elif sig.ends_at is None or known[k][1] == sig.ends_at:
        out.unchanged += 1
    else:
        iid = known[k][0]
        plan.updates[iid] = sig.ends_at
        known[k] = (iid, sig.ends_at)
        plan.audits.append((iid, _audit(sig, iid, "incident.resolve", now)))
        out.closed += 1


def _write(conn: Connection, plan: _Plan, now: datetime) -> None:
    ids: dict[tuple[str, str], int] = {}
    if plan.inserts:
        rows = list(plan.inserts.values())
        got = conn.execute(_I.insert().returning(_I.c.id, _I.c.agreement_id, _I.c.source_key), rows)
        ids = {(aid, key): iid for iid, aid, key in got}
    if plan.updates:
        conn.execute(
            _I.update().where(_I.c.id == bindparam("iid")),
            [{"iid": i, "resolved_at": r, "updated_at": now} for i, r in plan.updates.items()],
        )
    audits = []
    for ref, row in plan.audits:
        iid = ids[ref] if isinstance(ref, tuple) else ref
        audits.append(row | {"data": {"incident": iid, "source": "alertmanager"}})
    if audits:
        conn.execute(_AU.insert(), audits)
    for aid in sorted({row["agreement_id"] for row in audits}):
        refresh_card(conn, aid, now)


def _apply_all(
    conn: Connection, notifications: Sequence[Sequence[OutageSignal]], now: datetime
) -> list[AlertOutcome]:
    why = _measured(conn, {s.agreement_id for sigs in notifications for s in sigs})
    keys = {
        (s.agreement_id, s.key) for sigs in notifications for s in sigs if not why[s.agreement_id]
    }
    known = _known(conn, sorted(keys))
    plan, outs = _Plan(), []
    for sigs in notifications:
        out = AlertOutcome()
        for sig in sigs:
            if why[sig.agreement_id]:
                out.ignored.append((sig.agreement_id, str(why[sig.agreement_id])))
            else:
                _decide(sig, plan, known, out, now)
        outs.append(out)
    _write(conn, plan, now)
    return outs


def ingest(db: Database, signals: Sequence[OutageSignal], *, now: datetime) -> AlertOutcome:
    """Apply one notification's signals in one transaction."""
    return ingest_many(db, [signals], now=now)[0]


def ingest_many(
    db: Database, notifications: Sequence[Sequence[OutageSignal]], *, now: datetime
) -> list[AlertOutcome]:
    """Several notifications in one transaction (group commit), an outcome each, in order.
    Another process inserting the same alert meanwhile is a unique-key conflict: the batch
    is then read again and written once more (it finds that row)."""
    for attempt in range(3):
        try:
            with db.write() as s:
                return _apply_all(s.connection(), notifications, now)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
