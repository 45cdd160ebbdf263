"""The audit log in words: every kind of audit event reads as what happened, with the branch
taken, in both languages; no raw action id alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.samples import FULL_LIFE
from bot.history import OTHER_KINDS, event_kinds, event_words, template_key
from bot.i18n import LOCALES
from store.db import Database
from store.demo import departments_answer
from store.models import AuditEvent
from store.usecases import take_action
from tests.support import ACTOR, Clock, forms, new_agreement

ROOT = Path(__file__).resolve().parents[1]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _check_words(text: str, kind: str, locale: str) -> None:
    assert "{{" not in text and "}}" not in text, text
    body = text.split(" · ", 1)[1] if " · " in text else text
    assert body.strip() != kind, f"{kind} rendered as its bare id"
    if locale == "zh-CN":
        assert _CJK.search(body), f"{kind} has no Chinese in {locale}: {body}"
    else:
        assert not _CJK.search(body)
        assert len(re.findall(r"[A-Za-z]{2,}", body)) >= 3, body


@pytest.mark.parametrize("locale", LOCALES)
def test_every_event_kind_has_words(locale: str) -> None:
    for kind, branch in event_kinds():
        key = template_key(kind, branch, locale)
        assert key is not None, f"no history.{kind} template in {locale}"
        event = {
            "kind": kind,
            "branch": branch,
            "step": "M9",
            "actor": "U0PERSON1",
            "data": {"code": "DB-OPS", "version": 2, "user": "U0OTHER01", "role": "slm"},
        }
        text = event_words(event, locale, mention=lambda u: f"<@{u}>")
        _check_words(text, kind, locale)
        assert "<@U0PERSON1>" in text
        if branch and len([b for k, b in event_kinds() if k == kind]) > 1:
            assert key.endswith(f".{branch}"), f"{kind} does not say which branch ({branch})"


def test_every_audit_kind_written_by_the_code_is_known() -> None:
    """A new kind of audit event (a literal `action="x.y"` in the store) needs its words:
    add it to bot.history.OTHER_KINDS and to templates/history.*.yaml."""
    known = {k for k, _ in event_kinds()}
    written: set[str] = set()
    for path in (ROOT / "store").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        written.update(re.findall(r"\baction=\"([A-Za-z0-9_.]+)\"", text))
        written.update(re.findall(r"\"action\": \"([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)\"", text))
    assert written, "the scan found no audit kinds at all"
    assert written <= known, f"audit kinds without words: {sorted(written - known)}"
    assert set(OTHER_KINDS) <= known


def test_a_whole_life_reads_as_words(world: Database, clock: Clock) -> None:
    f = forms("History Words Ltd")
    aid = new_agreement(world, clock, "History Words Ltd").agreement_id
    for action in FULL_LIFE:
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (rules 6, 7)
            departments_answer(world, aid, now=clock())
        take_action(
            world, agreement_id=aid, action=action, data=f[action], actor=ACTOR[action], now=clock()
        )
    with world.read() as s:
        events = s.execute(select(AuditEvent).order_by(col(AuditEvent.id))).scalars().all()
    kinds = {e.action for e in events}
    assert {"agreement.create", "M9.review", "role.grant", "catalogue.save"} <= kinds
    assert {"M7.acknowledge", "M9.sign", "departments.set"} <= kinds
    for e in events:
        row = {
            "kind": e.action,
            "step": e.step,
            "actor": e.actor,
            "branch": (e.data or {}).get("branch"),
            "data": e.data,
        }
        for locale in LOCALES:
            text = event_words(row, locale)
            _check_words(text, e.action, locale)
            assert template_key(e.action, row["branch"], locale) is not None
    en = [
        event_words(
            {
                "kind": e.action,
                "step": e.step,
                "actor": "Mei Lin",
                "branch": (e.data or {}).get("branch"),
                "data": e.data,
            },
            "en",
        )
        for e in events
        if e.agreement_id == aid
    ]
    assert "Agreement created by Mei Lin" in en
    assert "M9 · initiation report approved by Mei Lin" in en


def test_sla_show_lists_the_documents_it_counts(world: Database, clock: Clock) -> None:
    from bot.handlers.replies import show_blocks
    from store.queries import get_agreement

    f = forms("Counted Docs Ltd")
    aid = new_agreement(world, clock, "Counted Docs Ltd").agreement_id
    for action in FULL_LIFE:
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (rules 6, 7)
            departments_answer(world, aid, now=clock())
        take_action(
            world, agreement_id=aid, action=action, data=f[action], actor=ACTOR[action], now=clock()
        )
    detail = get_agreement(world, aid)
    assert len(detail.documents) > 12
    for locale in LOCALES:
        _, blocks = show_blocks(detail, locale)
        texts = [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]
        start = next(
            i for i, x in enumerate(texts) if x.startswith("*Documents (") or "文档（" in x
        )
        listed = sum(x.count("• ") for x in texts[start:])
        assert listed == len(detail.documents), (locale, listed, len(detail.documents))
