"""Rendering every document of one agreement (the canonical sample life, M1 -> T7).

Times, on a temporary SQLite database, with the templates already compiled:
  * Markdown: every document rendered from its template and the agreement's context, in
    English and Simplified Chinese (what a step does when it completes, for all steps);
  * HTML: every issued Markdown text turned into a standalone page, both languages;
  * PDF: every document as PDF in one language (WeasyPrint; reported, not a target).

    python benchmarks/bench_documents.py [--runs 5] [--pdf-locale zh-CN] [--no-pdf]

The target is Markdown + HTML under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlmodel import col  # noqa: E402

from bot.documents.render import LOCALES, pdf_available, to_html, to_pdf  # noqa: E402
from bot.flows.integrity import NEEDS_SIGNED  # noqa: E402
from bot.flows.roles import Role  # noqa: E402
from bot.flows.samples import DOER, FULL_LIFE, sample_forms  # noqa: E402
from store.catalogue import save_entry  # noqa: E402
from store.db import Database  # noqa: E402
from store.demo import departments_answer  # noqa: E402
from store.departments import set_head  # noqa: E402
from store.doc_facts import load_facts  # noqa: E402
from store.documents import render_again  # noqa: E402
from store.lifecycle import perform, submit_request  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Agreement, Document, DocumentText, StepRecord  # noqa: E402
from store.roles import CONFIG_ACTOR, grant_role  # noqa: E402

TARGET_MS = 200.0
USERS = {r: f"U_{r.value.upper()}" for r in Role}


def life(db: Database) -> str:
    upgrade(db)
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)
    for role, user in USERS.items():
        grant_role(db, user, role, by=CONFIG_ACTOR, now=now)
    grant_role(db, "U_SLM_B", Role.SLM, by=CONFIG_ACTOR, now=now)
    for department in ("DBA", "Network"):  # the sample breakdown's and OLAs' departments
        set_head(db, department, USERS[Role.SUPPORT_DEPT], by=USERS[Role.ADMIN], now=now)
    entry = {
        "code": "DB-OPS",
        "name": "Database operations",
        "name_zh": "数据库运维",
        "tier": 2,
        "price": "120000",
        "availability_pct": "99.9",
        "targets": {"P1": {"response_min": 30, "resolution_min": 240}},
    }
    save_entry(db, entry, actor=USERS[Role.SLM], now=now)
    forms = sample_forms(
        date(2026, 4, 1),
        customer="上海港物流有限公司",
        owner=USERS[Role.OPS_LEAD],
        today=now.date(),
    )
    aid = submit_request(db, forms["M1"], actor=USERS[Role.SALES], now=now).agreement_id
    for i, action in enumerate(FULL_LIFE, 1):
        actor = USERS[DOER[action]] if action != "M9.review" else "U_SLM_B"
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs
            departments_answer(db, aid, now=now + timedelta(minutes=i))
        perform(db, aid, action, forms[action], actor=actor, now=now + timedelta(minutes=i))
    return aid


def markdown_ms(db: Database, aid: str) -> tuple[int, float]:
    with db.read() as s:
        ag = s.get(Agreement, aid)
        assert ag is not None
        docs = list(s.execute(select(Document).where(col(Document.agreement_id) == aid)).scalars())
        records = {
            r.id: r
            for r in s.execute(select(StepRecord).where(col(StepRecord.agreement_id) == aid))
            .scalars()
            .all()
        }
        t0 = time.perf_counter()
        facts = load_facts(s, ag)
        for d in docs:
            for loc in LOCALES:
                render_again(s, d, loc, facts, records.get(d.record_id or 0))
        return len(docs), (time.perf_counter() - t0) * 1000


def issued(db: Database, aid: str) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(col(Document.number), col(DocumentText.locale), col(DocumentText.body))
            .join(DocumentText, col(DocumentText.document_id) == col(Document.id))
            .where(col(Document.agreement_id) == aid)
        ).all()
    return [(str(n), str(loc), str(b)) for n, loc, b in rows]


def html_ms(texts: list[tuple[str, str, str]]) -> float:
    t0 = time.perf_counter()
    for number, loc, body in texts:
        to_html(body, title=number, locale=loc)
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pdf-locale", default="zh-CN", choices=LOCALES)
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        aid = life(db)
        texts = issued(db, aid)
        markdown_ms(db, aid), html_ms(texts)  # warm-up: templates compiled, parser built
        md, html = [], []
        for _ in range(args.runs):
            n, ms = markdown_ms(db, aid)
            md.append(ms)
            html.append(html_ms(texts))
        total = [a + b for a, b in zip(md, html, strict=True)]
        print(f"agreement {aid}: {n} documents x {len(LOCALES)} languages")
        print(f"markdown (templates + context): median {statistics.median(md):.1f} ms")
        print(f"html (from the issued markdown): median {statistics.median(html):.1f} ms")
        verdict = "OK" if statistics.median(total) < TARGET_MS else "OVER"
        print(
            f"markdown + html: median {statistics.median(total):.1f} ms "
            f"(target {TARGET_MS:.0f} ms: {verdict})"
        )
        why = pdf_available()
        if args.no_pdf or why:
            print(f"pdf: skipped ({why or '--no-pdf'})")
        else:
            pages = [
                to_html(b, title=num, locale=loc) for num, loc, b in texts if loc == args.pdf_locale
            ]
            to_pdf(pages[0])  # fonts loaded once
            t0 = time.perf_counter()
            size = sum(len(to_pdf(p)) for p in pages)
            ms = (time.perf_counter() - t0) * 1000
            print(
                f"pdf ({args.pdf_locale}): {len(pages)} documents in {ms:.0f} ms "
                f"({ms / len(pages):.0f} ms each, {size // 1024} KiB)"
            )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
