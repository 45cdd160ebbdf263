"""Incidents in (recorded, corrected, CSV, Alertmanager) and the attainment computed from them,
on SQLite and PostgreSQL, with the real store (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.flows.alertmanager import AlertmanagerPayload, read_alerts
from bot.flows.errors import DomainError, FormInvalid, PermissionDenied
from bot.flows.forms import parse_form
from bot.flows.incidents import CsvInvalid, IncidentForm, parse_csv
from bot.flows.service_levels import ClockKind, service_calendar
from store.alerts import ingest
from store.attainment import attainment, month_of
from store.db import Database
from store.incidents import correct_incident, import_incidents, list_incidents, record_incident
from store.models import AuditEvent, Incident
from tests.support import Clock, drive

TZ = "Asia/Shanghai"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
# Wednesday 8 April 2026, 10:00 in Shanghai: inside the 7x12 tier's hours
OPENED = datetime(2026, 4, 8, 2, tzinfo=UTC)


def _live(db: Database) -> str:
    return drive(db, "M11", Clock()).agreement_id


def _form(**kw: object) -> IncidentForm:
    data: dict[str, object] = {
        "priority": "P1",
        "impact": "down",
        "opened_at": OPENED.isoformat(),
        "acknowledged_at": (OPENED + timedelta(minutes=45)).isoformat(),
        "resolved_at": (OPENED + timedelta(hours=2)).isoformat(),
        "summary": "Database cluster unreachable",
    }
    data.update(kw)
    return IncidentForm.model_validate(data)


def _count(db: Database, aid: str) -> int:
    with db.read() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Incident).where(col(Incident.agreement_id) == aid)
            ).scalar_one()
        )


def test_record_correct_and_measure(world: Database) -> None:
    aid = _live(world)
    rec = record_incident(world, agreement_id=aid, form=_form(), actor="U_SLM", now=NOW)
    # an outage at night (22:00-23:00 Shanghai) is outside the 7x12 service hours
    night = OPENED + timedelta(hours=12)
    record_incident(
        world,
        agreement_id=aid,
        form=_form(
            opened_at=night.isoformat(),
            acknowledged_at=None,
            resolved_at=(night + timedelta(hours=1)).isoformat(),
            priority="P3",
        ),
        actor="U_OPS",
        now=NOW,
    )
    start, end = month_of(OPENED.date(), TZ)
    got = attainment(world, aid, start=start, end=end, now=NOW, tz=TZ)
    cal = service_calendar(2, tz=TZ)
    assert got.availability.downtime == timedelta(hours=2)
    assert got.availability.service_time == cal.elapsed(start, end)
    assert got.availability.target_pct == Decimal("99.900")
    expected = (1 - Decimal(7200) / Decimal(got.availability.service_time.total_seconds())) * 100
    assert abs(got.availability.achieved_pct - expected) < Decimal("0.001")
    (first, second) = got.incidents
    assert first.response is not None and first.response.breached  # 45 > 30 minutes
    assert first.resolution is not None and not first.resolution.breached  # 120 < 240
    assert second.response is None  # the catalogue sets no P3 target
    kinds = [(n.kind, n.incident_id) for n in got.nonconformities]
    assert ("response", rec.id) in kinds
    assert ClockKind.RESPONSE in first.breached
    # a correction is audited with what it said before
    correct_incident(
        world,
        incident_id=rec.id,
        form=_form(acknowledged_at=(OPENED + timedelta(minutes=20)).isoformat()),
        actor="U_SLM",
        now=NOW,
    )
    got = attainment(world, aid, start=start, end=end, now=NOW, tz=TZ)
    assert not got.incidents[0].breached
    with world.read() as s:
        audit = s.execute(
            select(AuditEvent).where(
                col(AuditEvent.agreement_id) == aid, col(AuditEvent.action) == "incident.correct"
            )
        ).scalar_one()
    assert audit.step == "M11"
    assert audit.before["acknowledged_at"] != audit.after["acknowledged_at"]


def test_who_may_record_and_what(world: Database) -> None:
    aid = _live(world)
    with pytest.raises(PermissionDenied):
        record_incident(world, agreement_id=aid, form=_form(), actor="U_SALES", now=NOW)
    with pytest.raises(DomainError) as err:
        record_incident(world, agreement_id=aid, form=_form(), actor="U_SLM", now=OPENED)
    assert err.value.code == "incident_in_future"
    onboarding = drive(world, "M3", Clock()).agreement_id
    with pytest.raises(DomainError) as err:
        record_incident(world, agreement_id=onboarding, form=_form(), actor="U_SLM", now=NOW)
    assert err.value.code == "not_measured"
    assert _count(world, aid) == 0


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("opened_at", "2026-04-08", "datetime"),
        ("opened_at", "2026-04-08T10:00:00", "datetime"),
        ("opened_at", "9999-12-31T00:00:00+00:00", "datetime_range"),
        ("summary", "bad\x00text", "control_chars"),
        ("summary", "x" * 501, "too_long"),
        ("priority", "P9", "choice"),
        ("resolved_at", "2026-04-07T00:00:00+00:00", "not_before_instant"),
    ],
)
def test_bad_values_are_field_errors(field: str, value: str, code: str) -> None:
    with pytest.raises(FormInvalid) as err:
        parse_form(IncidentForm, _form().model_dump(mode="json") | {field: value})
    assert err.value.problems[field].code == code


CSV_OK = """priority,impact,opened_at,acknowledged_at,resolved_at,summary
P1,down,2026-04-08T10:00:00+08:00,2026-04-08T10:20:00+08:00,2026-04-08T11:00:00+08:00,Disk full
P2,degraded,2026-04-09T09:00:00+08:00,,2026-04-09T09:30:00+08:00,"Slow queries, replica lag"
"""


def test_csv_import_is_all_or_nothing(world: Database) -> None:
    aid = _live(world)
    bad = CSV_OK + "P2,down,2026-04-10T09:00:00,,,Missing offset\n"
    with pytest.raises(CsvInvalid) as err:
        parse_csv(bad, now=NOW)
    (problem,) = err.value.problems
    assert (problem.line, problem.field, problem.problem.code) == (4, "opened_at", "datetime")
    assert _count(world, aid) == 0
    forms = parse_csv(CSV_OK, now=NOW)
    assert import_incidents(world, agreement_id=aid, forms=forms, actor="U_SLM", now=NOW) == 2
    assert [i.summary for i in list_incidents(world, aid)] == [
        "Disk full",
        "Slow queries, replica lag",
    ]
    with pytest.raises(CsvInvalid) as err:
        parse_csv("priority,impact,opened_at,summary,colour\n", now=NOW)
    assert err.value.problems[0].problem.code == "csv_unknown_column"


CSV_PAUSED = "\n".join(
    [
        "priority,impact,opened_at,acknowledged_at,resolved_at,summary,"
        "paused_at,pause_ended_at,pause_reason",
        "P1,down,2026-04-08T10:00:00+08:00,,2026-04-08T13:00:00+08:00,Disk full,"
        "2026-04-08T11:00:00+08:00,2026-04-08T12:00:00+08:00,Waiting for the customer's DBA",
        "",
    ]
)


def test_csv_lines_may_carry_a_pause(world: Database) -> None:
    aid = _live(world)
    (form,) = parse_csv(CSV_PAUSED, now=NOW)
    (pause,) = form.pauses
    assert pause.end is not None and (pause.end - pause.start).total_seconds() == 3600
    assert pause.reason == "Waiting for the customer's DBA"
    assert import_incidents(world, agreement_id=aid, forms=[form], actor="U_SLM", now=NOW) == 1
    (stored,) = list_incidents(world, aid)
    assert [p.reason for p in stored.pauses] == ["Waiting for the customer's DBA"]


@pytest.mark.parametrize(
    ("pause", "field", "code"),
    [
        (
            "2026-04-08T11:00:00+08:00,2026-04-08T10:30:00+08:00,r",
            "pause_ended_at",
            "not_before_instant",
        ),
        (",2026-04-08T10:30:00+08:00,r", "paused_at", "datetime"),
        ("2026-04-08T09:00:00+08:00,,r", "paused_at", "pause_outside"),
        ("yesterday,,r", "paused_at", "datetime"),
    ],
)
def test_a_bad_pause_is_named_by_its_line_and_column(pause: str, field: str, code: str) -> None:
    head, line = CSV_PAUSED.splitlines()
    bad = ",".join(line.split(",")[:6]) + "," + pause
    with pytest.raises(CsvInvalid) as err:
        parse_csv(f"{head}\n{bad}\n", now=NOW)
    (problem,) = err.value.problems
    assert (problem.line, problem.field, problem.problem.code) == (2, field, code)


def _alert(aid: str, status: str, ends: str | None = None) -> AlertmanagerPayload:
    return AlertmanagerPayload.model_validate(
        {
            "version": "4",
            "status": status,
            "alerts": [
                {
                    "status": status,
                    "labels": {"sla": aid, "alertname": "DBDown", "severity": "critical"},
                    "annotations": {"summary": "Primary database down"},
                    "startsAt": "2026-04-08T10:00:00+08:00",
                    "endsAt": ends or "0001-01-01T00:00:00Z",
                    "fingerprint": "a1b2c3",
                },
                {
                    "status": status,
                    "labels": {"alertname": "NoLabel"},
                    "startsAt": "2026-04-08T10:00:00+08:00",
                    "fingerprint": "ffff",
                },
            ],
        }
    )


def test_alerts_open_and_close_once(world: Database) -> None:
    aid = _live(world)
    firing, ignored = read_alerts(_alert(aid, "firing"), label="sla")
    assert [i.fingerprint for i in ignored] == ["ffff"]
    assert ingest(world, firing, now=NOW).opened == 1
    assert ingest(world, firing, now=NOW).unchanged == 1  # a resend
    resolved, _ = read_alerts(_alert(aid, "resolved", "2026-04-08T10:30:00+08:00"), label="sla")
    assert ingest(world, resolved, now=NOW).closed == 1
    assert ingest(world, resolved, now=NOW).unchanged == 1
    (inc,) = list_incidents(world, aid)
    assert inc.resolved_at == datetime(2026, 4, 8, 2, 30, tzinfo=UTC)
    assert inc.priority.value == "P1" and inc.source == "alertmanager"
    start, end = month_of(OPENED.date(), TZ)
    got = attainment(world, aid, start=start, end=end, now=NOW, tz=TZ)
    assert got.availability.downtime == timedelta(minutes=30)


def test_the_agreements_own_time_zone(world: Database) -> None:
    """A 7x12 agreement served in Berlin: an outage at 06:00-07:00 Berlin time (13:00-14:00 in
    Shanghai) is outside its service hours; the same outage on a Shanghai agreement counts."""
    berlin = drive(
        world, "M11", Clock(), override={"M1": {"service_timezone": "Europe/Berlin"}}
    ).agreement_id
    shanghai = _live(world)
    opened = datetime(2026, 4, 8, 4, tzinfo=UTC)  # 06:00 in Berlin (CEST), 12:00 in Shanghai
    form = _form(
        opened_at=opened.isoformat(),
        acknowledged_at=None,
        resolved_at=(opened + timedelta(hours=1)).isoformat(),
    )
    for aid in (berlin, shanghai):
        record_incident(world, agreement_id=aid, form=form, actor="U_SLM", now=NOW)
    start, end = month_of(OPENED.date(), "Europe/Berlin")
    got = attainment(world, berlin, start=start, end=end, now=NOW, tz=TZ)
    assert got.tz == "Europe/Berlin" and got.availability.downtime == timedelta(0)
    # the service hours are Berlin's 08:00-20:00 (the holidays stay the company's country's)
    assert got.availability.service_time == service_calendar(2, tz="Europe/Berlin").elapsed(
        start, end
    )
    start, end = month_of(OPENED.date(), TZ)
    other = attainment(world, shanghai, start=start, end=end, now=NOW, tz=TZ)
    assert other.tz == TZ and other.availability.downtime == timedelta(hours=1)


def test_feasibility_gaps_at_drafting(world: Database) -> None:
    """C2 promises 99.9 % and P1 30/240 (the catalogue's DB-OPS); the DBA OLA commits to
    99.5 % and P1 30/480, the supplier to 99.99 %: two gaps, both named in the thread."""
    from bot.blocks.cards import event_blocks
    from store.effects import last_record

    override = {
        "M6": {"scope": "Backup appliance support, 99.99%"},
        "M9": {"olas": "DBA: P1 30/480, 99.5% inside 08-20\nNetwork: 1 h response"},
    }
    aid = drive(world, "C3", Clock(), override=override).agreement_id
    with world.read() as s:
        rec = last_record(s, aid, "C2")
        assert rec is not None
        found = rec.data["feasibility_gaps"]
    assert [(g["kind"], g["name"], g["measure"]) for g in found] == [
        ("ola", "DBA", "availability"),
        ("ola", "DBA", "resolution"),
    ]
    for locale, words in (
        ("en", "resolution 480 min against the SLA's 240 min"),
        ("zh-CN", "解决 480 分钟"),
    ):
        _, blocks = event_blocks(
            {"action": "C2", "actor": "U_SALES"},
            agreement_id=aid,
            data=rec.data,
            documents=[],
            lock_version=1,
            locale=locale,
        )
        assert words in str(blocks)


def test_feasibility_shows_in_the_draft_modal(world: Database) -> None:
    import asyncio

    from bot.blocks.context import StepContext
    from bot.handlers.common import Deps, step_view
    from bot.settings import Settings

    override = {"M9": {"olas": "DBA: P1 30/480 inside 08-20\nNetwork: 1 h response"}}
    out = drive(world, "C2", Clock(), override=override)
    deps = Deps(db=world, settings=Settings(DATABASE_URL=world.url, SLM_LOCALE="zh-CN"))
    ctx = StepContext(agreement_id=out.agreement_id, action="C2", lock_version=out.lock_version)
    view = asyncio.run(step_view(deps, ctx))
    assert "支撑不足" in str(view) and "解决 480 分钟" in str(view)


def test_a_grouped_notification_replayed(world: Database) -> None:
    """Alertmanager groups alerts: three outages of one agreement in one notification (two
    overlapping), replayed: the downtime is their union, once."""
    aid = _live(world)

    def alert(fp: str, start: str, ends: str) -> dict[str, object]:
        return {
            "status": "resolved",
            "labels": {"sla": aid, "alertname": fp},
            "startsAt": start,
            "endsAt": ends,
            "fingerprint": fp,
        }

    payload = AlertmanagerPayload.model_validate(
        {
            "version": "4",
            "status": "resolved",
            "alerts": [
                alert("a", "2026-04-08T10:00:00+08:00", "2026-04-08T10:30:00+08:00"),
                alert("b", "2026-04-08T10:20:00+08:00", "2026-04-08T10:50:00+08:00"),
                alert("c", "2026-04-08T14:00:00+08:00", "2026-04-08T14:10:00+08:00"),
            ],
        }
    )
    signals, _ = read_alerts(payload, label="sla")
    for _ in range(2):  # the resend changes nothing
        ingest(world, signals, now=NOW)
    assert len(list_incidents(world, aid)) == 3
    start, end = month_of(OPENED.date(), TZ)
    got = attainment(world, aid, start=start, end=end, now=NOW, tz=TZ)
    assert got.availability.downtime == timedelta(minutes=60)  # 10:00-10:50 and 14:00-14:10


def test_the_draft_sets_its_own_targets(world: Database) -> None:
    """M4 may change the catalogue's P1 30/240 for this SLA: with 60/600 the 45-minute
    response is met; a bad line is a field error."""
    aid = drive(world, "M11", Clock(), override={"M4": {"targets": "P1: 60/600"}}).agreement_id
    record_incident(world, agreement_id=aid, form=_form(), actor="U_SLM", now=NOW)
    start, end = month_of(OPENED.date(), TZ)
    got = attainment(world, aid, start=start, end=end, now=NOW, tz=TZ)
    (ic,) = got.incidents
    assert ic.response is not None and ic.response.target == timedelta(minutes=60)
    assert not ic.breached
    with pytest.raises(FormInvalid) as err:
        drive(world, "M5", Clock(), override={"M4": {"targets": "P1 fast"}})
    assert err.value.problems["targets"].code == "targets_line"
