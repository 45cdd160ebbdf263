"""Issue 9, rules 8 and 9, through the use cases on SQLite and PostgreSQL: the catalogue is
real (M3/C1 offer active entries, M4/C2 pick from the offer, deviations are recorded), and the
additional SLA takes effect on its date (the sweep switches it once, audited under C3)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.flows.errors import FormInvalid, InvalidTransition
from bot.flows.roles import Role
from bot.scheduler.sweeps import Sweeper
from store.catalogue import save_entry
from store.db import Database
from store.lifecycle import perform
from store.models import OLA, Agreement, AgreementVersion, AuditEvent, StepRecord
from store.queries import get_agreement
from tests.support import USERS, Clock, drive, forms

SLM, SALES = USERS[Role.SLM], USERS[Role.SALES]


def entry(code: str, **over: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Service {code}",
        "tier": 2,
        "price": "100000",
        "availability_pct": "99.5",
    } | over


def act(db: Database, ag: str, action: str, clock: Clock, actor: str, **over: Any) -> Any:
    return perform(
        db, ag, action, forms(today=clock.now.date())[action] | over, actor=actor, now=clock()
    )


def problem(exc: pytest.ExceptionInfo[FormInvalid], name: str) -> tuple[str, dict[str, Any]]:
    p = exc.value.problems[name]
    return p.code, dict(p.params)


# -- rule 8: the catalogue is real ------------------------------------------------------------


def test_m3_offers_only_existing_active_entries(world: Database, clock: Clock) -> None:
    save_entry(world, entry("OLD-SVC", active=False), actor=SLM, now=clock())
    ag = drive(world, "M3", clock).agreement_id
    with pytest.raises(FormInvalid) as exc:
        act(world, ag, "M3", clock, SLM, entries=["NO-SUCH"])
    assert problem(exc, "entries") == ("unknown_entry", {"entry": "NO-SUCH"})
    with pytest.raises(FormInvalid) as exc:
        act(world, ag, "M3", clock, SLM, entries=["DB-OPS", "OLD-SVC"])
    assert problem(exc, "entries") == ("inactive_entry", {"entry": "OLD-SVC"})
    assert act(world, ag, "M3", clock, SLM).opened == ("M4",)


def test_m4_picks_only_what_m3_offered(world: Database, clock: Clock) -> None:
    save_entry(world, entry("NOT-OFFERED"), actor=SLM, now=clock())
    ag = drive(world, "M4", clock).agreement_id
    with pytest.raises(FormInvalid) as exc:
        act(world, ag, "M4", clock, SALES, entry="NOT-OFFERED")
    code, params = problem(exc, "entry")
    assert code == "entry_not_offered"
    assert params == {"entry": "NOT-OFFERED", "step": "M3", "offered": "DB-OPS"}
    act(world, ag, "M4", clock, SALES)


def test_m4_refuses_an_entry_made_inactive_after_m3(world: Database, clock: Clock) -> None:
    save_entry(world, entry("SOON-GONE"), actor=SLM, now=clock())
    ag = drive(world, "M3", clock).agreement_id
    act(world, ag, "M3", clock, SLM, entries=["SOON-GONE", "DB-OPS"])
    save_entry(world, entry("SOON-GONE", active=False), actor=SLM, now=clock())
    with pytest.raises(FormInvalid) as exc:
        act(world, ag, "M4", clock, SALES, entry="SOON-GONE")
    assert problem(exc, "entry")[0] == "inactive_entry"


def record_data(db: Database, ag: str, action: str) -> dict[str, Any]:
    with db.read() as s:
        rec = (
            s.execute(
                select(StepRecord)
                .where(col(StepRecord.agreement_id) == ag, col(StepRecord.action) == action)
                .order_by(col(StepRecord.id).desc())
            )
            .scalars()
            .first()
        )
        assert rec is not None
        return dict(rec.data)


def test_deviations_from_the_catalogue_are_recorded_with_both_values(
    world: Database, clock: Clock
) -> None:
    ag = drive(world, "M4", clock).agreement_id  # DB-OPS: tier 2, 120000, 99.9 %
    act(world, ag, "M4", clock, SALES, tier="1", price="99000.50", availability_pct="99.99")
    assert record_data(world, ag, "M4")["catalogue_deviations"] == [
        {"field": "tier", "catalogue": "2", "drafted": "1"},
        {"field": "price", "catalogue": "120000", "drafted": "99000.5"},
        {"field": "availability_pct", "catalogue": "99.9", "drafted": "99.99"},
    ]
    # a higher price and a looser target are no deviation in the customer's favour
    ag2 = drive(world, "M4", clock).agreement_id
    act(world, ag2, "M4", clock, SALES, price="130000", availability_pct="99.5")
    assert record_data(world, ag2, "M4")["catalogue_deviations"] == []


def test_c1_adds_a_version_audited_under_c1_and_c2_picks_from_c1(
    world: Database, clock: Clock
) -> None:
    ag = drive(world, "C1", clock).agreement_id
    with world.read() as s:
        v1 = s.execute(
            select(AgreementVersion).where(col(AgreementVersion.agreement_id) == ag)
        ).scalar_one()
    code = f"REP-{ag[-4:]}"
    save_entry(world, entry(code), actor=SLM, now=clock(), agreement_id=ag)
    e2 = save_entry(world, entry(code, price="90000"), actor=SLM, now=clock(), agreement_id=ag)
    assert e2.version == 2
    with world.read() as s:
        steps = s.execute(
            select(col(AuditEvent.step), col(AuditEvent.action)).where(
                col(AuditEvent.agreement_id) == ag, col(AuditEvent.action) == "catalogue.save"
            )
        ).all()
        assert [tuple(r) for r in steps] == [("C1", "catalogue.save")] * 2
        # the agreement's SLA keeps the catalogue version it used
        assert s.get(AgreementVersion, v1.id).catalogue_entry_id == v1.catalogue_entry_id  # type: ignore[union-attr]
    act(world, ag, "C1", clock, SLM, entries=[code])
    with pytest.raises(FormInvalid) as exc:
        act(world, ag, "C2", clock, SALES, entry="DB-OPS")
    assert problem(exc, "entry")[1]["step"] == "C1"
    act(world, ag, "C2", clock, SALES, entry=code, price="80000", availability_pct="99.5")
    assert record_data(world, ag, "C2")["catalogue_deviations"] == [
        {"field": "price", "catalogue": "90000", "drafted": "80000"}
    ]
    with world.read() as s:
        draft = s.execute(
            select(AgreementVersion).where(
                col(AgreementVersion.agreement_id) == ag, col(AgreementVersion.status) == "draft"
            )
        ).scalar_one()
        assert draft.catalogue_entry_id == e2.id


def test_a_catalogue_edit_for_an_agreement_needs_m3_or_c1_open(
    world: Database, clock: Clock
) -> None:
    ag = drive(world, "M4", clock).agreement_id
    with pytest.raises(InvalidTransition) as exc:
        save_entry(world, entry("LATE-EDIT"), actor=SLM, now=clock(), agreement_id=ag)
    assert exc.value.code == "catalogue_not_open"


# -- rule 9: the additional SLA takes effect on its date --------------------------------------


def sweep_at(db: Database, day: date) -> list[str]:
    return (
        Sweeper(db)
        .run(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2))
        .switched
    )


def versions(db: Database, ag: str) -> dict[int, str]:
    with db.read() as s:
        rows = s.execute(
            select(col(AgreementVersion.number), col(AgreementVersion.status)).where(
                col(AgreementVersion.agreement_id) == ag
            )
        ).all()
    return {int(n): str(st) for n, st in rows}


def switch_events(db: Database, ag: str) -> list[tuple[str | None, str]]:
    with db.read() as s:
        return [
            (st, a)
            for st, a in s.execute(
                select(col(AuditEvent.step), col(AuditEvent.action)).where(
                    col(AuditEvent.agreement_id) == ag, col(AuditEvent.action) == "C3.in_effect"
                )
            ).all()
        ]


def test_the_additional_sla_waits_for_its_date_and_the_sweep_switches_once(
    world: Database, clock: Clock
) -> None:
    effective = clock.now.date() + timedelta(days=40)
    c2 = {"effective_from": effective.isoformat(), "tier": "1", "supplier_changes_needed": False}
    ag = drive(world, "C3", clock, override={"C2": c2}).agreement_id
    out = act(world, ag, "C3", clock, SLM)
    assert versions(world, ag) == {1: "in_effect", 2: "signed"}
    with world.read() as s:
        row = s.get(Agreement, ag)
        assert row is not None and (row.sla_version, row.tier) == (1, 2)
        olas = (
            s.execute(
                select(col(OLA.sla_version)).where(
                    col(OLA.agreement_id) == ag, col(OLA.step) == "C3"
                )
            )
            .scalars()
            .all()
        )
        assert list(olas) == [2], "C3's OLA changes belong to the new version"
    assert out.sla_version == 1
    detail = get_agreement(world, ag)
    assert detail.sla_version == 1
    assert sweep_at(world, effective - timedelta(days=1)) == []
    assert versions(world, ag)[2] == "signed"
    assert sweep_at(world, effective) == [ag]
    assert versions(world, ag) == {1: "superseded", 2: "in_effect"}
    with world.read() as s:
        row = s.get(Agreement, ag)
        assert row is not None and (row.sla_version, row.tier) == (2, 1)
    assert sweep_at(world, effective + timedelta(days=1)) == []
    assert switch_events(world, ag) == [("C3", "C3.in_effect")]


def test_two_workers_switch_once(world: Database, clock: Clock) -> None:
    effective = clock.now.date() + timedelta(days=40)
    ag = drive(
        world, "C3", clock, override={"C2": {"effective_from": effective.isoformat()}}
    ).agreement_id
    act(world, ag, "C3", clock, SLM)
    results: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(sweep_at(world, effective)))
        for _ in range(2)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(len([a for a in r if a == ag]) for r in results) == [0, 1]
    assert switch_events(world, ag) == [("C3", "C3.in_effect")]


def test_an_additional_sla_effective_already_takes_effect_at_signing(
    world: Database, clock: Clock
) -> None:
    effective = clock.now.date() - timedelta(days=2)
    ag = drive(
        world, "C3", clock, override={"C2": {"effective_from": effective.isoformat()}}
    ).agreement_id
    out = act(world, ag, "C3", clock, SLM)
    assert out.sla_version == 2
    assert versions(world, ag) == {1: "superseded", 2: "in_effect"}
    assert switch_events(world, ag) == []
