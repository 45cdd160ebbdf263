"""`slm-bot migrate`, `serve`, `worker`, `sweep`, `holidays`, `outbox` and `sandbox`: running
the bot."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from bot.cli_support import CliError, open_db, utc_now
from bot.settings import Settings
from store.db import Database


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from store.migrate import MigrationRefused, upgrade

    try:
        rev = upgrade(Database(settings.database_url))
    except MigrationRefused as exc:
        raise CliError(str(exc)) from None
    print(f"database at revision {rev} ({Database(settings.database_url).dialect})")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import serve

    return serve(settings, socket_mode=args.socket_mode, scheduler=not args.no_scheduler)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import worker

    return worker(settings)


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    """One sweep as if at `--now` (operators catching up, tests), then send what it queued."""
    from bot.scheduler.runner import sweeper_for

    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise CliError(
                f"--now {args.now!r} is not an ISO-8601 instant (e.g. 2026-12-01T09:00:00+08:00)"
            ) from None
        if now.tzinfo is None:
            raise CliError("--now needs a UTC offset (e.g. 2026-12-01T09:00:00+08:00)")
    else:
        now = utc_now()
    db = open_db(settings, migrate=Database(settings.database_url).is_sqlite)
    report = sweeper_for(settings, db).run(now)
    print(f"sweep at {now.isoformat()}: {report}")
    if args.send:
        import asyncio

        from bot.scheduler.factory import build_dispatcher

        dispatcher = build_dispatcher(settings, db, clock=lambda: now)
        result = asyncio.run(dispatcher.drain())
        print(f"sent {result.sent}, failed {result.failed}, deferred {result.deferred}")
    return 0


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """The outbox: what is pending and what keeps failing (never dropped)."""
    from store.outbox import outbox_summary

    summary = outbox_summary(open_db(settings), limit=50)
    print(
        ", ".join(f"{k}: {v}" for k, v in sorted(summary.counts.items())) or "the outbox is empty"
    )
    for row_id, kind, target, attempts, error in summary.troubled:
        print(f"  #{row_id} {kind} {target} after {attempts} attempts: {error}")
    return 0


def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox import run_sandbox

    return run_sandbox(
        port=args.port, demo=args.demo, db=args.db, locale=args.locale, base=settings
    )


def cmd_holidays(args: argparse.Namespace, settings: Settings) -> int:
    """Company days off and makeup workdays that the `holidays` package lacks."""
    from datetime import date

    from store.holidays import list_overrides, remove_override, set_override

    db = open_db(settings, migrate=Database(settings.database_url).is_sqlite)
    country = (args.country or settings.country).upper()
    if args.holidays_cmd == "list":
        rows = list_overrides(db, country)
        for day, kind, note in rows:
            print(f"{day.isoformat()}  {kind:<8} {note}")
        if not rows:
            print(f"no overrides for {country}")
        return 0
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        raise CliError(f"{args.day!r} is not a date (YYYY-MM-DD)") from None
    if args.holidays_cmd == "remove":
        found = remove_override(db, country, day)
        print(f"{day} removed" if found else f"no override on {day}")
        return 0
    set_override(db, country, day, args.holidays_cmd, args.note)
    print(f"{day} is now a {args.holidays_cmd} in {country}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in one line (`error: ...`), exit code 2."""

    def error(self, message: str) -> Any:  # argparse's signature is NoReturn
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def register(sub: Any) -> None:
    """Add the commands that run the bot (and its holidays and outbox) to the subparsers."""
    sp = sub.add_parser("migrate", help="apply database migrations (Alembic)")
    sp.set_defaults(fn=cmd_migrate)

    sp = sub.add_parser("serve", help="run the Slack app (HTTP, or Socket Mode)")
    sp.add_argument("--socket-mode", action="store_true", help="connect with SLACK_APP_TOKEN")
    sp.add_argument(
        "--no-scheduler",
        action="store_true",
        help="web only: no outbox dispatcher (run `slm-bot worker` elsewhere)",
    )
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("worker", help="sweeps and the outbox dispatcher (no HTTP)")
    sp.set_defaults(fn=cmd_worker)
    sp = sub.add_parser("sweep", help="run one sweep (reminders, deemed confirmations) now")
    sp.add_argument("--now", help="as if at this ISO-8601 instant, with its UTC offset")
    sp.add_argument("--send", action="store_true", help="then send what it queued to Slack")
    sp.set_defaults(fn=cmd_sweep)
    sp = sub.add_parser("holidays", help="company days off / makeup workdays (override table)")
    hsub = sp.add_subparsers(
        dest="holidays_cmd", required=True, metavar="list|holiday|workday|remove"
    )
    hp = hsub.add_parser("list")
    hp.add_argument("--country")
    hp.set_defaults(fn=cmd_holidays)
    for verb, text in (
        ("holiday", "a day off"),
        ("workday", "a working day (makeup)"),
        ("remove", "drop the override"),
    ):
        hp = hsub.add_parser(verb, help=text)
        hp.add_argument("day", help="YYYY-MM-DD")
        hp.add_argument("--country", help="default SLM_COUNTRY")
        hp.add_argument("--note", default="")
        hp.set_defaults(fn=cmd_holidays)

    sp = sub.add_parser("outbox", help="pending and failed Slack messages")
    sp.set_defaults(fn=cmd_outbox)


def register_sandbox(sub: Any) -> None:
    """Add `sandbox` to the subparsers."""
    sp = sub.add_parser(
        "sandbox", help="the bot with a built-in Slack stand-in and a web page: no Slack account"
    )
    sp.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    sp.add_argument("--demo", action="store_true", help="seed demo data into an empty database")
    sp.add_argument(
        "--db", default="sandbox.db", help="SQLite file (default sandbox.db; data is kept)"
    )
    sp.add_argument("--locale", choices=["en", "zh-CN"], default="en", help="the bot's language")
    sp.set_defaults(fn=cmd_sandbox)
