"""The `slm-bot` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.field_errors import localized_errors
from bot.flows.errors import DomainError, FormInvalid
from bot.flows.roles import parse_role
from bot.render.errors import cli_error_text
from bot.settings import Settings
from store.db import Database

Handler = Callable[[argparse.Namespace, Settings], int]


class CliError(Exception):
    """A problem with the command line or its input; printed without a trace."""


def _now() -> datetime:
    return datetime.now(UTC)


#: databases a command opened; `main` closes their connections when the command ends
_OPENED: list[Database] = []


def _db(settings: Settings, *, migrate: bool = False) -> Database:
    db = Database(settings.database_url, timezone=settings.timezone)
    _OPENED.append(db)
    if migrate:
        from store.migrate import upgrade

        upgrade(db)
    return db


def _json_arg(text: str, what: str) -> dict[str, Any]:
    """`{"a": 1}` inline, `@file.json`, or `-` for standard input."""
    raw = (
        sys.stdin.read()
        if text == "-"
        else (_read_file(text[1:], what) if text[:1] == "@" else text)
    )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise CliError(f"{what} must be a JSON object")
    return data


def _read_file(name: str, what: str) -> str:
    """The text of a file named on the command line; a missing or unreadable one is a user
    error named in one line."""
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{what}: no such file: {name}") from None
    except IsADirectoryError:
        raise CliError(f"{what}: {name} is a directory, not a file") from None
    except PermissionError:
        raise CliError(f"{what}: {name} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise CliError(f"{what}: {name} is not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"{what}: {name} cannot be read ({exc.strerror})") from None


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from store.migrate import upgrade

    rev = upgrade(Database(settings.database_url))
    print(f"database at revision {rev} ({Database(settings.database_url).dialect})")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from store.queries import ListFilter, list_agreements

    rows = list_agreements(_db(settings), ListFilter(args.filter), user=args.user, limit=args.limit)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no agreements")
        return 0
    print(f"{'ID':<14} {'CUSTOMER':<24} {'TIER':<4} {'END':<10}  CURRENT")
    for r in rows:
        end = r.end_date.isoformat() if r.end_date else "-"
        print(f"{r.id:<14} {r.customer[:24]:<24} {r.tier or '-'!s:<4} {end:<10}  {r.current}")
    return 0


def print_waiting(heads: list[tuple[str, str]], olas: list[tuple[str, str, str]]) -> None:
    """Who has not acknowledged M7 or signed an OLA yet (issue 9, rules 6 and 7)."""
    for dept, head in heads:
        print(f"  not acknowledged (M7): {dept} (head {head})")
    for dept, signer, status in olas:
        print(f"  OLA not signed (M9): {dept} (signer {signer or '-'}, {status})")


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_redraft import doc_words
    from bot.flows.sla_versions import pending_in
    from bot.history import event_words
    from store.queries import get_agreement

    d = get_agreement(_db(settings), args.id)
    if args.json:
        print(
            json.dumps(
                d.__dict__,
                default=lambda o: getattr(o, "__dict__", str(o)),
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    r = d.row
    print(f"{r.id}  {d.title}")
    print(f"  customer: {r.customer}   status: {r.status}   current: {r.current}")
    print(
        f"  SLA version: {d.sla_version}   tier: {r.tier or '-'}   "
        f"term: {d.start_date or '-'} .. {r.end_date or '-'}   review: {d.review_cadence}"
    )
    pending = pending_in(d.versions)
    if pending is not None:
        print(
            f"  SLA v{pending.number} (tier {pending.tier}) signed, takes effect on "
            f"{pending.effective_from.isoformat()}; v{d.sla_version} in effect until then"
        )
    print(
        f"  sales: {r.sales_user}   owner: {r.owner or '-'}   open: {', '.join(r.pending) or '-'}"
    )
    if d.tasks:
        print("tasks:")
        for t in d.tasks:
            print(f"  {t['action']:<12} {', '.join(t['assignees']) or '(no one holds the role)'}")
    print_waiting(d.waiting_heads, d.waiting_olas)
    if d.versions:
        print("versions:")
        for v in d.versions:
            print(
                f"  v{v['number']} {v['status']:<10} {v['start_date']} .. {v['end_date']}  "
                f"tier {v['tier']}  {v['price']}  ({v['created_step']})"
            )
    if d.accounting:
        a = d.accounting
        pct = f" ({a['variance_pct']}%)" if a.get("variance_pct") is not None else ""
        print(
            f"accounting (T6): planned {a.get('planned_cost')}   actual {a.get('actual_cost')}"
            f"   variance {a.get('variance')}{pct}"
        )
    print("history:")
    for h in d.history:
        print(f"  {h['at']:%Y-%m-%d %H:%M}  {event_words(h, settings.locale)}")
    print(f"documents: {len(d.documents)}")
    for doc in d.documents:
        print(f"  {doc['number']:<28} {doc_words(doc, settings.locale)}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from store.backup import dumps, export_data

    text = dumps(export_data(_db(settings)))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"exported to {args.output}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from store.backup import ImportError_, import_data

    path = Path(args.file)
    try:
        data = json.loads(_read_file(args.file, "import"))
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} is not an slm-bot export (expected a JSON object)")
    try:
        counts = import_data(_db(settings, migrate=True), data)
    except ImportError_ as exc:
        raise CliError(str(exc)) from None
    print(f"imported {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def cmd_roles(args: argparse.Namespace, settings: Settings) -> int:
    from store.roles import all_assignments, ensure_admins, grant_role, revoke_role

    db = _db(settings)
    if args.roles_cmd == "list":
        with db.read() as s:
            for role, users in all_assignments(s).items():
                print(f"{role:<17} {', '.join(users) or '-'}")
        return 0
    try:
        role = parse_role(args.role)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    by = (args.by or "").strip()
    if not by or by.startswith("system:"):
        raise CliError(
            f"roles {args.roles_cmd} needs --by ADMIN: the Slack user id of an admin who "
            "assigns the role (the first admin comes from SLM_ADMINS)"
        )
    # the configured admins hold admin before anyone acts (as `serve` does at start-up)
    ensure_admins(db, settings.admins, now=_now())
    fn = grant_role if args.roles_cmd == "grant" else revoke_role
    changed = fn(db, args.user, role, by=by, now=_now())
    verb = "granted" if args.roles_cmd == "grant" else "revoked"
    print(f"{role.value} {verb} for {args.user}" if changed else "nothing to change")
    return 0


def cmd_catalog(args: argparse.Namespace, settings: Settings) -> int:
    from store.catalogue import current_entries, save_entry

    db = _db(settings)
    if args.catalog_cmd == "save":
        e = save_entry(
            db,
            _json_arg(args.data, "--data"),
            actor=args.actor,
            now=_now(),
            agreement_id=args.agreement,
        )
        print(f"{e.code} v{e.version} saved")
        return 0
    with db.read() as s:
        for e in current_entries(s, include_inactive=True):
            print(
                f"{e.code:<10} v{e.version:<3} tier {e.tier}  {e.price:>12}  "
                f"{e.availability_pct}%  {e.name}{'' if e.active else ' (inactive)'}"
            )
    return 0


def cmd_request(args: argparse.Namespace, settings: Settings) -> int:
    from store.lifecycle import submit_request

    out = submit_request(
        _db(settings), _json_arg(args.data, "--data"), actor=args.actor, now=_now()
    )
    print(f"{out.agreement_id} created; next: {', '.join(out.pending)}")
    return 0


def cmd_act(args: argparse.Namespace, settings: Settings) -> int:
    from store.lifecycle import perform

    out = perform(
        _db(settings),
        args.id.upper(),
        args.action,
        _json_arg(args.data, "--data"),
        actor=args.actor,
        now=_now(),
    )
    nxt = ", ".join(out.pending) or out.status.value
    print(f"{out.agreement_id}: {out.action} done ({out.branch}); next: {nxt}")
    if out.previous_record is not None:
        from bot.cli_redraft import print_changes

        print_changes(_db(settings), out, settings.locale)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from store.demo import seed_demo
    from store.queries import count_agreements

    db = _db(settings, migrate=True)
    if count_agreements(db) and not args.force:
        print("the database already holds agreements; demo data not added (--force adds it)")
        return 0
    ids = seed_demo(db, now=_now())
    print(f"demo data seeded: {', '.join(ids)}")
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
        now = _now()
    db = _db(settings, migrate=Database(settings.database_url).is_sqlite)
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

    summary = outbox_summary(_db(settings), limit=50)
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

    db = _db(settings, migrate=Database(settings.database_url).is_sqlite)
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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="slm-bot", description="Service Level Management bot")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

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

    sp = sub.add_parser("agreements", help="list or show agreements")
    asub = sp.add_subparsers(dest="agreements_cmd", required=True, metavar="list|show")
    lp = asub.add_parser("list", help="list agreements")
    lp.add_argument(
        "filter", nargs="?", default="open", choices=["open", "mine", "expiring", "all"]
    )
    lp.add_argument("--user", help="whose agreements `mine` lists")
    lp.add_argument("--limit", type=int, default=50)
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(fn=cmd_list)
    shp = asub.add_parser("show", help="state, current step and history of one agreement")
    shp.add_argument("id")
    shp.add_argument("--json", action="store_true")
    shp.set_defaults(fn=cmd_show)

    from bot import cli_docs

    cli_docs.register(sub, _db)
    from bot import cli_departments

    cli_departments.register(sub, _db)

    from bot import cli_measure

    cli_measure.register(sub, _db)

    sp = sub.add_parser("export", help="export all data as JSON")
    sp.add_argument("-o", "--output", help="file (default: standard output)")
    sp.set_defaults(fn=cmd_export)
    sp = sub.add_parser("import", help="import an export into an empty database")
    sp.add_argument("file")
    sp.set_defaults(fn=cmd_import)

    sp = sub.add_parser("roles", help="list, grant or revoke roles")
    rsub = sp.add_subparsers(dest="roles_cmd", required=True, metavar="list|grant|revoke")
    rsub.add_parser("list").set_defaults(fn=cmd_roles)
    for verb in ("grant", "revoke"):
        rp = rsub.add_parser(verb)
        rp.add_argument("user")
        rp.add_argument("role")
        rp.add_argument("--by", default=None, help="the acting admin's Slack user id (required)")
        rp.set_defaults(fn=cmd_roles)

    sp = sub.add_parser("catalog", help="the service catalogue")
    csub = sp.add_subparsers(dest="catalog_cmd", required=True, metavar="list|save")
    csub.add_parser("list").set_defaults(fn=cmd_catalog)
    cp = csub.add_parser("save", help="add an entry or a new version of one")
    cp.add_argument("--data", required=True, help="JSON object, @file or -")
    cp.add_argument("--as", dest="actor", required=True, help="acting user (role slm)")
    cp.add_argument(
        "--for",
        dest="agreement",
        default=None,
        help="the agreement whose M3 or C1 (catalogue update) this edit is part of (audited)",
    )
    cp.set_defaults(fn=cmd_catalog)

    sp = sub.add_parser("request", help="M1: record a customer's request (new agreement)")
    sp.add_argument("--data", required=True, help="M1 form as JSON object, @file or -")
    sp.add_argument("--as", dest="actor", required=True, help="acting user (role sales)")
    sp.set_defaults(fn=cmd_request)

    sp = sub.add_parser("act", help="do a step's action on an agreement (e.g. M2, M9.review)")
    sp.add_argument("id")
    sp.add_argument("action")
    sp.add_argument("--data", required=True, help="form as JSON object, @file or -")
    sp.add_argument("--as", dest="actor", required=True, help="acting user")
    sp.set_defaults(fn=cmd_act)

    sp = sub.add_parser("demo", help="migrate and seed demo people, catalogue and agreements")
    sp.add_argument("--force", action="store_true", help="seed even if agreements exist")
    sp.set_defaults(fn=cmd_demo)

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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{str(err['loc'][0]) if err['loc'] else 'settings'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        print(f"error: {problems}", file=sys.stderr)
        return 2
    fn: Handler = args.fn
    try:
        code = fn(args, settings)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except FormInvalid as exc:
        texts = localized_errors(exc, settings.locale)  # the project's words, not pydantic's
        problems = "; ".join(f"{name}: {msg}" for name, msg in texts.items())
        print(f"error: the form has problems: {problems}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {cli_error_text(exc, settings.locale)}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        return 130
    finally:
        while _OPENED:
            _OPENED.pop().dispose()


def _closed_pipe() -> int:
    """The reader went away (`slm-bot agreements show X | head`): stop quietly, as `cat` does.
    Standard output is pointed at /dev/null so that the interpreter's final flush cannot
    raise again; the exit code is the shell's for SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass
    finally:
        os.close(devnull)
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
