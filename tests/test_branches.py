"""Every real branch of the process, through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.flows.errors import AlreadyDone, FormInvalid, InvalidTransition, PermissionDenied
from bot.flows.process import Status
from bot.flows.roles import Role
from store.db import Database
from store.improvements import complete_improvement, open_improvements
from store.lifecycle import perform
from store.models import (
    Agreement,
    AgreementVersion,
    Approval,
    AuditEvent,
    Document,
    OutboxMessage,
    StepRecord,
    SupplierContract,
    Task,
)
from store.queries import get_agreement
from store.roles import CONFIG_ACTOR, grant_role
from store.usecases import deem_confirmation
from tests.support import Clock, drive, forms


def records(db: Database, agreement_id: str, action: str) -> list[StepRecord]:
    with db.read() as s:
        return list(
            s.execute(
                select(StepRecord)
                .where(
                    col(StepRecord.agreement_id) == agreement_id,
                    col(StepRecord.action) == action,
                )
                .order_by(col(StepRecord.id))
            ).scalars()
        )


def test_m2_decline_ends_the_agreement_with_the_reason(world: Database, clock: Clock) -> None:
    ag = drive(world, "M2", clock)
    out = perform(
        world,
        ag.agreement_id,
        "M2",
        forms()["M2"] | {"decision": "decline", "reason": "Outside our region"},
        actor="U_SLM",
        now=clock(),
    )
    assert out.status is Status.DECLINED and out.pending == ()
    rec = records(world, ag.agreement_id, "M2")[-1]
    assert rec.branch == "decline" and rec.data["reason"] == "Outside our region"
    with world.read() as s:
        kinds = (
            s.execute(
                select(col(Document.kind)).where(col(Document.agreement_id) == ag.agreement_id)
            )
            .scalars()
            .all()
        )
    assert "rejection" in kinds and "requirement_final" not in kinds
    with pytest.raises(InvalidTransition, match="Declined"):
        perform(world, ag.agreement_id, "M3", forms()["M3"], actor="U_SLM", now=clock())


def test_m6_skip_is_recorded(world: Database, clock: Clock) -> None:
    ag = drive(world, "M4", clock)
    perform(
        world,
        ag.agreement_id,
        "M4",
        forms()["M4"] | {"suppliers_needed": False},
        actor="U_SALES",
        now=clock(),
    )
    out = perform(world, ag.agreement_id, "M5", forms()["M5"], actor="U_SALES", now=clock())
    assert out.skipped == ("M6",) and out.pending == ("M7",)
    skipped = records(world, ag.agreement_id, "M6")
    assert len(skipped) == 1 and skipped[0].skipped and "no suppliers" in skipped[0].data["reason"]
    history = get_agreement(world, ag.agreement_id).history
    assert any(h["skipped"] == ["M6"] for h in history)


def test_m9_reject_returns_to_ops_lead_and_author_never_approves(
    world: Database, clock: Clock
) -> None:
    grant_role(world, "U_BOTH", Role.OPS_LEAD, by=CONFIG_ACTOR, now=clock())
    grant_role(world, "U_BOTH", Role.SLM, by=CONFIG_ACTOR, now=clock())
    ag = drive(world, "M9", clock)
    # M9 is the named owner's (issue 9, rule 4): U_BOTH is made the owner for the report
    handover = {"owner": "U_BOTH", "reason": "U_BOTH writes the report"}
    perform(world, ag.agreement_id, "M8.handover", handover, actor="U_SLM", now=clock())
    perform(world, ag.agreement_id, "M9", forms()["M9"], actor="U_BOTH", now=clock())
    handback = {"owner": "U_OPS", "reason": "Back to the owner"}
    perform(world, ag.agreement_id, "M8.handover", handback, actor="U_SLM", now=clock())
    with pytest.raises(PermissionDenied, match="author of M9 cannot approve"):
        perform(
            world,
            ag.agreement_id,
            "M9.review",
            {"decision": "approve"},
            actor="U_BOTH",
            now=clock(),
        )
    with pytest.raises(FormInvalid) as exc:
        perform(
            world, ag.agreement_id, "M9.review", {"decision": "reject"}, actor="U_SLM", now=clock()
        )
    assert exc.value.errors == {"reason": "a reason is required to reject"}
    out = perform(
        world,
        ag.agreement_id,
        "M9.review",
        {"decision": "reject", "reason": "Budget too high"},
        actor="U_SLM",
        now=clock(),
    )
    assert out.pending == ("M9",)
    with world.read() as s:
        task = s.execute(
            select(Task).where(
                col(Task.agreement_id) == ag.agreement_id,
                col(Task.action) == "M9",
                col(Task.closed_at).is_(None),
            )
        ).scalar_one()
        assert task.assignees == ["U_OPS"], "back to the named O&M service owner"
        appr = s.execute(
            select(Approval).where(col(Approval.agreement_id) == ag.agreement_id)
        ).scalar_one()
        assert (appr.decision, appr.reason, appr.approver) == ("reject", "Budget too high", "U_SLM")
    perform(
        world,
        ag.agreement_id,
        "M9",
        forms()["M9"] | {"budget": "80000"},
        actor="U_OPS",
        now=clock(),
    )
    out = perform(
        world, ag.agreement_id, "M9.review", {"decision": "approve"}, actor="U_SLM", now=clock()
    )
    assert out.pending == ("M10",)


def test_m11_improvements_tracked_and_a_change_starts_c(world: Database, clock: Clock) -> None:
    ag = drive(world, "M11", clock)
    out = perform(world, ag.agreement_id, "M11", forms()["M11"], actor="U_SLM", now=clock())
    assert out.status is Status.ACTIVE and out.pending == ()
    items = open_improvements(world, ag.agreement_id)
    assert [i.description for i in items] == ["Add a DBA runbook"]
    with pytest.raises(PermissionDenied):
        complete_improvement(world, items[0].id or 0, actor="U_SALES", now=clock())
    done = complete_improvement(world, items[0].id or 0, actor="U_OPS", now=clock())
    assert done.status == "done"
    with pytest.raises(AlreadyDone, match="U_OPS"):
        complete_improvement(world, items[0].id or 0, actor="U_SLM", now=clock())
    assert open_improvements(world, ag.agreement_id) == []
    out = perform(
        world,
        ag.agreement_id,
        "M11",
        forms()["M11"] | {"changes": "Add a reporting cluster"},
        actor="U_SLM",
        now=clock(),
    )
    assert out.status is Status.CHANGING and out.pending == ("C1",)
    assert [i.needs_change for i in open_improvements(world, ag.agreement_id)] == [False, True]


def test_m12_with_changed_needs_starts_c(world: Database, clock: Clock) -> None:
    ag = drive(world, "M12", clock)
    out = perform(world, ag.agreement_id, "M12", forms()["M12"], actor="U_SLM", now=clock())
    assert out.status is Status.ACTIVE
    out = perform(
        world,
        ag.agreement_id,
        "M12",
        forms()["M12"] | {"changes_needed": "Customer needs 7x24"},
        actor="U_SLM",
        now=clock(),
    )
    assert out.pending == ("C1",)


def test_change_gives_a_new_version_and_keeps_old_documents(world: Database, clock: Clock) -> None:
    ag = drive(world, "C1", clock)
    with world.read() as s:
        old_docs = {
            d.id: (d.title, d.data)
            for d in s.execute(
                select(Document).where(col(Document.agreement_id) == ag.agreement_id)
            ).scalars()
        }
    f = forms()
    for action in ("C1", "C2", "C3"):
        out = perform(world, ag.agreement_id, action, f[action], actor="U_SLM", now=clock())
    assert out.sla_version == 2 and out.pending == ("C4",)
    out = perform(world, ag.agreement_id, "C4", f["C4"], actor="U_SUP", now=clock())
    assert out.status is Status.ACTIVE and out.agreement_id == ag.agreement_id
    with world.read() as s:
        versions = s.execute(
            select(col(AgreementVersion.number), col(AgreementVersion.status))
            .where(col(AgreementVersion.agreement_id) == ag.agreement_id)
            .order_by(col(AgreementVersion.number))
        ).all()
        assert [tuple(v) for v in versions] == [(1, "superseded"), (2, "in_effect")]
        docs = {
            d.id: (d.title, d.data)
            for d in s.execute(
                select(Document).where(col(Document.agreement_id) == ag.agreement_id)
            ).scalars()
        }
        contracts = s.execute(
            select(col(SupplierContract.contract_no), col(SupplierContract.status))
            .where(col(SupplierContract.agreement_id) == ag.agreement_id)
            .order_by(col(SupplierContract.id))
        ).all()
    assert all(docs[i] == old_docs[i] for i in old_docs), "old documents were changed"
    assert any("Additional SLA" in t and "v2" in t for t, _ in docs.values())
    assert [tuple(c) for c in contracts] == [("SP-77", "changed"), ("SP-77", "active")]


def test_c4_skipped_when_no_supplier_change(world: Database, clock: Clock) -> None:
    ag = drive(world, "C3", clock)
    # C2 again is not open; the path drafted with supplier changes: redo with a fresh one
    ag = drive(world, "C2", clock)
    perform(
        world,
        ag.agreement_id,
        "C2",
        forms()["C2"] | {"supplier_changes_needed": False},
        actor="U_SALES",
        now=clock(),
    )
    out = perform(world, ag.agreement_id, "C3", forms()["C3"], actor="U_SLM", now=clock())
    assert out.skipped == ("C4",) and out.status is Status.ACTIVE and out.sla_version == 2


def test_t1_renewal_gives_a_new_version(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1", clock)
    out = perform(
        world,
        ag.agreement_id,
        "T1",
        forms()["T1"] | {"kind": "renewal", "service_end": "2028-03-31"},
        actor="U_SALES",
        now=clock(),
    )
    assert out.status is Status.ACTIVE and out.sla_version == 2
    assert get_agreement(world, ag.agreement_id).row.end_date == date(2028, 3, 31)
    with pytest.raises(FormInvalid, match="service_end"):
        perform(
            world,
            ag.agreement_id,
            "T1",
            forms()["T1"] | {"kind": "renewal", "service_end": "2027-01-01"},
            actor="U_SALES",
            now=clock(),
        )


def test_t1_company_termination_needs_a_written_reason(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1", clock)
    with pytest.raises(FormInvalid) as exc:
        perform(
            world,
            ag.agreement_id,
            "T1",
            forms()["T1"] | {"kind": "company_early", "reason": ""},
            actor="U_SALES",
            now=clock(),
        )
    assert list(exc.value.errors) == ["reason"]
    out = perform(
        world,
        ag.agreement_id,
        "T1",
        forms()["T1"] | {"kind": "company_early", "reason": "Data centre closes"},
        actor="U_SALES",
        now=clock(),
    )
    assert out.status is Status.TERMINATING and out.pending == ("T2", "T2.deem")


def test_t1_customer_termination_and_m14_entry(world: Database, clock: Clock) -> None:
    ag = drive(world, "M14", clock)
    out = perform(world, ag.agreement_id, "M14", forms()["M14"], actor="U_SLM", now=clock())
    assert out.status is Status.TERMINATING and out.pending == ("T1",)
    out = perform(
        world,
        ag.agreement_id,
        "T1",
        forms()["T1"]
        | {
            "kind": "customer_early",
            "customer_notice_on": "2026-03-01",
            "customer_notice_ref": "ACME-L-7",
        },
        actor="U_SALES",
        now=clock(),
    )
    assert out.pending == ("T2", "T2.deem")


def test_t1_extension_needs_an_executive(world: Database, clock: Clock) -> None:
    ag = drive(world, "T1.extension", clock)
    for user in ("U_SALES", "U_SLM", "U_ADM"):
        with pytest.raises(PermissionDenied, match="only executive"):
            perform(
                world,
                ag.agreement_id,
                "T1.extension",
                {"decision": "approve"},
                actor=user,
                now=clock(),
            )
    out = perform(
        world, ag.agreement_id, "T1.extension", {"decision": "approve"}, actor="U_EXE", now=clock()
    )
    assert out.status is Status.ACTIVE and out.sla_version == 2
    assert get_agreement(world, ag.agreement_id).row.end_date == date(2027, 9, 30)
    ag = drive(world, "T1.extension", clock)
    out = perform(
        world,
        ag.agreement_id,
        "T1.extension",
        {"decision": "reject", "reason": "Not a group project"},
        actor="U_EXE",
        now=clock(),
    )
    assert out.status is Status.TERMINATING and out.pending == ("T1",)


def test_t2_written_reply_closes_the_deemed_path(world: Database, clock: Clock) -> None:
    ag = drive(world, "T2", clock)
    out = perform(world, ag.agreement_id, "T2", forms()["T2"], actor="U_SALES", now=clock())
    assert out.pending == ("T3", "T4", "T5")

    def weekdays(day: date, n: int) -> date:
        while n:
            day += timedelta(days=1)
            n -= day.weekday() < 5
        return day

    with pytest.raises(AlreadyDone, match="U_SALES"):
        deem_confirmation(
            world,
            ag.agreement_id,
            now=clock.now + timedelta(days=60),
            tz="UTC",
            add_working_days=weekdays,
        )


def test_t2_deemed_only_after_n_working_days(world: Database, clock: Clock) -> None:
    ag = drive(world, "T2", clock)  # the notice went out on Monday 2026-03-02 (T0)

    def weekdays(day: date, n: int) -> date:
        while n:
            day += timedelta(days=1)
            n -= day.weekday() < 5
        return day

    notice = clock.now
    # 5 working days after Monday 2 March is Monday 9 March: replies count until its end
    with pytest.raises(InvalidTransition, match="until 2026-03-09"):
        deem_confirmation(
            world,
            ag.agreement_id,
            now=notice.replace(day=9, hour=23),
            tz="UTC",
            add_working_days=weekdays,
        )
    out = deem_confirmation(
        world,
        ag.agreement_id,
        now=notice.replace(day=10, hour=0),
        tz="UTC",
        add_working_days=weekdays,
    )
    assert out.action == "T2.deem" and out.pending == ("T3", "T4", "T5")
    rec = records(world, ag.agreement_id, "T2.deem")[-1]
    assert rec.data == {"notice_on": "2026-03-02", "deadline": "2026-03-09", "reply_days": 5}
    with pytest.raises(AlreadyDone):
        perform(world, ag.agreement_id, "T2", forms()["T2"], actor="U_SALES", now=clock())


def test_release_in_any_order_then_accounting_then_archive(world: Database, clock: Clock) -> None:
    ag = drive(world, "T3", clock)
    f = forms()
    with pytest.raises(InvalidTransition):
        perform(world, ag.agreement_id, "T6", f["T6"], actor="U_SLM", now=clock())
    out = perform(world, ag.agreement_id, "T5", f["T5"], actor="U_SUP", now=clock())
    out = perform(world, ag.agreement_id, "T3", f["T3"], actor="U_SLM", now=clock())
    assert out.pending == ("T4",)
    out = perform(world, ag.agreement_id, "T4", f["T4"], actor="U_SLM", now=clock())
    assert out.pending == ("T6",)
    out = perform(world, ag.agreement_id, "T6", f["T6"], actor="U_SUP", now=clock())
    out = perform(world, ag.agreement_id, "T7", f["T7"], actor="U_SLM", now=clock())
    assert out.status is Status.ARCHIVED and out.pending == ()
    with world.read() as s:
        docs = {
            d.kind: d.data
            for d in s.execute(
                select(Document).where(col(Document.agreement_id) == ag.agreement_id)
            ).scalars()
        }
        statuses = (
            s.execute(
                select(col(SupplierContract.status)).where(
                    col(SupplierContract.agreement_id) == ag.agreement_id
                )
            )
            .scalars()
            .all()
        )
    assert docs["budget_accounting"]["variance"] == "-3500.00"
    archive = docs["archive"]
    assert {d["kind"] for d in archive["documents"]} >= {
        "sla",
        "proposal",
        "ola",
        "supplier_contract",
    }
    assert archive["supplier_contracts"] == [{"contract_no": "SP-77", "status": "released"}]
    assert set(statuses) == {"released"}
    for kind in ("release_infrastructure", "release_people", "release_supplier", "service_summary"):
        assert kind in docs


def test_bad_form_data_changes_nothing(world: Database, clock: Clock) -> None:
    ag = drive(world, "M4", clock)

    def snapshot() -> tuple[int, int, int, int]:
        with world.read() as s:
            a = s.get(Agreement, ag.agreement_id)
            assert a is not None
            return (
                a.lock_version,
                int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()),
                int(s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()),
                int(s.execute(select(func.count()).select_from(AgreementVersion)).scalar_one()),
            )

    before = snapshot()
    bad = forms()["M4"] | {"end_date": "2026-01-01", "price": "-5", "entry": "NOPE"}
    with pytest.raises(FormInvalid) as exc:
        perform(world, ag.agreement_id, "M4", bad, actor="U_SALES", now=clock())
    assert set(exc.value.errors) == {"end_date", "price"}
    assert "greater than or equal to 0" in exc.value.errors["price"]
    with pytest.raises(FormInvalid) as exc:
        perform(
            world,
            ag.agreement_id,
            "M4",
            forms()["M4"] | {"entry": "NOPE"},
            actor="U_SALES",
            now=clock(),
        )
    assert exc.value.errors == {"entry": "no catalogue entry 'NOPE'"}
    assert snapshot() == before


def test_audit_log_is_append_only(world: Database, clock: Clock) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    drive(world, "M2", clock)
    for stmt in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), world.write() as s:
            s.execute(text(stmt))


def test_old_slas_keep_the_catalogue_entry_they_were_signed_with(
    world: Database, clock: Clock
) -> None:
    from store.catalogue import save_entry
    from store.models import CatalogueEntry

    first = drive(world, "M5", clock, customer="Old Price Co")
    entry = {
        "code": "NET-VER",
        "name": "Versioned network ops",
        "tier": 2,
        "price": "1000",
        "availability_pct": "99.9",
    }
    v1 = save_entry(world, entry, actor="U_SLM", now=clock())
    assert save_entry(world, entry, actor="U_SLM", now=clock()).id == v1.id, "no change, no version"
    offer = {"M3": {"entries": ["NET-VER"]}}  # M4 picks from what M3 offered (issue 9, rule 8)
    ag1 = drive(world, "M4", clock, customer="Versioned One", override=offer)
    perform(
        world,
        ag1.agreement_id,
        "M4",
        forms()["M4"] | {"entry": "NET-VER"},
        actor="U_SALES",
        now=clock(),
    )
    v2 = save_entry(world, entry | {"price": "1200"}, actor="U_SLM", now=clock())
    assert (v1.version, v2.version) == (1, 2)
    ag2 = drive(world, "M4", clock, customer="Versioned Two", override=offer)
    perform(
        world,
        ag2.agreement_id,
        "M4",
        forms()["M4"] | {"entry": "NET-VER"},
        actor="U_SALES",
        now=clock(),
    )
    with world.read() as s:

        def entry_of(agreement_id: str) -> CatalogueEntry:
            ver = s.execute(
                select(AgreementVersion).where(col(AgreementVersion.agreement_id) == agreement_id)
            ).scalar_one()
            found = s.get(CatalogueEntry, ver.catalogue_entry_id)
            assert found is not None
            return found

        assert (entry_of(ag1.agreement_id).version, entry_of(ag1.agreement_id).price) == (
            1,
            Decimal(1000),
        )
        assert (entry_of(ag2.agreement_id).version, entry_of(ag2.agreement_id).price) == (
            2,
            Decimal(1200),
        )
    del first
    with pytest.raises(PermissionDenied, match="only slm"):
        save_entry(world, entry, actor="U_SALES", now=clock())
