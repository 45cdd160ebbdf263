"""`slm-bot agreements list|show`, `export` and `import`: reading agreements, and the whole
database as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli_support import CliError, open_db, read_file
from bot.settings import Settings


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from store.queries import ListFilter, list_agreements

    rows = list_agreements(
        open_db(settings), ListFilter(args.filter), user=args.user, limit=args.limit
    )
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

    d = get_agreement(open_db(settings), args.id)
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
        f"  SLA version: {d.sla_version or 'not signed yet (M5)'}   tier: {r.tier or '-'}   "
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

    text = dumps(export_data(open_db(settings)))
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
        data = json.loads(read_file(args.file, "import"))
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} is not an slm-bot export (expected a JSON object)")
    try:
        counts = import_data(open_db(settings, migrate=True), data)
    except ImportError_ as exc:
        raise CliError(str(exc)) from None
    print(f"imported {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def register(sub: Any) -> None:
    """Add `agreements list|show` to the subparsers."""
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


def register_backup(sub: Any) -> None:
    """Add `export` and `import` to the subparsers."""
    sp = sub.add_parser("export", help="export all data as JSON")
    sp.add_argument("-o", "--output", help="file (default: standard output)")
    sp.set_defaults(fn=cmd_export)
    sp = sub.add_parser("import", help="import an export into an empty database")
    sp.add_argument("file")
    sp.set_defaults(fn=cmd_import)
