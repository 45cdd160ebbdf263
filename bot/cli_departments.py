"""`slm-bot departments` (the directory of department heads; rule 6) and `slm-bot olas` (the
OLAs of M9 and their signatures; rule 7), with the heads' and signers' answers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings
from store.db import Database

OpenDb = Callable[[Settings], Database]


def _now() -> datetime:
    return datetime.now(UTC)


def cmd_departments(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.departments import directory, set_head
    from store.roles import ensure_admins

    db = open_db(settings)
    if args.dept_cmd == "set":
        ensure_admins(db, settings.admins, now=_now())
        changed = set_head(db, args.department, args.head, by=args.by, now=_now())
        print(f"{args.head} heads {args.department}" if changed else "nothing to change")
        return 0
    rows = directory(db)
    for d in rows:
        print(f"{d.name:<24} {d.head}")
    if not rows:
        print("no department heads yet: slm-bot departments set NAME USER --by ADMIN")
    return 0


def cmd_notices(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    """An agreement's M7 notices and M9 OLAs with their ids and states."""
    from store.ola_signatures import notices_and_olas

    acks, olas = notices_and_olas(open_db(settings), args.id.upper())
    for a in acks:
        state = f"acknowledged {a.acknowledged_at:%Y-%m-%d %H:%M}" if a.acknowledged_at else "-"
        print(f"notice #{a.id:<5} M7 {a.department:<20} head {a.head:<12} {state}")
    for o in olas:
        state = o.status + (f" by {o.signed_by}" if o.signed_by else "")
        print(f"OLA    #{o.id:<5} M9 {o.department:<20} signer {o.signer or '-':<10} {state}")
    return 0


def cmd_acknowledge(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.acknowledgements import acknowledge

    ack = acknowledge(open_db(settings), args.notice, actor=args.actor, now=_now())
    print(f"{ack.agreement_id}: {ack.department} acknowledged by {args.actor} (M7)")
    return 0


def cmd_ola(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store import ola_signatures as sig

    db, now = open_db(settings), _now()
    if args.ola_cmd == "sign":
        ola = sig.sign(db, args.ola, actor=args.actor, now=now)
    elif args.ola_cmd == "query":
        ola = sig.query(db, args.ola, args.text, actor=args.actor, now=now)
    else:
        ola = sig.answer(
            db, args.ola, args.text, actor=args.actor, now=now, commitment=args.commitment
        )
    print(f"{ola.agreement_id}: OLA of {ola.department} is {ola.status} (M9)")
    return 0


def register(sub: Any, open_db: OpenDb) -> None:
    sp = sub.add_parser("departments", help="department heads (M7 notices, OLA signers)")
    dsub = sp.add_subparsers(dest="dept_cmd", required=True)
    dsub.add_parser("list").set_defaults(fn=lambda a, s: cmd_departments(a, s, open_db))
    p = dsub.add_parser("set", help="name a department's head (an admin)")
    p.add_argument("department")
    p.add_argument("head", help="the head's Slack user id")
    p.add_argument("--by", required=True, help="the admin's Slack user id")
    p.set_defaults(fn=lambda a, s: cmd_departments(a, s, open_db))
    p = dsub.add_parser("notices", help="an agreement's M7 notices and M9 OLAs, with ids")
    p.add_argument("id")
    p.set_defaults(fn=lambda a, s: cmd_notices(a, s, open_db))
    p = dsub.add_parser("acknowledge", help="M7: a head acknowledges their department's lines")
    p.add_argument("notice", type=int)
    p.add_argument("--as", dest="actor", required=True)
    p.set_defaults(fn=lambda a, s: cmd_acknowledge(a, s, open_db))

    sp = sub.add_parser("ola", help="M9: sign, query or answer an OLA")
    osub = sp.add_subparsers(dest="ola_cmd", required=True)
    for verb, text in (("sign", None), ("query", "the question"), ("answer", "the answer")):
        p = osub.add_parser(verb)
        p.add_argument("ola", type=int)
        p.add_argument("--as", dest="actor", required=True)
        if text:
            p.add_argument("--text", required=True, help=text)
        if verb == "answer":
            p.add_argument("--commitment", help="the revised commitment (optional)")
        p.set_defaults(fn=lambda a, s: cmd_ola(a, s, open_db))
