"""`slm-bot roles`, `catalog`, `request`, `act` and `demo`: recording roles, the catalogue and
steps from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_support import CliError, json_arg, open_db, utc_now
from bot.flows.roles import parse_role
from bot.settings import Settings


def cmd_roles(args: argparse.Namespace, settings: Settings) -> int:
    from store.roles import assignments, ensure_admins, grant_role, revoke_role

    db = open_db(settings)
    if args.roles_cmd == "list":
        for role, users in assignments(db).items():
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
    ensure_admins(db, settings.admins, now=utc_now())
    fn = grant_role if args.roles_cmd == "grant" else revoke_role
    changed = fn(db, args.user, role, by=by, now=utc_now())
    verb = "granted" if args.roles_cmd == "grant" else "revoked"
    print(f"{role.value} {verb} for {args.user}" if changed else "nothing to change")
    return 0


def cmd_catalog(args: argparse.Namespace, settings: Settings) -> int:
    from store.catalogue import catalogue, save_entry

    db = open_db(settings)
    if args.catalog_cmd == "save":
        e = save_entry(
            db,
            json_arg(args.data, "--data"),
            actor=args.actor,
            now=utc_now(),
            agreement_id=args.agreement,
        )
        print(f"{e.code} v{e.version} saved")
        return 0
    for e in catalogue(db, include_inactive=True):
        print(
            f"{e.code:<10} v{e.version:<3} tier {e.tier}  {e.price:>12}  "
            f"{e.availability_pct}%  {e.name}{'' if e.active else ' (inactive)'}"
        )
    return 0


def cmd_request(args: argparse.Namespace, settings: Settings) -> int:
    from store.lifecycle import submit_request

    out = submit_request(
        open_db(settings), json_arg(args.data, "--data"), actor=args.actor, now=utc_now()
    )
    print(f"{out.agreement_id} created; next: {', '.join(out.pending)}")
    return 0


def cmd_act(args: argparse.Namespace, settings: Settings) -> int:
    from store.lifecycle import perform

    out = perform(
        open_db(settings),
        args.id.upper(),
        args.action,
        json_arg(args.data, "--data"),
        actor=args.actor,
        now=utc_now(),
    )
    nxt = ", ".join(out.pending) or out.status.value
    print(f"{out.agreement_id}: {out.action} done ({out.branch}); next: {nxt}")
    if out.previous_record is not None:
        from bot.cli_redraft import print_changes

        print_changes(open_db(settings), out, settings.locale)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from store.demo import seed_demo
    from store.queries import count_agreements

    db = open_db(settings, migrate=True)
    if count_agreements(db) and not args.force:
        print("the database already holds agreements; demo data not added (--force adds it)")
        return 0
    ids = seed_demo(db, now=utc_now())
    print(f"demo data seeded: {', '.join(ids)}")
    return 0


def register(sub: Any) -> None:
    """Add `roles`, `catalog`, `request`, `act` and `demo` to the subparsers."""
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
