"""Slack Events API deliveries handled once, across every web process (`slack_event`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.db import Database
from store.models import SlackEvent, table_of

_EV = table_of(SlackEvent)
KEEP = timedelta(days=1)


def first_delivery(db: Database, event_id: str, *, now: datetime) -> bool:
    """Record `event_id`; False when some process recorded it before (a retry). Deliveries
    older than a day are pruned in the same transaction (Slack retries within minutes)."""
    ins = pg_insert(_EV) if db.dialect == "postgresql" else sqlite_insert(_EV)
    with db.write() as s:
        conn = s.connection()
        inserted = conn.execute(
            ins.values(event_id=event_id[:64], seen_at=now).on_conflict_do_nothing(
                index_elements=["event_id"]
            )
        ).rowcount
        conn.execute(delete(_EV).where(_EV.c.seen_at < now - KEEP))
    return inserted == 1
