"""Time-driven work with time as a parameter: each reminder fires at the right instant, never
before, exactly once across repeated sweeps; deemed confirmations on the right working day;
snooze defers; catch-up groups. Real SQLite and PostgreSQL, no sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.flows.errors import NotFound
from bot.scheduler.sweeps import SweepConfig, Sweeper
from store.db import Database
from store.demo import departments_answer
from store.lifecycle import perform
from store.models import AuditEvent, OutboxMessage, Reminder, table_of
from store.outbox import NoticeTo
from store.queries import get_agreement
from store.reminders import snooze
from tests.support import Clock, drive, forms

SH = ZoneInfo("Asia/Shanghai")
_R, _O = table_of(Reminder), table_of(OutboxMessage)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def reminders(db: Database, agreement_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    with db.read_conn() as conn:
        stmt = select(_R).where(_R.c.agreement_id == agreement_id).order_by(_R.c.id)
        if kind:
            stmt = stmt.where(_R.c.kind == kind)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def outbox(db: Database, template: str = "reminder") -> list[dict[str, Any]]:
    with db.read_conn() as conn:
        rows = conn.execute(select(_O).order_by(_O.c.id)).mappings().all()
    return [dict(r) for r in rows if r["payload"].get("template") == template]


@pytest.fixture
def sweeper(world: Database) -> Sweeper:
    return Sweeper(world, SweepConfig(tz="Asia/Shanghai", country="CN"))


def live_agreement(db: Database, customer: str) -> str:
    ag = drive(db, "M10", Clock(datetime(2026, 3, 2, 1, tzinfo=UTC)), customer=customer)
    departments_answer(db, ag.agreement_id, now=datetime(2026, 3, 2, 2, tzinfo=UTC))
    # the service goes live on its start date, recorded that day (a live date is never in
    # the future: issue 9, rule 14)
    perform(
        db,
        ag.agreement_id,
        "M10",
        forms(customer)["M10"] | {"live_on": "2026-04-01"},
        actor="U_OPS",
        now=datetime(2026, 4, 1, 1, tzinfo=UTC),
    )
    return ag.agreement_id


def test_expiry_reminders_fire_on_their_days_exactly_once(
    world: Database, sweeper: Sweeper
) -> None:
    aid = live_agreement(world, "Expiry Co")
    end = get_agreement(world, aid).row.end_date
    assert end == date(2027, 3, 31)
    month_before = date(2027, 2, 28)
    sweeper.run(at(month_before - timedelta(days=1), 23, 59))
    assert reminders(world, aid, "expiry") == [], "never before one month ahead"
    for _ in range(3):  # repeated sweeps, even several a minute, record it once
        sweeper.run(at(month_before, 0, 1))
    got = reminders(world, aid, "expiry")
    assert [r["payload"]["point"] for r in got] == ["1m"]
    assert got[0]["recipient"] == "U_SALES"
    assert got[0]["status"] == "sent"
    mine = [
        o for o in outbox(world) if o["agreement_id"] == aid and o["payload"]["kind"] == "expiry"
    ]
    assert sorted(o["kind"] for o in mine) == ["dm", "thread"]
    for offset in (14, 7, 1):
        day = end - timedelta(days=offset)
        sweeper.run(at(day - timedelta(days=1), 18))
        sweeper.run(at(day, 8))
        sweeper.run(at(day, 17))
    points = [r["payload"]["point"] for r in reminders(world, aid, "expiry")]
    assert points == ["1m", "14d", "7d", "1d"]
    # the service level managers are told at 7 days, since sales did nothing
    slm = reminders(world, aid, "expiry_slm")
    assert sorted(r["recipient"] for r in slm) == ["U_SLM", "U_SLM_B"]
    sweeper.run(at(end + timedelta(days=1)))
    assert len(reminders(world, aid, "expiry")) == 4, "nothing after the end date"


def test_expiry_escalation_skipped_when_sales_acted(world: Database, sweeper: Sweeper) -> None:
    aid = live_agreement(world, "Acting Sales Co")
    end = get_agreement(world, aid).row.end_date
    assert end is not None
    sweeper.run(at(end - timedelta(days=20)))
    # only a group or specially approved project may ask for an extension (issue 9, rule 3)
    perform(
        world,
        aid,
        "M1.class",
        forms()["M1.class"],
        actor="U_EXE",
        now=at(end - timedelta(days=20)).astimezone(UTC),
    )
    perform(
        world,
        aid,
        "T1",
        forms()["T1"] | {"kind": "extension", "reason": "Group project"},
        actor="U_SALES",
        now=at(end - timedelta(days=19)).astimezone(UTC),
    )
    sweeper.run(at(end - timedelta(days=7)))
    assert reminders(world, aid, "expiry_slm") == []


def test_catch_up_sends_the_latest_only_and_groups_per_person(
    world: Database, sweeper: Sweeper
) -> None:
    ids = [live_agreement(world, f"Catch Up {i}") for i in range(5)]
    end = get_agreement(world, ids[0]).row.end_date
    assert end is not None
    before = len(outbox(world, "reminders"))
    # the worker was down for weeks: first sweep 5 days before the end
    sweeper.run(at(end - timedelta(days=5)))
    for aid in ids:
        assert [r["payload"]["point"] for r in reminders(world, aid, "expiry")] == ["7d"]
    grouped = outbox(world, "reminders")[before:]
    recipients = [g["recipient"] for g in grouped]
    assert len(recipients) == len(set(recipients)), "one message per person, not a flood"
    sales = next(g for g in grouped if g["recipient"] == "U_SALES")
    assert {i["agreement_id"] for i in sales["payload"]["items"]} >= set(ids)


def test_review_prompts_and_overdue(world: Database, sweeper: Sweeper) -> None:
    aid = live_agreement(world, "Review Co")
    detail = get_agreement(world, aid)
    assert detail.row.status == "active"
    from store.models import Agreement

    with world.read() as s:
        ag = s.get(Agreement, aid)
        assert ag is not None
        due = ag.next_review_on
    assert due == date(2026, 7, 1), "live 2026-04-01 + quarterly"
    sweeper.run(at(due - timedelta(days=1)))
    assert reminders(world, aid, "review") == []
    sweeper.run(at(due))
    sweeper.run(at(due, 15))
    got = reminders(world, aid, "review")
    assert sorted(r["recipient"] for r in got) == ["U_SLM", "U_SLM_B"]
    sweeper.run(at(due + timedelta(days=8)))
    overdue = reminders(world, aid, "review_overdue")
    assert len(overdue) == 1
    assert overdue[0]["recipient"] is None  # posted to the channel
    # the review is done: the next one is a quarter after the period's end
    perform(
        world,
        aid,
        "M11",
        forms()["M11"] | {"period_start": "2026-04-01", "period_end": "2026-06-30"},
        actor="U_SLM",
        now=at(due + timedelta(days=9)).astimezone(UTC),
    )
    with world.read() as s:
        ag = s.get(Agreement, aid)
        assert ag is not None
        assert ag.next_review_on == date(2026, 9, 30)


def test_deemed_confirmation_across_a_weekend_and_spring_festival(
    world: Database, sweeper: Sweeper
) -> None:
    # notice on Friday 24 January 2025; 5 working days: Sun 26 Jan (makeup workday), Mon 27,
    # then Spring Festival 28 Jan - 4 Feb, then Wed 5, Thu 6, Fri 7 Feb
    clock = Clock(datetime(2025, 1, 24, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    ag = drive(world, "T2", clock, customer="Deemed Co")
    aid = ag.agreement_id
    sweeper.run(at(date(2025, 2, 7), 23, 59))
    assert get_agreement(world, aid).row.pending == ("T2", "T2.deem")
    report = sweeper.run(at(date(2025, 2, 8), 0, 0))
    assert aid in report.deemed
    assert get_agreement(world, aid).row.pending == ("T3", "T4", "T5")
    with world.read() as s:
        ev = s.execute(
            select(AuditEvent).where(
                col(AuditEvent.agreement_id) == aid, col(AuditEvent.action) == "T2.deem"
            )
        ).scalar_one()
    assert ev.actor == "system"
    assert ev.data["form"] == {"notice_on": "2025-01-24", "deadline": "2025-02-07", "reply_days": 5}
    told = reminders(world, aid, "deemed")
    assert [r["recipient"] for r in told] == ["U_SALES"]
    sweeper.run(at(date(2025, 2, 9)))
    assert len(reminders(world, aid, "deemed")) == 1


def test_stale_task_resent_then_escalated(world: Database, sweeper: Sweeper) -> None:
    # M2 opened on Monday 2 March 2026 (09:00 Shanghai)
    ag = drive(world, "M2", Clock(datetime(2026, 3, 2, 0, 59, tzinfo=UTC)), customer="Stale Co")
    aid = ag.agreement_id
    sweeper.run(at(date(2026, 3, 4), 18))
    assert reminders(world, aid, "stale") == []
    sweeper.run(at(date(2026, 3, 5)))  # 3 working days later
    sweeper.run(at(date(2026, 3, 6)))
    stale = reminders(world, aid, "stale")
    assert sorted(r["recipient"] for r in stale) == ["U_SLM", "U_SLM_B"]
    assert reminders(world, aid, "escalate") == []
    sweeper.run(at(date(2026, 3, 10)))  # 6 working days later
    assert len(reminders(world, aid, "escalate")) == 2


def test_snooze_defers(world: Database, sweeper: Sweeper) -> None:
    aid = live_agreement(world, "Snooze Co")
    end = get_agreement(world, aid).row.end_date
    assert end is not None
    now = at(end - timedelta(days=14), 10)
    sweeper.run(now)
    first = reminders(world, aid, "expiry")[-1]
    due = snooze(world, first["id"], user="U_SALES", days=1, now=now.astimezone(UTC))
    assert due == now.astimezone(UTC) + timedelta(days=1)
    sweeper.run(now + timedelta(hours=23))
    snoozed = [r for r in reminders(world, aid, "expiry") if r["key"].startswith("snooze:")]
    assert [r["status"] for r in snoozed] == ["scheduled"]
    sweeper.run(now + timedelta(days=1))
    snoozed = [r for r in reminders(world, aid, "expiry") if r["key"].startswith("snooze:")]
    assert [r["status"] for r in snoozed] == ["sent"]
    assert snoozed[0]["payload"]["snoozed"] is True


def test_a_snooze_queues_its_confirmation_with_it(world: Database, sweeper: Sweeper) -> None:
    """The snoozer's confirmation is written in the snooze's own transaction: there with the
    new reminder, absent when the snooze is refused."""
    aid = live_agreement(world, "Snooze Notice Co")
    end = get_agreement(world, aid).row.end_date
    assert end is not None
    now = at(end - timedelta(days=14), 10).astimezone(UTC)
    sweeper.run(now)
    first = reminders(world, aid, "expiry")[-1]
    notice: NoticeTo[datetime] = NoticeTo(
        "U_SALES", "D0SALES", lambda due: f"again at {due:%Y-%m-%d %H:%M}"
    )
    snooze(world, first["id"], user="U_SALES", days=2, now=now, notice=notice)
    (row,) = outbox(world, "notice")
    assert row["recipient"] == "U_SALES" and row["agreement_id"] is None
    assert row["payload"]["text"] == f"again at {now + timedelta(days=2):%Y-%m-%d %H:%M}"
    assert row["payload"]["channel"] == "D0SALES"
    with pytest.raises(NotFound):
        snooze(world, 999_999, user="U_SALES", days=1, now=now, notice=notice)
    assert len(outbox(world, "notice")) == 1, "a refused snooze confirms nothing"


def test_a_company_day_off_moves_the_deemed_deadline(world: Database, sweeper: Sweeper) -> None:
    """The override table counts: the sweeper sees an edit without a restart."""
    from store.holidays import remove_override, set_override

    # notice on Monday 2 March 2026: 5 working days -> Monday 9 March
    ag = drive(world, "T2", Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)), customer="Day Off Co")
    sweeper.run(at(date(2026, 3, 1)))  # the calendar is built before the edit
    set_override(world, "CN", date(2026, 3, 4), "holiday", "company day off")
    try:
        sweeper.run(at(date(2026, 3, 10), 0, 5))
        assert get_agreement(world, ag.agreement_id).row.pending == ("T2", "T2.deem")
        report = sweeper.run(at(date(2026, 3, 11), 0, 5))
        assert ag.agreement_id in report.deemed
    finally:
        remove_override(world, "CN", date(2026, 3, 4))


def test_a_sweep_survives_one_bad_agreement(
    world: Database, sweeper: Sweeper, caplog: pytest.LogCaptureFixture
) -> None:
    """One agreement whose data breaks its part of the sweep is logged with an error id; the
    other agreements are handled in the same sweep (issue 14)."""
    from store.models import StepRecord

    clock = Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # notices on Monday 2 March 2026
    good = drive(world, "T2", clock, customer="Good Notice Co").agreement_id
    bad = drive(world, "T2", clock, customer="Bad Notice Co").agreement_id
    sr = table_of(StepRecord)
    with world.write() as s:  # a notice row an older version wrote: reply_days unreadable
        row = (
            s.connection()
            .execute(
                select(sr.c.id, sr.c.data).where(sr.c.agreement_id == bad, sr.c.action == "T1")
            )
            .one()
        )
        s.connection().execute(
            sr.update().where(sr.c.id == row.id).values(data=row.data | {"reply_days": "five"})
        )
    with caplog.at_level("ERROR", logger="slm_bot.sweep"):
        report = sweeper.run(at(date(2026, 3, 11), 0, 5))
    assert good in report.deemed and bad not in report.deemed
    assert get_agreement(world, good).row.pending == ("T3", "T4", "T5")
    assert get_agreement(world, bad).row.pending == ("T2", "T2.deem")
    failed = [f for f in report.failed if f.agreement_id == bad]
    assert [f.stage for f in failed] == ["deem"]
    assert failed[0].error_id in caplog.text and bad in caplog.text
    assert "failed (see the log)" in str(report)
    assert [r["recipient"] for r in reminders(world, good, "deemed")] == ["U_SALES"]
