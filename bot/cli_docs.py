"""`slm-bot docs list ID` and `slm-bot docs render ID [--kind K] [--version N] [--format F]
[--locale L] [-o DIR]`: an agreement's issued documents, and files of them; `docs bundle ID`
(one zip) and `docs backfill [ID] --as USER` (text for documents issued before 0008)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.documents.render import FORMATS, LOCALES, PdfUnavailable, pdf_available
from bot.flows.documents import DocKind, parse_kind
from bot.flows.errors import NotFound
from bot.settings import Settings
from store.db import Database

OpenDb = Callable[[Settings], Database]


class DocsError(NotFound):
    """A document the command line cannot find (one line, exit code 2)."""


def _kind(text: str | None) -> DocKind | None:
    if text is None:
        return None
    kind = parse_kind(text)
    if kind is None:
        known = ", ".join(k.value for k in DocKind)
        raise DocsError(code="unknown_document_kind", kind=text, known=known)
    return kind


def cmd_list(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.doc_queries import list_documents

    rows = list_documents(open_db(settings), args.id)
    if not rows:
        print(f"{args.id.upper()} has no documents yet")
        return 0
    print(f"{'NUMBER':<28} {'STATUS':<11} {'ISSUED':<10}  DOCUMENT")
    for r in rows:
        issued = r.issued_on.isoformat() if r.issued_on else "-"
        print(f"{r.number:<28} {r.status.value:<11} {issued:<10}  {r.name(args.locale)}")
    return 0


def cmd_render(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.doc_files import render_file
    from store.doc_queries import list_documents, select_documents

    if args.format == "pdf" and (why := pdf_available()) is not None:
        raise DocsError(code="pdf_unavailable", why=why)
    db = open_db(settings)
    rows = list_documents(db, args.id)
    if not rows:
        raise DocsError(code="no_documents", agreement=args.id.upper())
    chosen = select_documents(rows, _kind(args.kind), args.version)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for doc in chosen:
        try:
            f = render_file(db, doc, args.locale, args.format)
        except PdfUnavailable as exc:
            raise DocsError(code="pdf_unavailable", why=str(exc)) from None
        path = out / f.name
        path.write_bytes(f.content)
        print(path)
    return 0


def cmd_bundle(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from store.doc_files import bundle

    name, data = bundle(open_db(settings), args.id)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    print(out / name)
    return 0


def cmd_backfill(args: argparse.Namespace, settings: Settings, open_db: OpenDb) -> int:
    from datetime import UTC, datetime

    from bot.i18n import Safe, t
    from store.doc_backfill import backfill

    loc = settings.locale
    done = backfill(open_db(settings), args.id, actor=args.actor, now=datetime.now(UTC))
    for b in done:
        aid = Safe(b.agreement_id)
        if b.numbers:
            print(t("cli_backfill_done", loc, id=aid, numbers=Safe(", ".join(b.numbers))))
        if b.failed:
            print(t("cli_backfill_failed", loc, id=aid, numbers=Safe(", ".join(b.failed))))
    if not any(b.numbers or b.failed for b in done):
        print(t("cli_backfill_none", loc))
    return 1 if any(b.failed for b in done) else 0


def register(sub: Any, open_db: OpenDb) -> None:
    """Add `docs list` and `docs render` to the command line's subparsers."""
    sp = sub.add_parser("docs", help="an agreement's documents: list, or render to files")
    dsub = sp.add_subparsers(dest="docs_cmd", required=True, metavar="list|render|bundle|backfill")
    lp = dsub.add_parser("list", help="number, status, date and name of every document")
    lp.add_argument("id")
    lp.add_argument("--locale", choices=LOCALES, default="en")
    lp.set_defaults(fn=lambda a, s: cmd_list(a, s, open_db))
    rp = dsub.add_parser("render", help="write documents as files and print their paths")
    rp.add_argument("id")
    rp.add_argument("--kind", help="a document kind (sla, ola, service_report, ...); all without")
    rp.add_argument("--version", type=int, help="that version (default: the latest)")
    rp.add_argument("--format", choices=FORMATS, default="md")
    rp.add_argument("--locale", choices=LOCALES, default="en")
    rp.add_argument("-o", "--output", default=".", help="directory (default: here)")
    rp.set_defaults(fn=lambda a, s: cmd_render(a, s, open_db))
    bp = dsub.add_parser("bundle", help="every document, both languages, in one zip with an index")
    bp.add_argument("id")
    bp.add_argument("-o", "--output", default=".", help="directory (default: here)")
    bp.set_defaults(fn=lambda a, s: cmd_bundle(a, s, open_db))
    fp = dsub.add_parser(
        "backfill", help="render documents issued before 0008 from their data (reconstructed)"
    )
    fp.add_argument("id", nargs="?", help="one agreement (default: every one that needs it)")
    fp.add_argument("--as", dest="actor", required=True, help="who runs it (audited)")
    fp.set_defaults(fn=lambda a, s: cmd_backfill(a, s, open_db))
