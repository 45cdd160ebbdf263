"""Read models: agreement lists and details for the CLI, Slack and App Home."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
)
from sqlmodel import col

from bot.flows.errors import NotFound
from bot.flows.machine import AgreementState
from bot.flows.process import ACCOUNTING, Status
from store.acknowledgements import waiting_heads
from store.db import Database
from store.lifecycle import state_of
from store.models import (
    Agreement,
    AgreementVersion,
    AuditEvent,
    Customer,
    Document,
    ImprovementAction,
    StepRecord,
    Task,
    table_of,
)
from store.ola_signatures import waiting_signatures


class ListFilter(StrEnum):
    MINE = "mine"
    OPEN = "open"
    EXPIRING = "expiring"
    ALL = "all"


@dataclass(frozen=True)
class AgreementRow:
    """One agreement in a list; `current` is in English (`current_in` for a locale)."""

    id: str
    customer: str
    status: str
    current: str
    tier: int | None
    end_date: date | None
    owner: str | None
    sales_user: str
    updated_at: datetime
    pending: tuple[str, ...]
    lock_version: int

    def current_in(self, locale: str) -> str:
        return self.current if locale == "en" else describe(self.status, self.pending, locale)


@dataclass(frozen=True)
class AgreementDetail:
    row: AgreementRow
    title: str
    sla_version: int
    start_date: date | None
    review_cadence: str
    card: tuple[str | None, str | None]
    versions: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    improvements: list[dict[str, Any]] = field(default_factory=list)
    #: T6's figures: planned (the budget), actual, variance (and %), once T6 is recorded
    accounting: dict[str, Any] = field(default_factory=dict)
    #: who has not acknowledged M7 (department, head) or signed an OLA (department, signer,
    #: status) yet (issue 9, rules 6 and 7)
    waiting_heads: list[tuple[str, str]] = field(default_factory=list)
    waiting_olas: list[tuple[str, str, str]] = field(default_factory=list)


def _row(ag: Agreement, customer: str) -> AgreementRow:
    st = state_of(ag)
    return AgreementRow(
        id=ag.id,
        customer=customer,
        status=ag.status,
        current=st.describe(),
        tier=ag.tier,
        end_date=ag.end_date,
        owner=ag.owner,
        sales_user=ag.sales_user,
        updated_at=ag.updated_at,
        pending=st.pending,
        lock_version=ag.lock_version,
    )


_AG, _CU, _TK = table_of(Agreement), table_of(Customer), table_of(Task)
_LIST_COLUMNS = (
    _AG.c.id,
    _CU.c.name,
    _AG.c.status,
    _AG.c.pending,
    _AG.c.tier,
    _AG.c.end_date,
    _AG.c.owner,
    _AG.c.sales_user,
    _AG.c.updated_at,
    _AG.c.lock_version,
)
_FINAL = [Status.DECLINED, Status.ARCHIVED]


def describe(status: str, pending: tuple[str, ...], locale: str = "en") -> str:
    """The "current step" text, without building a state object (lists are hot paths)."""
    if pending:
        from bot.flows.process import ACTION_BY_ID, STEP_BY_ID

        return STEP_BY_ID[ACTION_BY_ID[pending[0]].step].title(locale)
    return AgreementState(status=Status(status)).describe(locale)


def _list_query(which: ListFilter) -> Select[Any]:
    """The statement of one list (built once: a `/sla list` is a hot path)."""
    stmt = select(*_LIST_COLUMNS).join(_CU, _CU.c.id == _AG.c.customer_id)
    if which is ListFilter.OPEN:
        stmt = stmt.where(_AG.c.status.not_in(_FINAL))
    elif which is ListFilter.EXPIRING:
        stmt = stmt.where(
            _AG.c.status.in_(
                [Status.ACTIVE.value, Status.CHANGING.value, Status.TERMINATING.value]
            ),
            _AG.c.end_date.is_not(None),
            _AG.c.end_date <= bindparam("until"),
        )
    elif which is ListFilter.MINE:
        user = bindparam("user", type_=String)
        open_task = select(_TK.c.agreement_id).where(
            _TK.c.closed_at.is_(None),
            cast(_TK.c.assignees, String).like(bindparam("user_like", type_=String)),
        )
        stmt = stmt.where(
            _AG.c.status.not_in(_FINAL),
            or_(_AG.c.sales_user == user, _AG.c.owner == user, _AG.c.id.in_(open_task)),
        )
    if which is ListFilter.EXPIRING:
        stmt = stmt.order_by(_AG.c.end_date.asc(), _AG.c.id.asc())
    else:
        stmt = stmt.order_by(_AG.c.updated_at.desc(), _AG.c.id.desc())
    return stmt.limit(bindparam("lim", type_=Integer)).offset(bindparam("off", type_=Integer))


_LIST_QUERIES = {which: _list_query(which) for which in ListFilter}


def list_agreements(
    db: Database,
    which: ListFilter = ListFilter.OPEN,
    *,
    user: str | None = None,
    today: date | None = None,
    expiring_days: int = 90,
    limit: int = 50,
    offset: int = 0,
) -> list[AgreementRow]:
    """Agreements for `/sla list`, App Home and the CLI (Core query: no ORM objects)."""
    if which is ListFilter.MINE and not user:
        raise ValueError("`mine` needs a user")
    params = {
        "user": user,
        "user_like": f'%"{user}"%',
        "until": (today or date.today()) + timedelta(days=expiring_days),
        "lim": limit,
        "off": offset,
    }
    with db.read_conn() as conn:
        rows = conn.execute(_LIST_QUERIES[which], params).all()
    out = []
    for aid, customer, status, pending, tier, end, owner, sales, updated, lock in rows:
        pend = tuple(pending)
        out.append(
            AgreementRow(
                id=aid,
                customer=customer,
                status=status,
                current=describe(status, pend),
                tier=tier,
                end_date=end,
                owner=owner,
                sales_user=sales,
                updated_at=updated,
                pending=pend,
                lock_version=lock,
            )
        )
    return out


def count_agreements(db: Database) -> dict[str, int]:
    with db.read() as s:
        rows = s.execute(
            select(col(Agreement.status), func.count()).group_by(col(Agreement.status))
        ).all()
    return {str(st): int(n) for st, n in rows}


_V, _I, _D, _A = (
    table_of(AgreementVersion),
    table_of(ImprovementAction),
    table_of(Document),
    table_of(AuditEvent),
)
_AID: BindParameter[str] = bindparam("aid")
# statements built once (a Slack `/sla show` runs all of them)
_Q_AGREEMENT = (
    select(_AG, _CU.c.name.label("customer_name"))
    .join(_CU, _CU.c.id == _AG.c.customer_id)
    .where(_AG.c.id == _AID)
)
_Q_VERSIONS = (
    select(
        _V.c.number,
        _V.c.status,
        _V.c.tier,
        _V.c.start_date,
        _V.c.end_date,
        _V.c.price,
        _V.c.availability_pct,
        _V.c.created_step,
    )
    .where(_V.c.agreement_id == _AID)
    .order_by(_V.c.number)
)
_REC = table_of(StepRecord)
_Q_ACCOUNTING = (
    select(_REC.c.data)
    .where(_REC.c.agreement_id == bindparam("aid"), _REC.c.action == ACCOUNTING)
    .order_by(_REC.c.id.desc())
    .limit(1)
)
_Q_TASKS = (
    select(_TK.c.action, _TK.c.assignees, _TK.c.opened_at)
    .where(_TK.c.agreement_id == _AID, _TK.c.closed_at.is_(None))
    .order_by(_TK.c.id)
)
_Q_IMPROVEMENTS = (
    select(_I.c.id, _I.c.description, _I.c.needs_change, _I.c.status)
    .where(_I.c.agreement_id == _AID)
    .order_by(_I.c.id)
)
_DOC_COLS = (
    _D.c.id,
    _D.c.kind,
    _D.c.step,
    _D.c.title,
    _D.c.sla_version,
    _D.c.created_by,
    _D.c.created_at,
    _D.c.number,
    _D.c.version,
    _D.c.subject,
    _D.c.status,
)
_Q_DOCS = select(*_DOC_COLS).where(_D.c.agreement_id == _AID).order_by(_D.c.id)
_Q_DOCS_RECENT = (
    select(*_DOC_COLS)
    .where(_D.c.agreement_id == _AID)
    .order_by(_D.c.id.desc())
    .limit(bindparam("n"))
)
_EV_COLS = (_A.c.at, _A.c.actor, _A.c.step, _A.c.action, _A.c.data)
_Q_EVENTS = select(*_EV_COLS).where(_A.c.agreement_id == _AID).order_by(_A.c.id)
_Q_EVENTS_RECENT = (
    select(*_EV_COLS)
    .where(_A.c.agreement_id == _AID)
    .order_by(_A.c.id.desc())
    .limit(bindparam("n"))
)


def get_agreement(
    db: Database, agreement_id: str, *, history: bool = True, recent: int | None = None
) -> AgreementDetail:
    """One agreement with its versions, open tasks, improvements and (with `history`) its
    documents and audit history; `recent` keeps only the newest that many of each."""
    with db.read_conn() as conn:
        row = conn.execute(_Q_AGREEMENT, {"aid": agreement_id.upper()}).mappings().first()
        if row is None:
            raise NotFound(code="no_agreement", agreement=agreement_id)
        pend = tuple(row["pending"])
        detail = AgreementDetail(
            row=AgreementRow(
                id=row["id"],
                customer=row["customer_name"],
                status=row["status"],
                current=describe(row["status"], pend),
                tier=row["tier"],
                end_date=row["end_date"],
                owner=row["owner"],
                sales_user=row["sales_user"],
                updated_at=row["updated_at"],
                pending=pend,
                lock_version=row["lock_version"],
            ),
            title=row["title"],
            sla_version=row["sla_version"],
            start_date=row["start_date"],
            review_cadence=row["review_cadence"],
            card=(row["card_channel"], row["card_ts"]),
        )
        p = {"aid": row["id"], "n": recent or 0}
        detail.versions.extend(dict(v) for v in conn.execute(_Q_VERSIONS, p).mappings())
        detail.tasks.extend(dict(t) for t in conn.execute(_Q_TASKS, p).mappings())
        detail.improvements.extend(dict(i) for i in conn.execute(_Q_IMPROVEMENTS, p).mappings())
        t6 = conn.execute(_Q_ACCOUNTING, p).scalar_one_or_none()
        detail.accounting.update(t6 or {})
        detail.waiting_heads.extend(waiting_heads(conn, row["id"]))
        detail.waiting_olas.extend(waiting_signatures(conn, row["id"]))
        if history:
            docs = [
                dict(d) for d in conn.execute(_Q_DOCS_RECENT if recent else _Q_DOCS, p).mappings()
            ]
            detail.documents.extend(reversed(docs) if recent else docs)
            events = list(conn.execute(_Q_EVENTS_RECENT if recent else _Q_EVENTS, p).mappings())
            for e in reversed(events) if recent else events:
                data = e["data"] or {}
                detail.history.append(
                    {
                        "at": e["at"],
                        "actor": e["actor"],
                        "step": e["step"],
                        "action": e["action"],
                        "branch": data.get("branch"),
                        "skipped": data.get("skipped", []),
                        "data": data,
                    }
                )
        return detail
