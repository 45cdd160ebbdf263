"""Outbox rows: the Slack messages a state change causes, written in the same transaction.

Payloads are semantic (template names and values), not Block Kit: the dispatcher renders
them at send time in the configured language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from store.models import OutboxMessage


def enqueue(
    s: Session,
    *,
    kind: str,
    agreement_id: str | None,
    payload: dict[str, Any],
    now: datetime,
    recipient: str | None = None,
    dedupe_key: str | None = None,
) -> None:
    s.execute(
        insert(OutboxMessage).values(
            agreement_id=agreement_id,
            kind=kind,
            recipient=recipient,
            payload=payload,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )
