"""`slm-bot incidents list|add|import` and `slm-bot attainment`: M11's measurement from the
command line (the same use cases as Slack and the API)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.field_errors import problem_text
from bot.flows.forms import parse_form
from bot.flows.incidents import CsvInvalid, IncidentForm, parse_csv
from bot.flows.service_levels import ClockReading
from bot.flows.service_levels.attainment import Attainment
from bot.i18n import LOCALES, Safe, t
from bot.settings import Settings
from store.db import Database

OpenDb = Callable[[Settings], Database]


def _locale(args: argparse.Namespace, settings: Settings) -> str:
    return str(args.locale or settings.locale)


def _when(v: datetime | None, tz: str) -> str:
    return v.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if v else "-"


def cmd_list(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.incidents import list_incidents

    rows = list_incidents(open_db(settings), args.id.upper())
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(t("cli_incidents_none", _locale(args, settings), agreement=args.id.upper()))
        return 0
    tz = settings.timezone
    for r in rows:
        print(
            f"#{r.id:<5} {r.priority.value} {r.impact.value:<9} {_when(r.opened_at, tz)}  "
            f"{_when(r.acknowledged_at, tz)}  {_when(r.resolved_at, tz)}  {r.summary}"
        )
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.incidents import record_incident

    data = {
        "priority": args.priority,
        "impact": args.impact,
        "opened_at": args.opened,
        "acknowledged_at": args.acknowledged,
        "resolved_at": args.resolved,
        "summary": args.summary,
    }
    form = parse_form(IncidentForm, {k: v for k, v in data.items() if v is not None})
    rec = record_incident(
        open_db(settings),
        agreement_id=args.id.upper(),
        form=form,
        actor=args.by,
        now=datetime.now(UTC),
        source="cli",
    )
    print(f"#{rec.id}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.incidents import import_incidents

    loc = _locale(args, settings)
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {args.file}: {exc.__class__.__name__}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    try:
        forms = parse_csv(text, now=now)
    except CsvInvalid as exc:
        print(
            "error: " + t("cli_incidents_refused", loc, file=args.file, count=len(exc.problems)),
            file=sys.stderr,
        )
        for p in exc.problems[:50]:
            words = problem_text(p.problem, loc, form=IncidentForm, name=p.field)
            line = t("cli_incidents_line", loc, line=p.line, field=p.field, text=Safe(words))
            print(f"  {line}", file=sys.stderr)
        return 2
    count = import_incidents(
        open_db(settings), agreement_id=args.id.upper(), forms=forms, actor=args.by, now=now
    )
    print(t("cli_incidents_imported", loc, count=count, agreement=args.id.upper()))
    return 0


def _clock(c: ClockReading | None, loc: str) -> str:
    if c is None:
        return t("cli_attainment_no_target", loc)
    state = t("cli_attainment_breached", loc) if c.breached else ""
    if c.running:
        state = t("cli_attainment_running", loc) + state
    return t(
        "cli_attainment_clock",
        loc,
        elapsed=int(c.elapsed.total_seconds() // 60),
        target=int(c.target.total_seconds() // 60),
        state=Safe(state),
    )


def _minutes(td: timedelta) -> str:
    return f"{td.total_seconds() / 60:.1f}"


def print_attainment(got: Attainment, loc: str, tz: str) -> None:
    a = got.availability
    last = (got.end.astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()
    print(
        t(
            "cli_attainment_head",
            loc,
            agreement=got.agreement_id,
            start=got.start.astimezone(ZoneInfo(tz)).date().isoformat(),
            end=last.isoformat(),
            measured=_when(got.measured_at, tz),
        )
    )
    verdict = t("cli_attainment_met" if a.met else "cli_attainment_missed", loc)
    print(
        t(
            "cli_attainment_availability",
            loc,
            achieved=str(a.achieved_pct),
            target=str(a.target_pct),
            verdict=verdict,
        )
    )
    print(
        t(
            "cli_attainment_hours",
            loc,
            hours=f"{a.service_time.total_seconds() / 3600:.1f}",
            down=_minutes(a.downtime),
            degraded=_minutes(a.degraded),
            budget=_minutes(a.budget),
            left=_minutes(a.budget_left),
        )
    )
    for ic in got.incidents:
        i = ic.incident
        print(
            t(
                "cli_attainment_incident",
                loc,
                id=i.id,
                priority=i.priority.value,
                summary=Safe(i.summary),
                response=Safe(_clock(ic.response, loc)),
                resolution=Safe(_clock(ic.resolution, loc)),
            )
        )
    print(t("cli_attainment_nonconformities", loc, count=len(got.nonconformities)))


def cmd_attainment(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from bot.api import attainment_out
    from store.attainment import agreement_zone, attainment, month_of, period_of

    db = open_db(settings)
    tz = agreement_zone(db, args.id.upper(), settings.timezone)
    now = datetime.now(UTC)
    if args.from_ is None and args.to is None:
        start, end = month_of(now.astimezone(ZoneInfo(tz)).date(), tz)
    else:
        first: date = args.from_ or args.to
        start, end = period_of(first, args.to or now.astimezone(ZoneInfo(tz)).date(), tz)
    got = attainment(db, args.id.upper(), start=start, end=end, now=now, tz=tz)
    if args.json:
        print(attainment_out(got).model_dump_json(indent=2))
    else:
        print_attainment(got, _locale(args, settings), tz)
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Any, open_db: OpenDb) -> None:
    """Add `incidents` and `attainment` to the command line's subparsers."""
    sp = sub.add_parser("incidents", help="an agreement's incidents and outages (M11)")
    isub = sp.add_subparsers(dest="incidents_cmd", required=True, metavar="list|add|import")
    lp = isub.add_parser("list", help="every incident of an agreement, oldest first")
    lp.add_argument("id")
    lp.add_argument("--json", action="store_true")
    lp.add_argument("--locale", choices=LOCALES)
    lp.set_defaults(fn=lambda a, s: cmd_list(a, s, open_db))
    ap = isub.add_parser("add", help="record one incident")
    ap.add_argument("id")
    ap.add_argument("--priority", required=True, help="P1..P4")
    ap.add_argument("--impact", required=True, help="down, degraded or none")
    ap.add_argument("--opened", required=True, help="ISO time with offset")
    ap.add_argument("--acknowledged")
    ap.add_argument("--resolved")
    ap.add_argument("--summary", required=True)
    ap.add_argument("--by", required=True, help="the Slack user id of who records it")
    ap.set_defaults(fn=lambda a, s: cmd_add(a, s, open_db))
    mp = isub.add_parser("import", help="import a CSV file (all rows or none)")
    mp.add_argument("id")
    mp.add_argument("file")
    mp.add_argument("--by", required=True, help="the Slack user id of who imports it")
    mp.add_argument("--locale", choices=LOCALES)
    mp.set_defaults(fn=lambda a, s: cmd_import(a, s, open_db))
    tp = sub.add_parser("attainment", help="an agreement's measured service levels for a period")
    tp.add_argument("id")
    tp.add_argument("--from", dest="from_", type=_day, help="first day (default: this month)")
    tp.add_argument("--to", type=_day, help="last day (default: today)")
    tp.add_argument("--json", action="store_true")
    tp.add_argument("--locale", choices=LOCALES)
    tp.set_defaults(fn=lambda a, s: cmd_attainment(a, s, open_db))
