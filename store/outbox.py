"""Outbox rows: the Slack messages a state change causes, written in the same transaction.

Payloads are semantic (template names and values), not Block Kit: the dispatcher renders
them at send time in the configured language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session

from store.models import OutboxMessage, table_of

_INSERT = insert(table_of(OutboxMessage))


def enqueue_many(
    s: Session | Connection,
    *,
    agreement_id: str | None,
    now: datetime,
    messages: list[tuple[str, str | None, dict[str, Any]]],
) -> None:
    """Queue (kind, recipient, payload) messages in one executemany."""
    if not messages:
        return
    s.execute(
        _INSERT,
        [
            {
                "agreement_id": agreement_id,
                "kind": kind,
                "recipient": recipient,
                "payload": payload,
                "dedupe_key": None,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "sent_at": None,
                "last_error": None,
                "ts": None,
            }
            for kind, recipient, payload in messages
        ],
    )


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
