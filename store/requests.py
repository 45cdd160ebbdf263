"""New requests taken once per modal submission: Slack may deliver the same submission
twice (a double click, a retry after a slow answer); the second answers with the agreement
the first made (`request_submission`, unique on the view id and hash)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.flows.process import ENTRY, Status
from store.db import Database
from store.lifecycle import Outcome, submit_request
from store.models import Agreement, RequestSubmission, table_of
from store.outbox import Confirm

_RS, _AG = table_of(RequestSubmission), table_of(Agreement)


def made_by(db: Database, key: str) -> Outcome | None:
    """The agreement an earlier submission with `key` made, as an outcome of M1."""
    with db.read_conn() as conn:
        row = conn.execute(
            select(_AG.c.id, _AG.c.status, _AG.c.pending, _AG.c.lock_version, _AG.c.sla_version)
            .join(_RS, _RS.c.agreement_id == _AG.c.id)
            .where(_RS.c.key == key)
        ).first()
    if row is None:
        return None
    aid, status, pending, lock, sla = row
    return Outcome(
        agreement_id=aid,
        action=ENTRY,
        branch="",
        status=Status(status),
        pending=tuple(pending or ()),
        opened=(),
        skipped=(),
        record_id=0,
        documents=(),
        lock_version=int(lock),
        sla_version=int(sla),
    )


def submit_request_once(
    db: Database,
    data: Mapping[str, Any],
    *,
    actor: str,
    now: datetime,
    key: str | None,
    confirm: Confirm | None = None,
) -> Outcome:
    """M1 for one modal submission: the same `key` again returns the agreement already made
    (no key: a plain M1); `confirm`: the new agreement's confirmation, in its transaction (a
    repeat is confirmed by the caller, as nothing new was made)."""
    if key is None:
        return submit_request(db, data, actor=actor, now=now, confirm=confirm)
    earlier = made_by(db, key)
    if earlier is not None:
        return earlier
    try:
        return submit_request(db, data, actor=actor, now=now, request_key=key, confirm=confirm)
    except IntegrityError:  # the same submission, concurrently: it won
        earlier = made_by(db, key)
        if earlier is None:
            raise
        return earlier
