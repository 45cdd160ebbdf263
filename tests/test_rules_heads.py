"""Issue 9, rules 6 and 7, through the use cases on SQLite and PostgreSQL: M7 reaches each
department's head, who alone acknowledges; each M9 OLA goes to its department's signer
(support_dept), who signs or queries it; M10 waits for every signature."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.blocks.cards import mention
from bot.flows.departments import ACKNOWLEDGE, ANSWER, QUERY, SIGN, OlaStatus
from bot.flows.errors import AlreadyDone, FormInvalid, InvalidTransition, NotFound, PermissionDenied
from bot.flows.roles import Role
from bot.render.errors import cli_error_text, error_text
from store import ola_signatures as sig
from store.acknowledgements import acknowledge, notices, waiting_heads
from store.db import Database
from store.departments import set_head
from store.desk import load_card
from store.lifecycle import perform
from store.models import AuditEvent, OutboxMessage
from tests.support import USERS, Clock, drive, forms

OPS, SLM, ADM = USERS[Role.OPS_LEAD], USERS[Role.SLM], USERS[Role.ADMIN]
DEP, NET = "U_DEP", "U_NET"


def audit(db: Database, ag: str, *actions: str) -> list[tuple[str | None, str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(col(AuditEvent.step), col(AuditEvent.action), col(AuditEvent.actor))
            .where(col(AuditEvent.agreement_id) == ag, col(AuditEvent.action).in_(actions))
            .order_by(col(AuditEvent.id))
        ).all()
    return [(a, b, c) for a, b, c in rows]


def outbox(db: Database, ag: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with db.read() as s:
        rows = s.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.agreement_id) == ag)
            .order_by(col(OutboxMessage.id))
        ).scalars()
        return [(o.kind, o.recipient, o.payload) for o in rows]


def dept_messages(db: Database, ag: str) -> list[tuple[str, str | None, str]]:
    return [(k, r, p["event"]) for k, r, p in outbox(db, ag) if p.get("template") == "department"]


def m10(db: Database, ag: str, clock: Clock) -> Any:
    return perform(db, ag, "M10", forms()["M10"], actor=OPS, now=clock())


# -- rule 6 ------------------------------------------------------------------------------------


def test_m7_is_refused_while_a_department_has_no_head(world: Database, clock: Clock) -> None:
    ag = drive(world, "M7", clock).agreement_id
    data = {"breakdown": "DBA: 7x12 operations\nStorage team: nightly backups"}
    with pytest.raises(FormInvalid) as exc:
        perform(world, ag, "M7", data, actor=USERS[Role.CONTRACTS], now=clock())
    problem = exc.value.problems["breakdown"]
    assert problem.code == "department_without_head"
    assert problem.params["departments"] == "Storage team"
    assert notices_of(world, ag) == []


def notices_of(db: Database, ag: str) -> list[tuple[str, str, list[str]]]:
    with db.read() as s:
        return [(n.department, n.head, n.lines) for n in notices(s, ag)]


def test_m7_reaches_each_head_who_alone_acknowledges(world: Database, clock: Clock) -> None:
    ag = drive(world, "M8", clock).agreement_id  # M7 done with the sample breakdown
    assert notices_of(world, ag) == [
        ("DBA", DEP, ["7x12 database operations"]),
        ("Network", NET, ["link monitoring"]),
    ]
    assert dept_messages(world, ag) == [("dm", DEP, "notice"), ("dm", NET, "notice")]
    card = load_card(world, ag)
    assert card is not None and card.waiting_heads == (("DBA", DEP), ("Network", NET))
    with world.read() as s:
        dba, net = (n.id or 0 for n in notices(s, ag))
    # someone else (even the other head) is refused, in words naming the department's head
    with pytest.raises(PermissionDenied) as exc:
        acknowledge(world, dba, actor=NET, now=clock())
    assert exc.value.reason == "not_department_head"
    assert "<@U_DEP>" in error_text(exc.value, "en", person=mention)
    assert "部门领导" in error_text(exc.value, "zh-CN")
    acknowledge(world, dba, actor=DEP, now=clock())
    with pytest.raises(AlreadyDone):
        acknowledge(world, dba, actor=DEP, now=clock())
    with pytest.raises(NotFound):
        acknowledge(world, 999_999, actor=DEP, now=clock())
    assert audit(world, ag, ACKNOWLEDGE) == [("M7", ACKNOWLEDGE, DEP)]
    with world.read() as s:
        assert waiting_heads(s, ag) == [("Network", NET)]
    assert dept_messages(world, ag)[-1] == ("thread", None, "acknowledged")
    acknowledge(world, net, actor=NET, now=clock())
    card = load_card(world, ag)
    assert card is not None and card.waiting_heads == ()


# -- rule 7 ------------------------------------------------------------------------------------


def test_m9_is_refused_for_a_department_without_a_signer(world: Database, clock: Clock) -> None:
    set_head(world, "Facilities", USERS[Role.SALES], by=ADM, now=clock())  # not support_dept
    ag = drive(world, "M9", clock).agreement_id
    data = forms()["M9"] | {"olas": "DBA: 30 min\nFacilities: power\nStorage: backups"}
    with pytest.raises(FormInvalid) as exc:
        perform(world, ag, "M9", data, actor=OPS, now=clock())
    problem = exc.value.problems["olas"]
    assert problem.code == "ola_without_signer"
    assert problem.params["departments"] == "Facilities, Storage"


def test_m10_waits_until_every_ola_is_signed(world: Database, clock: Clock) -> None:
    ag = drive(world, "M10", clock).agreement_id  # approved, OLAs not signed
    with world.read() as s:
        dba, net = (o.id or 0 for o in sig.current_olas(s, ag))
    assert [m for m in dept_messages(world, ag) if m[2] == "sign"] == [
        ("dm", DEP, "sign"),
        ("dm", NET, "sign"),
    ]
    with pytest.raises(InvalidTransition) as exc:
        m10(world, ag, clock)
    assert exc.value.code == "olas_unsigned"
    assert exc.value.params["waiting"] == [["DBA", DEP], ["Network", NET]]
    assert "DBA (U_DEP), Network (U_NET)" in cli_error_text(exc.value, "en")
    words = error_text(exc.value, "zh-CN", person=mention)
    assert "DBA (<@U_DEP>)、Network (<@U_NET>)" in words and "签署" in words
    # only the department's signer signs
    with pytest.raises(PermissionDenied) as denied:
        sig.sign(world, dba, actor=NET, now=clock())
    assert denied.value.reason == "not_ola_signer"
    signed = sig.sign(world, dba, actor=DEP, now=clock())
    assert (signed.status, signed.signed_by) == (OlaStatus.SIGNED, DEP)
    assert signed.signed_at is not None
    with pytest.raises(AlreadyDone):
        sig.sign(world, dba, actor=DEP, now=clock())
    with pytest.raises(InvalidTransition) as exc:
        m10(world, ag, clock)
    assert exc.value.params["waiting"] == [["Network", NET]]
    # a query keeps the OLA unsigned until the owner answers
    sig.query(world, net, "Is 1 h response for P1 only?", actor=NET, now=clock())
    with pytest.raises(PermissionDenied) as queried:
        sig.sign(world, net, actor=NET, now=clock())
    assert queried.value.reason == "ola_queried"
    with pytest.raises(PermissionDenied) as not_owner:
        sig.answer(world, net, "yes", actor=SLM, now=clock())
    assert not_owner.value.reason == "owner_only"
    answered = sig.answer(
        world, net, "P1 only", actor=OPS, now=clock(), commitment="1 h response for P1"
    )
    assert (answered.status, answered.commitment) == (OlaStatus.UNSIGNED, "1 h response for P1")
    with pytest.raises(PermissionDenied) as again:
        sig.answer(world, net, "again", actor=OPS, now=clock())
    assert again.value.reason == "ola_not_queried"
    # the owner is told in the thread; the answer sends the OLA back to its signer
    assert dept_messages(world, ag)[-3:] == [
        ("thread", None, "queried"),
        ("thread", None, "answered"),
        ("dm", NET, "sign"),
    ]
    sig.sign(world, net, actor=NET, now=clock())
    assert m10(world, ag, clock).status.value == "active"
    assert audit(world, ag, SIGN, QUERY, ANSWER) == [
        ("M9", SIGN, DEP),
        ("M9", QUERY, NET),
        ("M9", ANSWER, OPS),
        ("M9", SIGN, NET),
    ]


def test_a_rejected_rounds_olas_cannot_be_signed(world: Database, clock: Clock) -> None:
    ag = drive(world, "M9.review", clock).agreement_id
    with world.read() as s:
        old = [o.id or 0 for o in sig.current_olas(s, ag)]
    perform(
        world, ag, "M9.review", {"decision": "reject", "reason": "budget"}, actor=SLM, now=clock()
    )
    with pytest.raises(NotFound) as exc:
        sig.sign(world, old[0], actor=DEP, now=clock())
    assert exc.value.code == "ola_superseded"
    perform(world, ag, "M9", forms()["M9"], actor=OPS, now=clock())
    with world.read() as s:
        new = sig.current_olas(s, ag)
    assert [(o.department, o.signer, o.status) for o in new] == [
        ("DBA", DEP, OlaStatus.UNSIGNED),
        ("Network", NET, OlaStatus.UNSIGNED),
    ]
    assert not set(old) & {o.id for o in new}


def test_a_new_head_takes_over_what_waits_for_the_old_one(world: Database, clock: Clock) -> None:
    set_head(world, "Backup", DEP, by=ADM, now=clock())
    ag = drive(world, "M7", clock).agreement_id
    for action, data, actor in (
        ("M7", {"breakdown": "Backup: nightly backups"}, USERS[Role.CONTRACTS]),
        ("M8", forms()["M8"], SLM),
        ("M9", forms()["M9"] | {"olas": "Backup: restore within 4 h"}, OPS),
    ):
        perform(world, ag, action, data, actor=actor, now=clock())
    assert set_head(world, "backup ", NET, by=ADM, now=clock())  # the same department
    with world.read() as s:
        assert [(n.department, n.head) for n in notices(s, ag)] == [("Backup", NET)]
        (ola,) = sig.current_olas(s, ag)
    assert ola.signer == NET
    assert dept_messages(world, ag)[-2:] == [("dm", NET, "notice"), ("dm", NET, "sign")]
    with pytest.raises(PermissionDenied):
        sig.sign(world, ola.id or 0, actor=DEP, now=clock())
    sig.sign(world, ola.id or 0, actor=NET, now=clock())
    with world.read() as s:
        moved = s.execute(
            select(col(AuditEvent.data)).where(col(AuditEvent.action) == "departments.set")
        ).scalars()
        assert {"department": "backup", "user": NET, "notices_moved": 1, "olas_moved": 1} in list(
            moved
        )
