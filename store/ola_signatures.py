"""Support departments sign the OLAs (issue 9, rule 7). Each OLA written at M9 goes to its
department's signer (the head in the directory, who holds `support_dept`) as a DM with Sign
and Query. Signing records who and when; a query records the question, tells the O&M owner
in the card's thread and keeps the OLA unsigned until the owner answers (optionally revising
the commitment), which sends the OLA back to the signer. M10 waits for every signature.
Each of these is one transaction with its audit event (step M9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, select
from sqlmodel import Session, col

from bot.flows.behaviour import Effect
from bot.flows.departments import ANSWER, QUERY, SIGN, STEP_OF, OlaStatus, dept_key
from bot.flows.errors import AlreadyDone, NotFound, PermissionDenied
from bot.flows.process import HANDOVER, INITIATION
from store.db import Database
from store.departments import heads
from store.effects import Ctx, effect
from store.models import OLA, Acknowledgement, Agreement, AuditEvent
from store.outbox import CardPayload, DepartmentPayload, Message, enqueue_many


@effect(Effect.OLA_SIGNERS)
def _signers(c: Ctx) -> None:
    """The round's new OLAs (written by the OLAS effect just before) get their signer and a
    DM each (M9 refuses a department without one, bot.flows.integrity)."""
    c.s.flush()
    directory = heads(c.s)
    rows = list(
        c.s.execute(
            select(OLA)
            .where(
                col(OLA.agreement_id) == c.ag.id,
                col(OLA.step) == INITIATION,
                col(OLA.status) == OlaStatus.UNSIGNED,
                col(OLA.signer).is_(None),
            )
            .order_by(col(OLA.id))
        ).scalars()
    )
    for ola in rows:
        ola.signer = directory.get(dept_key(ola.department))
        c.s.add(ola)
    c.messages += [
        Message("dm", o.signer, DepartmentPayload(event="sign", ref=int(o.id or 0)))
        for o in rows
        if o.signer
    ]


#: built once (every `/sla show` runs it)
_Q_WAITING = (
    select(col(OLA.department), col(OLA.signer), col(OLA.status))
    .where(
        col(OLA.agreement_id) == bindparam("aid"),
        col(OLA.step) == INITIATION,
        col(OLA.status).in_([OlaStatus.UNSIGNED, OlaStatus.QUERIED]),
    )
    .order_by(col(OLA.id))
)


def waiting_signatures(s: Session | Connection, agreement_id: str) -> list[tuple[str, str, str]]:
    """(department, signer, status) of the current round's OLAs not signed yet; a signer
    that an older release did not record is the department's head now ("" if none)."""
    rows = s.execute(_Q_WAITING, {"aid": agreement_id}).all()
    directory = heads(s) if any(not signer for _, signer, _ in rows) else {}
    return [(d, sig or directory.get(dept_key(d), ""), st) for d, sig, st in rows]


def get_ola(db: Database, ola_id: int) -> OLA | None:
    with db.read() as s:
        return s.get(OLA, ola_id)


def _load(s: Session, ola_id: int) -> OLA:
    ola: OLA | None = s.execute(
        select(OLA).where(col(OLA.id) == ola_id).with_for_update()
    ).scalar_one_or_none()
    if ola is None:
        raise NotFound(code="no_ola", id=ola_id)
    if ola.status == OlaStatus.SUPERSEDED:
        raise NotFound(code="ola_superseded", department=ola.department)
    return ola


def _signer_of(s: Session, ola: OLA) -> str:
    return ola.signer or heads(s).get(dept_key(ola.department), "")


def _as_signer(s: Session, ola: OLA, actor: str, action: str) -> None:
    signer = _signer_of(s, ola)
    if actor != signer:
        raise PermissionDenied(
            action, (), reason="not_ola_signer", department=ola.department, signer=signer or "-"
        )
    if ola.status == OlaStatus.SIGNED:
        raise AlreadyDone(action, ola.signed_by, ola.signed_at)


_EVENT: dict[str, Literal["signed", "queried", "answered"]] = {
    SIGN: "signed",
    QUERY: "queried",
    ANSWER: "answered",
}


def _change(
    db: Database,
    ola_id: int,
    action: str,
    actor: str,
    now: datetime,
    fn: Callable[[Session, OLA], dict[str, Any]],
) -> OLA:
    with db.write() as s:
        ola = _load(s, ola_id)
        before = ola.status
        data = fn(s, ola)
        event = _EVENT[action]
        s.add(
            AuditEvent(
                agreement_id=ola.agreement_id,
                actor=actor,
                at=now,
                step=STEP_OF[action],
                action=action,
                data={"ola": ola.id, "department": ola.department, **data},
                before={"status": before},
                after={"status": ola.status},
            )
        )
        s.add(ola)
        messages = [
            Message("card", None, CardPayload()),
            Message("thread", None, DepartmentPayload(event=event, ref=ola_id)),
        ]
        if action == ANSWER and ola.signer:  # back to the signer with the answer
            messages.append(Message("dm", ola.signer, DepartmentPayload(event="sign", ref=ola_id)))
        enqueue_many(s, agreement_id=ola.agreement_id, now=now, messages=messages)
        return ola


def sign(db: Database, ola_id: int, *, actor: str, now: datetime) -> OLA:
    """The signer signs the OLA (refused while a query waits for the owner's answer)."""

    def do(s: Session, ola: OLA) -> dict[str, Any]:
        _as_signer(s, ola, actor, SIGN)
        if ola.status == OlaStatus.QUERIED:
            raise PermissionDenied(SIGN, (), reason="ola_queried", department=ola.department)
        ola.status, ola.signed_by, ola.signed_at = OlaStatus.SIGNED, actor, now
        ola.signer = ola.signer or actor
        return {}

    return _change(db, ola_id, SIGN, actor, now, do)


def query(db: Database, ola_id: int, question: str, *, actor: str, now: datetime) -> OLA:
    """The signer asks the owner a question: the OLA stays unsigned until the answer."""

    def do(s: Session, ola: OLA) -> dict[str, Any]:
        _as_signer(s, ola, actor, QUERY)
        ola.status, ola.query, ola.answer = OlaStatus.QUERIED, question, None
        ola.signer = ola.signer or actor
        return {"query": question}

    return _change(db, ola_id, QUERY, actor, now, do)


def answer(
    db: Database,
    ola_id: int,
    text: str,
    *,
    actor: str,
    now: datetime,
    commitment: str | None = None,
) -> OLA:
    """The O&M owner answers a query, revising the commitment if need be; the OLA goes back
    to its signer to sign."""

    def do(s: Session, ola: OLA) -> dict[str, Any]:
        owner = s.execute(
            select(col(Agreement.owner)).where(col(Agreement.id) == ola.agreement_id)
        ).scalar_one()
        if actor != owner:
            raise PermissionDenied(
                ANSWER, (), reason="owner_only", owner=owner or "-", handover=HANDOVER
            )
        if ola.status != OlaStatus.QUERIED:
            raise PermissionDenied(ANSWER, (), reason="ola_not_queried", department=ola.department)
        data: dict[str, Any] = {"answer": text, "query": ola.query}
        if commitment and commitment.strip() and commitment.strip() != ola.commitment:
            data |= {"commitment_before": ola.commitment, "commitment": commitment.strip()}
            ola.commitment = commitment.strip()
        ola.status, ola.answer = OlaStatus.UNSIGNED, text
        return data

    return _change(db, ola_id, ANSWER, actor, now, do)


def notices_and_olas(db: Database, agreement_id: str) -> tuple[list[Acknowledgement], list[OLA]]:
    """An agreement's M7 notices to the department heads and its current M9 OLAs."""
    from store.acknowledgements import notices

    with db.read() as s:
        return notices(s, agreement_id), current_olas(s, agreement_id)


def current_olas(s: Session, agreement_id: str) -> list[OLA]:
    return list(
        s.execute(
            select(OLA)
            .where(
                col(OLA.agreement_id) == agreement_id,
                col(OLA.step) == INITIATION,
                col(OLA.status) != OlaStatus.SUPERSEDED,
            )
            .order_by(col(OLA.id))
        ).scalars()
    )
