"""SQLModel tables: agreements and everything the process records about them.

Every state change writes an `AuditEvent` (append-only) and the `OutboxMessage` rows for the
Slack messages it causes, in the same transaction (see store/lifecycle.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Numeric, Table, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from bot.flows.behaviour import ReviewClock
from bot.flows.process import REVIEW_ACTION
from store.types import UTCDateTime

JSONDict = dict[str, Any]


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_type=JSON, **kw)


def _money(**kw: Any) -> Any:
    return Field(sa_type=Numeric(14, 2), **kw)


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=64)
    role: str = Field(max_length=32)
    granted_by: str = Field(max_length=64)
    granted_at: datetime = _ts()


class UserPreference(SQLModel, table=True):
    """A person's own settings: the language they chose on App Home (else Slack's)."""

    __tablename__ = "user_preference"
    user_id: str = Field(primary_key=True, max_length=64)
    locale: str = Field(max_length=8)
    updated_at: datetime = _ts()


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    contact: str = Field(default="", max_length=200)
    created_at: datetime = _ts()


class CatalogueEntry(SQLModel, table=True):
    """One version of a service in the catalogue; editing adds a version, never overwrites."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, index=True)
    version: int = 1
    name: str = Field(max_length=200)
    name_zh: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=3000)
    tier: int
    price: Decimal = _money()
    availability_pct: Decimal = Field(sa_type=Numeric(6, 3))
    #: {"P1": {"response_min": 15, "resolution_min": 240}, ...}
    targets: JSONDict = _json(default_factory=dict)
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = _ts()


class AgreementSeq(SQLModel, table=True):
    __tablename__ = "agreement_seq"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class Agreement(SQLModel, table=True):
    __table_args__ = (
        Index("ix_agreement_status_end", "status", "end_date"),
        Index("ix_agreement_customer", "customer_id"),
        Index("ix_agreement_updated", "updated_at", "id"),
        Index("ix_agreement_review", "status", "next_review_on"),
        Index("ix_agreement_sla_review", "status", "next_sla_review_on"),
    )
    id: str = Field(primary_key=True, max_length=20)  # SLA-2026-0001
    customer_id: int = Field(foreign_key="customer.id")
    title: str = Field(max_length=300)
    status: str = Field(max_length=20)
    #: open action ids, in process order (see bot.flows.machine.AgreementState)
    pending: list[str] = _json(default_factory=list)
    flags: JSONDict = _json(default_factory=dict)
    sla_version: int = 0  # the SLA version in effect (0 before M5)
    tier: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    review_cadence: str = "quarterly"
    sales_user: str = Field(max_length=64)
    owner: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    #: optimistic concurrency: every update bumps it and checks the value it read
    lock_version: int = 1
    card_channel: str | None = Field(default=None, max_length=32)
    card_ts: str | None = Field(default=None, max_length=32)
    #: when the next periodic review (M11) and SLA review (M12) fall due (set by M10-M12)
    next_review_on: date | None = None
    next_sla_review_on: date | None = None
    #: the time zone of the service hours (M1); None: the company's (`SLM_TIMEZONE`)
    timezone: str | None = Field(default=None, max_length=64)


class AgreementVersion(SQLModel, table=True):
    """One version of the SLA: v1 from M4/M5, one more per additional SLA (C) or renewal."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    number: int
    status: str = Field(max_length=16)  # draft | in_effect | superseded | withdrawn | archived
    catalogue_entry_id: int | None = Field(default=None, foreign_key="catalogue_entry.id")
    tier: int
    start_date: date
    end_date: date
    price: Decimal = _money()
    availability_pct: Decimal = Field(sa_type=Numeric(6, 3))
    review_cadence: str = "quarterly"
    #: response/resolution per priority set at M4/C2 (None: the catalogue entry's)
    targets: JSONDict | None = _json(default=None)
    created_step: str = Field(max_length=16)
    created_at: datetime = _ts()


class StepRecord(SQLModel, table=True):
    """What a step recorded: the validated form data (or a recorded skip)."""

    __tablename__ = "step_record"
    __table_args__ = (Index("ix_step_record_agreement_action", "agreement_id", "action"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    step: str = Field(max_length=8)
    action: str = Field(max_length=16)
    branch: str = Field(max_length=32)
    sla_version: int
    actor: str = Field(max_length=64)
    at: datetime = _ts()
    data: JSONDict = _json(default_factory=dict)
    skipped: bool = False


class Document(SQLModel, table=True):
    """A document a step produced; insert-only (only status and title move), so old versions
    are kept. Its rendered text, one row per language, is in `DocumentText`."""

    __table_args__ = (Index("ix_document_agreement", "agreement_id", "sla_version"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    sla_version: int
    kind: str = Field(max_length=32)
    step: str = Field(max_length=8)
    record_id: int | None = Field(default=None, foreign_key="step_record.id")
    title: str = Field(max_length=300)
    data: JSONDict = _json(default_factory=dict)
    created_by: str = Field(max_length=64)
    created_at: datetime = _ts()
    #: `SLA-2026-0005/SLA/v2` (bot.flows.documents.doc_number)
    number: str = Field(default="", max_length=120)
    #: per agreement, kind and subject: 1, 2, ...
    version: int = 1
    #: what a per-department or per-contract document is about (OLA department, contract no)
    subject: str = Field(default="", max_length=200)
    status: str = Field(default="in_effect", max_length=16)  # bot.flows.documents.DocStatus
    issued_on: date | None = None


class DocumentText(SQLModel, table=True):
    """A document's Markdown as issued, per language, with the SHA-256 of its UTF-8 bytes."""

    __tablename__ = "document_text"
    __table_args__ = (UniqueConstraint("document_id", "locale"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    locale: str = Field(max_length=8)
    body: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    rendered_at: datetime = _ts()
    #: rendered afterwards from the stored form data (issued before documents were rendered)
    reconstructed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Approval(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    step: str = Field(max_length=16)  # M9.review, T1.extension
    subject_record_id: int | None = Field(default=None, foreign_key="step_record.id")
    decision: str = Field(max_length=16)
    reason: str = Field(default="", max_length=3000)
    approver: str = Field(max_length=64)
    at: datetime = _ts()


class SupplierContract(SQLModel, table=True):
    __tablename__ = "supplier_contract"
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    sla_version: int
    step: str = Field(max_length=8)
    supplier: str = Field(max_length=200)
    contract_no: str = Field(max_length=100)
    scope: str = Field(default="", max_length=3000)
    start_date: date | None = None
    end_date: date | None = None
    cost: Decimal = _money(default=Decimal(0))
    status: str = Field(default="active", max_length=16)  # active | changed | cancelled | released


class OLA(SQLModel, table=True):
    __tablename__ = "ola"
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    sla_version: int
    step: str = Field(max_length=8)
    department: str = Field(max_length=200)
    commitment: str = Field(max_length=3000)
    #: unsigned | queried | signed (its signature, rule 7) | superseded (a rejected M9 round)
    status: str = Field(default="unsigned", max_length=16)
    #: the support department's head who signs it (M9's OLAs; none for C3's)
    signer: str | None = Field(default=None, max_length=64)
    signed_by: str | None = Field(default=None, max_length=64)
    signed_at: datetime | None = _ts(default=None)
    #: the signer's open or last question, and the owner's answer
    query: str | None = Field(default=None, sa_type=Text)
    answer: str | None = Field(default=None, sa_type=Text)


class Department(SQLModel, table=True):
    """The department directory (rule 6): who heads each department, kept by an admin."""

    id: int | None = Field(default=None, primary_key=True)
    #: the name matched without regard to case or spacing (bot.flows.departments.dept_key)
    key: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    head: str = Field(max_length=64)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = _ts()


class Acknowledgement(SQLModel, table=True):
    """One department's share of an M7 breakdown, sent to its head to acknowledge."""

    __table_args__ = (UniqueConstraint("agreement_id", "department"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    department: str = Field(max_length=200)
    head: str = Field(max_length=64)
    lines: list[str] = _json(default_factory=list)
    sent_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(default=None)


class ReleaseTask(SQLModel, table=True):
    __tablename__ = "release_task"
    __table_args__ = (UniqueConstraint("agreement_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    step: str = Field(max_length=8)  # T3 | T4 | T5
    items: list[str] = _json(default_factory=list)
    done_by: str = Field(max_length=64)
    done_at: datetime = _ts()


class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    step: str = Field(max_length=8)  # M11 | M12
    period_start: date | None = None
    period_end: date | None = None
    data: JSONDict = _json(default_factory=dict)
    actor: str = Field(max_length=64)
    at: datetime = _ts()


class ImprovementAction(SQLModel, table=True):
    """An M11 improvement, tracked until done; one that needs a change started C."""

    __tablename__ = "improvement_action"
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    review_id: int = Field(foreign_key="review.id")
    description: str = Field(max_length=3000)
    needs_change: bool = False
    status: str = Field(default="open", max_length=16)  # open | done
    done_by: str | None = Field(default=None, max_length=64)
    done_at: datetime | None = _ts(default=None)


class Task(SQLModel, table=True):
    """An open action and who should do it (DMs, App Home, stale-task reminders)."""

    __table_args__ = (
        UniqueConstraint("agreement_id", "action", "opened_at"),
        Index("ix_task_open", "closed_at", "opened_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    action: str = Field(max_length=16)
    assignees: list[str] = _json(default_factory=list)
    roles: list[str] = _json(default_factory=list)
    opened_at: datetime = _ts()
    closed_at: datetime | None = _ts(default=None)
    closed_by: str | None = Field(default=None, max_length=64)


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what, when, in which step, with the data, before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_agreement", "agreement_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str | None = Field(default=None, max_length=20)
    actor: str = Field(max_length=64)
    at: datetime = _ts()
    step: str | None = Field(default=None, max_length=8)
    action: str = Field(max_length=32)
    data: JSONDict = _json(default_factory=dict)
    before: JSONDict = _json(default_factory=dict)
    after: JSONDict = _json(default_factory=dict)


class OutboxMessage(SQLModel, table=True):
    """A Slack message a state change caused, sent later by the dispatcher (at least once)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str | None = Field(default=None, max_length=20, index=True)
    kind: str = Field(max_length=16)  # card | thread | files | dm | channel | notice
    recipient: str | None = Field(default=None, max_length=64)
    payload: JSONDict = _json(default_factory=dict)
    dedupe_key: str | None = Field(default=None, unique=True, max_length=200)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    created_at: datetime = _ts()
    next_attempt_at: datetime = _ts()
    sent_at: datetime | None = _ts(default=None)
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
    due_at: datetime = _ts()
    status: str = Field(default="scheduled", max_length=16)  # scheduled | sent | superseded
    payload: JSONDict = _json(default_factory=dict)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(default=None)


class OutboxLease(SQLModel, table=True):
    """Which worker is sending an agreement's messages (keeps them in order across workers)."""

    __tablename__ = "outbox_lease"
    key: str = Field(primary_key=True, max_length=80)
    owner: str = Field(max_length=80)
    until: datetime = _ts()


class SlackEvent(SQLModel, table=True):
    """An Events API delivery already handled (`event_id` unique): Slack's retries, whichever
    web process they reach, are handled once. Rows older than a day are pruned."""

    __tablename__ = "slack_event"
    event_id: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = _ts(index=True)


class RequestSubmission(SQLModel, table=True):
    """A new-request modal submission already taken (Slack's view id and hash): the same
    submission again answers with the agreement it made instead of making another."""

    __tablename__ = "request_submission"
    key: str = Field(primary_key=True, max_length=120)
    agreement_id: str = Field(max_length=20)
    created_at: datetime = _ts()


class Incident(SQLModel, table=True):
    """An incident or outage of an agreement's service (M11 measures them): from Slack, a CSV
    import, Alertmanager or the API. `source_key` makes a resent alert idempotent."""

    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("agreement_id", "source_key"),
        Index("ix_incident_agreement_opened", "agreement_id", "opened_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    priority: str = Field(max_length=2)  # P1..P4
    impact: str = Field(max_length=10)  # down | degraded | none
    opened_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(default=None)
    resolved_at: datetime | None = _ts(default=None)
    summary: str = Field(max_length=500)
    #: [{"start": iso, "end": iso | null, "reason": str}]: the clocks stop while waiting
    pauses: list[dict[str, Any]] = _json(default_factory=list)
    source: str = Field(max_length=16)  # slack | csv | alertmanager | api
    source_key: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=64)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class HolidayOverride(SQLModel, table=True):
    """Holidays or makeup workdays the `holidays` package lacks (company days off, new years)."""

    __tablename__ = "holiday_override"
    __table_args__ = (UniqueConstraint("country", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(max_length=8)
    day: date
    kind: str = Field(max_length=16)  # holiday | workday
    note: str = Field(default="", max_length=200)


ALL_TABLES: list[type[SQLModel]] = [
    RoleAssignment,
    Customer,
    CatalogueEntry,
    AgreementSeq,
    Agreement,
    AgreementVersion,
    StepRecord,
    Document,
    DocumentText,
    Approval,
    SupplierContract,
    OLA,
    Department,
    Acknowledgement,
    ReleaseTask,
    Review,
    ImprovementAction,
    Task,
    AuditEvent,
    OutboxMessage,
    Reminder,
    OutboxLease,
    HolidayOverride,
    RequestSubmission,
    Incident,
]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


#: the agreement column that keeps the next due date of each recurring review
REVIEW_DUE_COLUMN: dict[ReviewClock, str] = {
    ReviewClock.PERFORMANCE: "next_review_on",
    ReviewClock.SLA: "next_sla_review_on",
}


def review_columns() -> tuple[tuple[str, Any], ...]:
    """(review action, the agreement's column with its next due date), per recurring review."""
    t = table_of(Agreement)
    return tuple((REVIEW_ACTION[c], t.c[name]) for c, name in REVIEW_DUE_COLUMN.items())
