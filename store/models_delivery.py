"""Tables of what is delivered to Slack and what arrives from it: the outbox, reminders,
leases, handled events and request submissions (re-exported by store.models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.flows.statuses import OutboxStatus, ReminderStatus
from store.model_fields import JSONDict, json_field, status_field, ts


class OutboxMessage(SQLModel, table=True):
    """A Slack message a state change caused, sent later by the dispatcher (at least once)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str | None = Field(default=None, max_length=20, index=True)
    kind: str = Field(max_length=16)  # card | thread | files | dm | channel | notice
    recipient: str | None = Field(default=None, max_length=64)
    payload: JSONDict = json_field(default_factory=dict)
    dedupe_key: str | None = Field(default=None, unique=True, max_length=200)
    status: OutboxStatus = status_field(OutboxStatus, "outbox", default=OutboxStatus.PENDING)
    attempts: int = 0
    created_at: datetime = ts()
    next_attempt_at: datetime = ts()
    sent_at: datetime | None = ts(default=None)
    last_error: str | None = Field(default=None, max_length=2000)
    ts: str | None = Field(default=None, max_length=32)


class Reminder(SQLModel, table=True):
    """A time-driven message, recorded once under its unique key (agreement, kind, due date).

    Sweeps derive what is due from the database and insert it here (a duplicate key is
    skipped, so several workers or a restart never double it); delivery turns scheduled rows
    into outbox messages in the same transaction.
    """

    __table_args__ = (Index("ix_reminder_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    agreement_id: str | None = Field(default=None, max_length=20, index=True)
    kind: str = Field(max_length=32)
    recipient: str | None = Field(default=None, max_length=64)
    due_at: datetime = ts()
    status: ReminderStatus = status_field(
        ReminderStatus, "reminder", default=ReminderStatus.SCHEDULED
    )
    payload: JSONDict = json_field(default_factory=dict)
    created_at: datetime = ts()
    sent_at: datetime | None = ts(default=None)


class OutboxLease(SQLModel, table=True):
    """Which worker is sending an agreement's messages (keeps them in order across workers)."""

    __tablename__ = "outbox_lease"
    key: str = Field(primary_key=True, max_length=80)
    owner: str = Field(max_length=80)
    until: datetime = ts()


class SlackEvent(SQLModel, table=True):
    """An Events API delivery already handled (`event_id` unique): Slack's retries, whichever
    web process they reach, are handled once. Rows older than a day are pruned."""

    __tablename__ = "slack_event"
    event_id: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = ts(index=True)


class RequestSubmission(SQLModel, table=True):
    """A new-request modal submission already taken (Slack's view id and hash): the same
    submission again answers with the agreement it made instead of making another."""

    __tablename__ = "request_submission"
    key: str = Field(primary_key=True, max_length=120)
    agreement_id: str = Field(max_length=20)
    created_at: datetime = ts()
