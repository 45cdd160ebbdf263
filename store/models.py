"""SQLModel tables: agreements and everything the process records about them.

Every state change writes an `AuditEvent` (append-only) and the `OutboxMessage` rows for the
Slack messages it causes, in the same transaction (see store/lifecycle.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Numeric, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.flows.behaviour import ReviewClock
from bot.flows.departments import OlaStatus
from bot.flows.process import REVIEW_ACTION
from bot.flows.process_model import Status
from bot.flows.sla_versions import VersionStatus
from bot.flows.statuses import ContractStatus
from store.model_fields import JSONDict, json_field, money, status_field, ts

# the tables are split over modules by subject; all of them are importable from here
from store.models_delivery import OutboxLease as OutboxLease
from store.models_delivery import OutboxMessage as OutboxMessage
from store.models_delivery import Reminder as Reminder
from store.models_delivery import RequestSubmission as RequestSubmission
from store.models_delivery import SlackEvent as SlackEvent
from store.models_documents import Document as Document
from store.models_documents import DocumentText as DocumentText
from store.models_measure import HolidayOverride as HolidayOverride
from store.models_measure import ImprovementAction as ImprovementAction
from store.models_measure import Incident as Incident
from store.models_measure import Review as Review


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=64)
    role: str = Field(max_length=32)
    granted_by: str = Field(max_length=64)
    granted_at: datetime = ts()


class UserPreference(SQLModel, table=True):
    """A person's own settings: the language they chose on App Home (else Slack's)."""

    __tablename__ = "user_preference"
    user_id: str = Field(primary_key=True, max_length=64)
    locale: str = Field(max_length=8)
    updated_at: datetime = ts()


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    contact: str = Field(default="", max_length=200)
    created_at: datetime = ts()


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
    price: Decimal = money()
    availability_pct: Decimal = Field(sa_type=Numeric(6, 3))
    #: {"P1": {"response_min": 15, "resolution_min": 240}, ...}
    targets: JSONDict = json_field(default_factory=dict)
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = ts()


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
    status: Status = status_field(Status, "agreement", 20)
    #: open action ids, in process order (see bot.flows.machine.AgreementState)
    pending: list[str] = json_field(default_factory=list)
    flags: JSONDict = json_field(default_factory=dict)
    sla_version: int = 0  # the SLA version in effect (0 before M5)
    tier: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    review_cadence: str = "quarterly"
    sales_user: str = Field(max_length=64)
    owner: str | None = Field(default=None, max_length=64)
    created_at: datetime = ts()
    updated_at: datetime = ts()
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
    status: VersionStatus = status_field(VersionStatus, "agreement_version")
    catalogue_entry_id: int | None = Field(default=None, foreign_key="catalogue_entry.id")
    tier: int
    start_date: date
    end_date: date
    price: Decimal = money()
    availability_pct: Decimal = Field(sa_type=Numeric(6, 3))
    review_cadence: str = "quarterly"
    #: response/resolution per priority set at M4/C2 (None: the catalogue entry's)
    targets: JSONDict | None = json_field(default=None)
    created_step: str = Field(max_length=16)
    created_at: datetime = ts()


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
    at: datetime = ts()
    data: JSONDict = json_field(default_factory=dict)
    skipped: bool = False


class Approval(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    step: str = Field(max_length=16)  # M9.review, T1.extension
    subject_record_id: int | None = Field(default=None, foreign_key="step_record.id")
    decision: str = Field(max_length=16)
    reason: str = Field(default="", max_length=3000)
    approver: str = Field(max_length=64)
    at: datetime = ts()


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
    cost: Decimal = money(default=Decimal(0))
    status: ContractStatus = status_field(
        ContractStatus, "supplier_contract", default=ContractStatus.ACTIVE
    )


class OLA(SQLModel, table=True):
    __tablename__ = "ola"
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    sla_version: int
    step: str = Field(max_length=8)
    department: str = Field(max_length=200)
    commitment: str = Field(max_length=3000)
    #: unsigned | queried | signed (its signature, rule 7) | superseded (a rejected M9 round)
    status: OlaStatus = status_field(OlaStatus, "ola", default=OlaStatus.UNSIGNED)
    #: the support department's head who signs it (M9's OLAs; none for C3's)
    signer: str | None = Field(default=None, max_length=64)
    signed_by: str | None = Field(default=None, max_length=64)
    signed_at: datetime | None = ts(default=None)
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
    updated_at: datetime = ts()


class Acknowledgement(SQLModel, table=True):
    """One department's share of an M7 breakdown, sent to its head to acknowledge."""

    __table_args__ = (UniqueConstraint("agreement_id", "department"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    department: str = Field(max_length=200)
    head: str = Field(max_length=64)
    lines: list[str] = json_field(default_factory=list)
    sent_at: datetime = ts()
    acknowledged_at: datetime | None = ts(default=None)


class ReleaseTask(SQLModel, table=True):
    __tablename__ = "release_task"
    __table_args__ = (UniqueConstraint("agreement_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    step: str = Field(max_length=8)  # T3 | T4 | T5
    items: list[str] = json_field(default_factory=list)
    done_by: str = Field(max_length=64)
    done_at: datetime = ts()


class Task(SQLModel, table=True):
    """An open action and who should do it (DMs, App Home, stale-task reminders)."""

    __table_args__ = (
        UniqueConstraint("agreement_id", "action", "opened_at"),
        Index("ix_task_open", "closed_at", "opened_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    action: str = Field(max_length=16)
    assignees: list[str] = json_field(default_factory=list)
    roles: list[str] = json_field(default_factory=list)
    opened_at: datetime = ts()
    closed_at: datetime | None = ts(default=None)
    closed_by: str | None = Field(default=None, max_length=64)


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what, when, in which step, with the data, before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_agreement", "agreement_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str | None = Field(default=None, max_length=20)
    actor: str = Field(max_length=64)
    at: datetime = ts()
    step: str | None = Field(default=None, max_length=8)
    action: str = Field(max_length=32)
    data: JSONDict = json_field(default_factory=dict)
    before: JSONDict = json_field(default_factory=dict)
    after: JSONDict = json_field(default_factory=dict)


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
