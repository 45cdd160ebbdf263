"""Issue 9: the process's integrity rules, through the use cases on SQLite and PostgreSQL.

Each test fails on the main before the rules (the refusal did not exist) and passes after.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.flows.errors import (
    AgreementClosed,
    FormInvalid,
    InvalidTransition,
    PermissionDenied,
    ProcessRunning,
)
from bot.flows.process import Status
from bot.flows.roles import Role
from store.db import Database
from store.demo import departments_answer
from store.lifecycle import perform
from store.models import Agreement, AgreementVersion, AuditEvent
from store.roles import CONFIG_ACTOR, grant_role
from tests.support import PATHS, T0, USERS, Clock, drive, forms

SALES, SLM, EXE = USERS[Role.SALES], USERS[Role.SLM], USERS[Role.EXECUTIVE]


def act(db: Database, ag: str, action: str, clock: Clock, actor: str, **over: Any) -> Any:
    return perform(db, ag, action, forms()[action] | over, actor=actor, now=clock())


def extension(**over: Any) -> dict[str, Any]:
    return dict(PATHS["T1.extension"][-1][1]) | over


def audit_actions(db: Database, ag: str) -> list[str]:
    with db.read() as s:
        return list(
            s.execute(
                select(col(AuditEvent.action))
                .where(col(AuditEvent.agreement_id) == ag)
                .order_by(col(AuditEvent.id))
            ).scalars()
        )


# -- rule 1: one process at a time -----------------------------------------------------------


def test_extension_pending_is_a_status_and_blocks_t1_m13_m14(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1.extension", clock)
    assert ag.status is Status.EXTENSION_PENDING, "never 'active' while an extension waits"
    for action, actor in (("T1", SALES), ("M13", SLM), ("M14", SLM)):
        with pytest.raises(ProcessRunning) as exc:
            act(world, ag.agreement_id, action, clock, actor)
        msg = str(exc.value)
        assert "an extension request (T1) runs since" in msg and SALES in msg
        assert "T1.withdraw" in msg and "T1.extension" in msg


def test_change_blocks_t1_and_m14_with_what_runs(world: Database, clock: Clock) -> None:
    ag = drive(world, "C2", clock)
    assert ag.status is Status.CHANGING
    for action, actor in (("T1", SALES), ("M14", SLM)):
        with pytest.raises(ProcessRunning, match=r"a service level change \(C\) runs since"):
            act(world, ag.agreement_id, action, clock, actor)


def test_termination_blocks_m13(world: Database, clock: Clock) -> None:
    ag = drive(world, "T2", clock)
    with pytest.raises(ProcessRunning, match=r"a termination \(T\) runs since .*M14.withdraw"):
        act(world, ag.agreement_id, "M13", clock, SLM)


def test_standing_action_refused_not_already_done(world: Database, clock: Clock) -> None:
    """T1 was done before: the refusal is that a change runs, not "already done"."""
    ag = drive(world, "T1.extension", clock)
    out = act(world, ag.agreement_id, "T1.extension", clock, EXE)
    assert out.status is Status.ACTIVE
    out = act(world, ag.agreement_id, "M13", clock, SLM)
    with pytest.raises(ProcessRunning):
        act(world, ag.agreement_id, "T1", clock, SALES)


@pytest.mark.parametrize(
    ("withdraw", "path_to", "closed"),
    [
        ("M13.withdraw", "C3", {"C3"}),
        ("M14.withdraw", "T2", {"T2", "T2.deem"}),
        ("T1.withdraw", "T1.extension", {"T1.extension"}),
    ],
)
def test_withdraw_with_a_reason_back_in_service(
    world: Database, clock: Clock, withdraw: str, path_to: str, closed: set[str]
) -> None:
    ag = drive(world, path_to, clock)
    assert closed <= set(ag.pending)
    with pytest.raises(PermissionDenied, match="only slm"):
        act(world, ag.agreement_id, withdraw, clock, SALES)
    with pytest.raises(FormInvalid, match="reason"):
        act(world, ag.agreement_id, withdraw, clock, SLM, reason="")
    out = act(world, ag.agreement_id, withdraw, clock, SLM)
    assert out.status is Status.ACTIVE and not closed & set(out.pending)
    assert audit_actions(world, ag.agreement_id)[-1] == withdraw
    if withdraw == "M13.withdraw":
        with world.read() as s:
            statuses = set(
                s.execute(
                    select(col(AgreementVersion.status)).where(
                        col(AgreementVersion.agreement_id) == ag.agreement_id
                    )
                ).scalars()
            )
        assert "draft" not in statuses and "withdrawn" in statuses
    # back in service: a new process may start
    act(world, ag.agreement_id, "M13", clock, SLM)


def test_withdraw_refused_after_the_point_of_no_return(world: Database, clock: Clock) -> None:
    ag = drive(world, "T3", clock)  # the customer confirmed: resources are being released
    with pytest.raises(InvalidTransition, match="only while T1 or T2"):
        act(world, ag.agreement_id, "M14.withdraw", clock, SLM)
    with pytest.raises(InvalidTransition):
        act(world, ag.agreement_id, "M13.withdraw", clock, SLM)


# -- rule 2: four eyes on the extension ------------------------------------------------------


def test_extension_requester_cannot_approve_it(world: Database, clock: Clock) -> None:
    grant_role(world, "U_SALES_EXE", Role.SALES, by=CONFIG_ACTOR, now=T0)
    grant_role(world, "U_SALES_EXE", Role.EXECUTIVE, by=CONFIG_ACTOR, now=T0)
    ag = drive(world, "T1", clock)
    act(world, ag.agreement_id, "M1.class", clock, EXE)
    act(world, ag.agreement_id, "T1", clock, "U_SALES_EXE", **extension())
    with pytest.raises(PermissionDenied, match="author of T1 cannot approve it"):
        act(world, ag.agreement_id, "T1.extension", clock, "U_SALES_EXE")
    out = act(world, ag.agreement_id, "T1.extension", clock, EXE)
    assert out.status is Status.ACTIVE


# -- rule 3: project class -------------------------------------------------------------------


def test_extension_refused_on_a_standard_project(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1", clock)
    with world.read() as s:
        row = s.get(Agreement, ag.agreement_id)
        assert row is not None and row.flags["project_class"] == "standard"
    with pytest.raises(FormInvalid, match="only for group or specially approved"):
        act(world, ag.agreement_id, "T1", clock, SALES, **extension())
    with pytest.raises(PermissionDenied, match="only executive"):
        act(world, ag.agreement_id, "M1.class", clock, SLM)
    act(world, ag.agreement_id, "M1.class", clock, EXE, project_class="special")
    assert audit_actions(world, ag.agreement_id)[-1] == "M1.class"
    out = act(world, ag.agreement_id, "T1", clock, SALES, **extension())
    assert out.status is Status.EXTENSION_PENDING


def test_m1_records_the_project_class(world: Database, clock: Clock) -> None:
    from store.lifecycle import submit_request

    out = submit_request(
        world, forms("Group Co")["M1"] | {"project_class": "group"}, actor=SALES, now=clock()
    )
    with world.read() as s:
        row = s.get(Agreement, out.agreement_id)
        assert row is not None and row.flags["project_class"] == "group"


# -- rule 10 (part): after archiving every action is refused with "archived" ----------------


def test_archived_refuses_everything_with_archived(world: Database, clock: Clock) -> None:
    ag = drive(world, "T7", clock)
    act(world, ag.agreement_id, "T7", clock, SLM)
    for action, actor in (("T7", SLM), ("M11", SLM), ("M1.class", EXE), ("T6", SLM)):
        with pytest.raises(AgreementClosed, match="archived"):
            act(world, ag.agreement_id, action, clock, actor)


# -- rule 14: semantic dates -----------------------------------------------------------------


def test_m5_signing_not_before_the_draft(world: Database, clock: Clock) -> None:
    ag = drive(world, "M5", clock)
    with pytest.raises(FormInvalid, match="signed_on: must not be before the SLA draft"):
        act(world, ag.agreement_id, "M5", clock, SALES, signed_on="2026-02-27")
    act(world, ag.agreement_id, "M5", clock, SALES, signed_on="2026-03-02")


def test_c3_signing_and_m10_live_date_not_in_the_future(world: Database, clock: Clock) -> None:
    ag = drive(world, "C3", clock)
    with pytest.raises(FormInvalid, match="signed_on: the signing date cannot be in the future"):
        act(world, ag.agreement_id, "C3", clock, SLM, signed_on="2026-03-05")
    ag = drive(world, "M10", clock)
    with pytest.raises(FormInvalid, match="live_on: the live date cannot be in the future"):
        act(world, ag.agreement_id, "M10", clock, USERS[Role.OPS_LEAD], live_on="2026-04-01")
    departments_answer(world, ag.agreement_id, now=clock())  # every OLA signed (rule 7)
    act(world, ag.agreement_id, "M10", clock, USERS[Role.OPS_LEAD], live_on="2026-03-02")


# -- rule 10: termination keeps time ---------------------------------------------------------


def test_early_termination_ends_within_the_sla(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1", clock)
    for kind in ("company_early", "customer_early"):
        with pytest.raises(FormInvalid, match="service_end: an early termination ends on or"):
            act(
                world,
                ag.agreement_id,
                "T1",
                clock,
                SALES,
                kind=kind,
                service_end="2027-06-30",
                customer_notice_on="2026-03-01",
                customer_notice_ref="ACME-L-7",
            )


def test_customer_early_records_the_written_notice_and_tells_the_slms(
    world: Database, clock: Clock
) -> None:
    from store.models import OutboxMessage

    ag = drive(world, "T1", clock)
    with pytest.raises(FormInvalid, match="customer_notice_on"):
        act(world, ag.agreement_id, "T1", clock, SALES, kind="customer_early")
    out = act(
        world,
        ag.agreement_id,
        "T1",
        clock,
        SALES,
        kind="customer_early",
        customer_notice_on="2026-03-01",
        customer_notice_ref="ACME-L-7",
    )
    assert out.branch == "customer_notice" and out.status is Status.TERMINATING
    with world.read() as s:
        told = s.execute(
            select(col(OutboxMessage.recipient), col(OutboxMessage.payload)).where(
                col(OutboxMessage.agreement_id) == ag.agreement_id,
                col(OutboxMessage.kind) == "dm",
            )
        ).all()
    informed = sorted(r for r, p in told if p.get("template") == "informed")
    assert informed == ["U_SLM", "U_SLM_B"]


def test_t2_reply_not_before_the_notice_and_the_objection_outcome(
    world: Database, clock: Clock
) -> None:
    ag = drive(world, "T2", clock)
    with pytest.raises(FormInvalid, match="replied_on: must not be before the notice"):
        act(world, ag.agreement_id, "T2", clock, SALES, replied_on="2026-02-20")
    out = act(world, ag.agreement_id, "T2", clock, SALES, outcome="object", reply="We disagree")
    assert out.branch == "objection" and out.pending == ("T1",)
    assert out.status is Status.TERMINATING
    out = act(world, ag.agreement_id, "T1", clock, SALES)
    assert set(out.pending) == {"T2", "T2.deem"}


def test_archive_not_before_the_announced_end(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1", clock)
    act(world, ag.agreement_id, "T1", clock, SALES, kind="expiry", service_end="2027-03-31")
    for action, actor in (("T2", SALES), ("T3", SLM), ("T4", SLM), ("T5", SLM), ("T6", SLM)):
        act(world, ag.agreement_id, action, clock, actor)
    with pytest.raises(InvalidTransition, match="T7 is refused before the service ends"):
        act(world, ag.agreement_id, "T7", clock, SLM)
    from datetime import datetime

    after = datetime(2027, 3, 31, 1, 0, tzinfo=UTC)
    out = perform(world, ag.agreement_id, "T7", forms()["T7"], actor=SLM, now=after)
    assert out.status is Status.ARCHIVED
    with world.read() as s:
        in_effect = s.execute(
            select(col(AgreementVersion.status)).where(
                col(AgreementVersion.agreement_id) == ag.agreement_id,
                col(AgreementVersion.status) == "in_effect",
            )
        ).all()
    assert in_effect == [], "after T7 no SLA version is reported as in effect"


# -- rule 11: T6 compares with the budget ----------------------------------------------------


def test_t6_uses_the_m9_budget_and_records_the_variance(world: Database, clock: Clock) -> None:
    from store.queries import get_agreement

    ag = drive(world, "T6", clock)
    data = {"actual_cost": "99000", "notes": "Over budget: extra storage"}
    out = perform(world, ag.agreement_id, "T6", data, actor=SLM, now=clock())
    detail = get_agreement(world, ag.agreement_id)
    a = detail.accounting
    assert (a["planned_cost"], a["budget_m9"], a["actual_cost"]) == ("90000.00",) * 2 + (
        "99000.00",
    )
    assert a["variance"] == "9000.00" and a["variance_pct"] == "10.00"
    assert out.record_id > 0


# -- rule 12: M11 records what the process asks ----------------------------------------------


def test_m11_records_the_proposal_and_contracts_review(world: Database, clock: Clock) -> None:
    ag = drive(world, "M11", clock)
    for missing in ("proposal_review", "contracts_review"):
        data = {k: v for k, v in forms()["M11"].items() if k != missing}
        with pytest.raises(FormInvalid, match=missing):
            perform(world, ag.agreement_id, "M11", data, actor=SLM, now=clock())
    from bot.blocks.cards import summary_lines

    data = forms()["M11"] | {"changes": "Add a reporting database"}
    out = act(world, ag.agreement_id, "M11", clock, SLM, changes="Add a reporting database")
    assert out.status is Status.CHANGING
    lines = "\n".join(summary_lines("M11", data, "en"))
    for label in (
        "Execution of the O&M project proposal",
        "Execution of the supporting contracts",
        "Improvements that need a change",
        "Review meeting record",
    ):
        assert label in lines


# -- rule 5: M9 approval ----------------------------------------------------------------------


def test_no_author_of_any_m9_round_approves_and_rejected_olas_are_superseded(
    world: Database, clock: Clock
) -> None:
    from store.models import OLA

    grant_role(world, "U_OPS_SLM", Role.OPS_LEAD, by=CONFIG_ACTOR, now=T0)
    grant_role(world, "U_OPS_SLM", Role.SLM, by=CONFIG_ACTOR, now=T0)
    ag = drive(world, "M9", clock)
    act(world, ag.agreement_id, "M8.handover", clock, SLM, owner="U_OPS_SLM")
    act(world, ag.agreement_id, "M9", clock, "U_OPS_SLM")  # round 1 by U_OPS_SLM
    act(world, ag.agreement_id, "M9.review", clock, SLM, decision="reject", reason="Too dear")
    act(world, ag.agreement_id, "M8.handover", clock, SLM, owner=USERS[Role.OPS_LEAD])
    act(world, ag.agreement_id, "M9", clock, USERS[Role.OPS_LEAD], olas="DBA: 15 min response")
    with pytest.raises(PermissionDenied, match="author of M9"):
        act(world, ag.agreement_id, "M9.review", clock, "U_OPS_SLM")
    with world.read() as s:
        olas = s.execute(
            select(col(OLA.commitment), col(OLA.status))
            .where(col(OLA.agreement_id) == ag.agreement_id)
            .order_by(col(OLA.id))
        ).all()
    # the current round's OLA waits for its signature (rule 7)
    assert [st for _, st in olas] == ["superseded", "superseded", "unsigned"]
    act(world, ag.agreement_id, "M9.review", clock, "U_SLM_B")


def test_migration_marks_earlier_rounds_superseded(empty_db: Database, clock: Clock) -> None:
    from sqlalchemy import text

    from store.integrity import supersede_rejected_olas
    from store.migrate import downgrade
    from tests.support import setup_world

    setup_world(empty_db)  # its own database: it goes back to before the status CHECKs
    ag = drive(empty_db, "M9", clock)
    act(empty_db, ag.agreement_id, "M9", clock, USERS[Role.OPS_LEAD])
    act(empty_db, ag.agreement_id, "M9.review", clock, SLM, decision="reject", reason="Redo")
    act(empty_db, ag.agreement_id, "M9", clock, USERS[Role.OPS_LEAD], olas="DBA: 15 min")
    downgrade(empty_db, "0014")
    of_ag = {"ag": ag.agreement_id}
    with empty_db.write() as s:  # as the data stood before the status column
        s.execute(text("UPDATE ola SET status = 'current' WHERE agreement_id = :ag"), of_ag)
        supersede_rejected_olas(s.connection(), ag.agreement_id)
    with empty_db.read_conn() as conn:
        statuses = list(
            conn.execute(
                text("SELECT status FROM ola WHERE agreement_id = :ag ORDER BY id"), of_ag
            ).scalars()
        )
    assert statuses == ["superseded", "superseded", "current"]


# -- rule 4: the named owner -----------------------------------------------------------------


def test_m8_by_slm_names_an_ops_lead_who_alone_does_m9_and_m10(
    world: Database, clock: Clock
) -> None:
    from store.models import OutboxMessage, Task

    OPS = USERS[Role.OPS_LEAD]
    grant_role(world, "U_OPS_2", Role.OPS_LEAD, by=CONFIG_ACTOR, now=T0)
    ag = drive(world, "M8", clock)
    with pytest.raises(PermissionDenied, match="only slm"):
        act(world, ag.agreement_id, "M8", clock, OPS)
    with pytest.raises(FormInvalid, match="owner: U_SALES does not hold the operations lead"):
        act(world, ag.agreement_id, "M8", clock, SLM, owner=SALES)
    act(world, ag.agreement_id, "M8", clock, SLM, owner=OPS)
    with pytest.raises(PermissionDenied, match=r"only the named O&M service owner \(U_OPS\)"):
        act(world, ag.agreement_id, "M9", clock, "U_OPS_2")
    # a service level manager hands the agreement over (audited); the task moves with it
    with pytest.raises(FormInvalid, match="does not hold the operations lead"):
        act(world, ag.agreement_id, "M8.handover", clock, SLM, owner=SALES)
    act(world, ag.agreement_id, "M8.handover", clock, SLM, owner="U_OPS_2")
    assert audit_actions(world, ag.agreement_id)[-1] == "M8.handover"
    with world.read() as s:
        task = s.execute(
            select(Task).where(
                col(Task.agreement_id) == ag.agreement_id,
                col(Task.action) == "M9",
                col(Task.closed_at).is_(None),
            )
        ).scalar_one()
        dms = s.execute(
            select(col(OutboxMessage.recipient), col(OutboxMessage.payload)).where(
                col(OutboxMessage.agreement_id) == ag.agreement_id,
                col(OutboxMessage.kind) == "dm",
            )
        ).all()
    assert task.assignees == ["U_OPS_2"]
    m9_dms = [(r, p.get("because")) for r, p in dms if p.get("action") == "M9"]
    assert m9_dms == [(OPS, ["owner"]), ("U_OPS_2", ["owner"])]
    with pytest.raises(PermissionDenied, match="owner"):
        act(world, ag.agreement_id, "M9", clock, OPS)
    act(world, ag.agreement_id, "M9", clock, "U_OPS_2")
