"""Negotiation: until M5 signs, M4 may be done again (C2 until C3): a new draft version, the
previous one withdrawn, and what changed (field by field, and the rendered text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.cli import main
from bot.flows.errors import AlreadyDone, InvalidTransition, PermissionDenied
from bot.flows.machine import AgreementState, decide
from bot.flows.onboarding_forms import M4Form
from bot.flows.process import Status
from bot.flows.redraft import field_changes, text_diff
from bot.flows.roles import Role
from bot.flows.samples import sample_forms
from bot.history import event_words
from bot.render.redraft import change_rows
from store.db import Database
from store.doc_queries import list_documents
from store.lifecycle import perform
from store.models import AgreementVersion, AuditEvent, OutboxMessage
from store.redraft import compare
from tests.support import ACTOR, START, Clock, drive, forms, setup_world

FORMS: dict[str, dict[str, Any]] = sample_forms(START)
NEW_TERMS = {"price": "135000.00", "availability_pct": "99.95", "negotiation": "Customer asked"}


# -- pure: the process allows the redraft, and only until signing ----------------------------


def test_m4_may_be_done_again_while_m5_is_open() -> None:
    state = AgreementState(status=Status.ONBOARDING, pending=("M5",))
    for role in (Role.SALES, Role.SLM):
        d = decide(state, "M4", FORMS["M4"], actor="U1", roles={role})
        assert d.redraft and d.after.pending == ("M5",) and d.opened == ()
    first = decide(
        AgreementState(status=Status.ONBOARDING, pending=("M4",)),
        "M4",
        FORMS["M4"],
        actor="U1",
        roles={Role.SALES},
    )
    assert not first.redraft and first.after.pending == ("M5",)


def test_no_redraft_once_signed_nor_by_another_role() -> None:
    signed = AgreementState(status=Status.ONBOARDING, pending=("M7",))
    with pytest.raises(InvalidTransition, match="not open"):
        decide(signed, "M4", FORMS["M4"], actor="U1", roles={Role.SALES})
    with pytest.raises(PermissionDenied):
        decide(
            AgreementState(status=Status.ONBOARDING, pending=("M5",)),
            "M4",
            FORMS["M4"],
            actor="U1",
            roles={Role.OPS_LEAD},
        )


def test_c2_may_be_done_again_while_c3_is_open_but_not_after() -> None:
    d = decide(
        AgreementState(status=Status.CHANGING, pending=("C3",)),
        "C2",
        FORMS["C2"],
        actor="U1",
        roles={Role.SLM},
    )
    assert d.redraft and d.after.pending == ("C3",) and d.after.status is Status.CHANGING
    with pytest.raises(InvalidTransition):
        decide(
            AgreementState(status=Status.CHANGING, pending=("C4",)),
            "C2",
            FORMS["C2"],
            actor="U1",
            roles={Role.SLM},
        )


def test_field_changes_and_text_diff() -> None:
    old = FORMS["M4"]
    new = old | {"price": "135000.00", "suppliers_needed": False, "negotiation": ""}
    changes = field_changes(M4Form, old | {"negotiation": None}, new)
    assert [c.name for c in changes] == ["price", "suppliers_needed"]
    assert (changes[0].old, changes[0].new) == ("120000.00", "135000.00")
    diff = text_diff("a\nb\nc\n", "a\nB\nc\nd\n")
    assert diff == ["@@ -2 +2 @@", "-b", "+B", "@@ -3,0 +4 @@", "+d"]
    many = text_diff("\n".join(map(str, range(100))), "", limit=10)
    assert len(many) == 11 and many[-1] == "…"
    rows = change_rows("M4", {"tier": "2", "price": "1"}, {"tier": "3", "price": "1"}, "zh-CN")
    assert [(r.label, r.old, r.new) for r in rows] == [("服务等级", rows[0].old, rows[0].new)]
    assert "7x12" in rows[0].old and "5x8" in rows[0].new


# -- store: versions, documents, audit and the thread reply's payload ------------------------


def _thread_payloads(db: Database, aid: str) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(
            select(col(OutboxMessage.payload))
            .where(col(OutboxMessage.agreement_id) == aid, col(OutboxMessage.kind) == "thread")
            .order_by(col(OutboxMessage.id))
        ).scalars()
        return [dict(p) for p in rows]


def test_redraft_withdraws_the_previous_draft_and_signing_takes_the_new_one(
    world: Database, clock: Clock
) -> None:
    f = forms()
    aid = drive(world, "M5", clock).agreement_id
    first = next(d for d in list_documents(world, aid) if d.number == f"{aid}/SLA/v1")
    out = perform(world, aid, "M4", f["M4"] | NEW_TERMS, actor="U_SLM", now=clock())
    assert out.pending == ("M5",) and out.previous_record is not None
    docs = {d.number: d for d in list_documents(world, aid)}
    assert docs[f"{aid}/SLA/v1"].status.value == "withdrawn"
    assert docs[f"{aid}/SLA/v2"].status.value == "draft"
    with world.read() as s:
        versions = s.execute(
            select(col(AgreementVersion.number), col(AgreementVersion.status))
            .where(col(AgreementVersion.agreement_id) == aid)
            .order_by(col(AgreementVersion.number))
        ).all()
        audit = (
            s.execute(
                select(AuditEvent)
                .where(col(AuditEvent.agreement_id) == aid)
                .order_by(col(AuditEvent.id).desc())
            )
            .scalars()
            .first()
        )
    assert [tuple(v) for v in versions] == [(1, "withdrawn"), (2, "draft")]
    assert audit is not None and audit.step == "M4" and audit.action == "M4"
    assert audit.data["redraft"] == {
        "replaces_record": out.previous_record,
        "withdrawn": [first.id],
    }
    event = _thread_payloads(world, aid)[-1]
    assert event["action"] == "M4" and event["previous_record"] == out.previous_record
    assert event["previous_documents"] == [first.id]
    for loc, label in (("en", "Price (per year)"), ("zh-CN", "价格（每年）")):
        c = compare(
            world,
            previous_record=out.previous_record,
            previous_documents=[first.id],
            record_id=out.record_id,
            documents=list(out.documents),
            locale=loc,
        )
        assert c is not None and c.old_number.endswith("/SLA/v1")
        rows = {r.label: (r.old, r.new) for r in change_rows("M4", c.old_data, c.new_data, loc)}
        assert rows[label] == ("120000.00", "135000.00")
        assert "Customer asked" in rows[("Negotiation notes" if loc == "en" else "协商记录")][1]
        diff = "\n".join(text_diff(c.old_text, c.new_text))
        assert "-" in diff and "+" in diff and "99.95" in diff and "135,000.00" in diff
    # M5 signs the new draft; the withdrawn one stays withdrawn, and M4 is closed for good
    perform(world, aid, "M5", f["M5"], actor=ACTOR["M5"], now=clock())
    docs = {d.number: d for d in list_documents(world, aid)}
    assert docs[f"{aid}/SLA/v2"].status.value == "in_effect"
    assert docs[f"{aid}/SLA/v1"].status.value == "withdrawn"
    with pytest.raises(AlreadyDone):
        perform(world, aid, "M4", f["M4"], actor="U_SLM", now=clock())


def test_additional_sla_redraft(world: Database, clock: Clock) -> None:
    f = forms()
    aid = drive(world, "C3", clock).agreement_id
    out = perform(world, aid, "C2", f["C2"] | {"price": "160000"}, actor="U_SLM", now=clock())
    assert out.pending == ("C3",) and out.previous_record is not None
    docs = {d.number: d.status.value for d in list_documents(world, aid)}
    assert docs[f"{aid}/ASLA/v1"] == "withdrawn" and docs[f"{aid}/ASLA/v2"] == "draft"
    assert docs[f"{aid}/SLA/v1"] == "in_effect"  # the SLA in effect is untouched
    perform(world, aid, "C3", f["C3"], actor=ACTOR["C3"], now=clock())
    docs = {d.number: d.status.value for d in list_documents(world, aid)}
    assert docs[f"{aid}/ASLA/v2"] == "in_effect" and docs[f"{aid}/ASLA/v1"] == "withdrawn"


def test_the_history_says_redrafted_not_drafted(world: Database, clock: Clock) -> None:
    aid = drive(world, "M5", clock).agreement_id
    perform(world, aid, "M4", FORMS["M4"] | NEW_TERMS, actor="U_SALES", now=clock())
    with world.read() as s:
        rows = s.execute(
            select(AuditEvent)
            .where(col(AuditEvent.agreement_id) == aid, col(AuditEvent.action) == "M4")
            .order_by(col(AuditEvent.id))
        ).scalars()
        events = [
            {"kind": e.action, "step": e.step, "actor": e.actor, "branch": e.data["branch"]}
            | {"data": e.data}
            for e in rows
        ]
    first, again = (event_words(e, "en") for e in events)
    assert first == "M4 · SLA drafted by U_SALES"
    assert again.startswith("M4 · SLA redrafted by U_SALES: this draft replaces the previous one")
    assert event_words(events[1], "zh-CN").startswith("M4 · U_SALES 重新拟定了服务级别协议")


@pytest.mark.parametrize(("loc", "label"), [("en", "Price (per year)"), ("zh-CN", "价格（每年）")])
def test_redraft_on_the_command_line_prints_the_changes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    loc: str,
    label: str,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLM_LOCALE", loc)
    assert main(["migrate"]) == 0
    db = Database(url)
    try:
        setup_world(db)
        aid = drive(db, "M5", Clock()).agreement_id
    finally:
        db.dispose()
    capsys.readouterr()
    data = json.dumps(forms()["M4"] | {"price": "99000"})
    assert main(["act", aid, "M4", "--data", data, "--as", "U_SALES"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{aid}: M4 done (done); next: M5"
    assert out[1].startswith("M4 ") and f"{aid}/SLA/v2" in out[1] and f"{aid}/SLA/v1" in out[1]
    assert f"  {label}" in out[2] and "120000.00 -> 99000.00" in out[2]
    assert any(ln.startswith("  +") and "99,000.00" in ln for ln in out[3:])
