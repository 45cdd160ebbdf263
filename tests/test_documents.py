"""Rendered documents: a whole life issues every kind in both languages, each carrying its
facts; numbers, versions, statuses and hashes; a render failure fails the step."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.documents import render
from bot.documents.hours import service_hours
from bot.flows.documents import DocKind, DocStatus
from bot.flows.errors import NotFound
from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.roles import Role
from bot.flows.samples import FULL_LIFE
from store.db import Database
from store.demo import departments_answer
from store.doc_queries import DocRow, document_text, list_documents, select_documents
from store.lifecycle import perform
from store.models import Document, StepRecord
from store.roles import CONFIG_ACTOR, grant_role
from tests.support import ACTOR, Clock, drive, forms, new_agreement

CUSTOMER = "Acme Logistics"
HOURS_EN = "7x12: every day 08:00-20:00 Asia/Shanghai, public holidays excluded"
HOURS_ZH = "7x12：每天 08:00-20:00（Asia/Shanghai），法定节假日除外"

#: facts each kind must carry (in both languages), beyond the customer and its number
FACTS: dict[DocKind, tuple[str | tuple[str, str], ...]] = {
    DocKind.REQUIREMENT_DRAFT: ("Backup and restore", "3 clusters, about 40 tickets"),
    DocKind.REQUIREMENT_FINAL: ("Backup and restore", "No backups tested", "REQ-D/v1"),
    DocKind.CATALOGUE: ("DB-OPS", "Database operations", "99.9 %", "120,000.00"),
    DocKind.SLA: ("DB-OPS", "99.9 %", "120,000.00", "DBA team has 2 FTE free", "@U_SALES"),
    DocKind.SIGNED_CONTRACT: ("C-2026-118", "Zhang Min", "120,000.00", "/SLA/v1"),
    DocKind.SUPPLIER_CONTRACT: ("StoragePro Ltd", "SP-77", "18,000.00"),
    DocKind.CLAUSE_BREAKDOWN: ("C-2026-118", "7x12 database operations", "link monitoring"),
    DocKind.PROPOSAL: ("DBA on-call rota", "@U_OPS", "link monitoring"),
    DocKind.INITIATION_REPORT: ("90,000.00", "120,000.00", "/PRO/v1", "1 h response"),
    DocKind.OLA: ("supporting department",),
    DocKind.APPROVAL: ("Budget fits", "@U_OPS", "/INI/v1"),
    DocKind.DELIVERY: ("Handover done", "99.9 %"),
    DocKind.SERVICE_REPORT: ("99.95 %", "99.9 %", "ticket volume falling"),
    DocKind.REVIEW_RECORD: ("Met the customer on the 3rd", "/SR/v1"),
    DocKind.NONCONFORMITY_REPORT: ("One P2 resolved late", "99.95 %"),
    DocKind.IMPROVEMENT_PLAN: ("Add a DBA runbook",),
    DocKind.SLA_REVIEW: ("All documents current", "/SLA/v1"),
    DocKind.CHANGE_REQUEST: ("reporting database",),
    DocKind.ADDITIONAL_SLA: ("A fourth cluster (reporting)", "150,000.00", "99.9 %"),
    DocKind.NOTICE: ("The service ends early, on the date agreed with you.", "Li Wei"),
    DocKind.CUSTOMER_REPLY: ("We confirm the end of the service.", "/NOT/v1"),
    DocKind.RELEASE_INFRASTRUCTURE: ("3 database servers",),
    DocKind.RELEASE_PEOPLE: ("2 DBAs back to the pool",),
    DocKind.RELEASE_SUPPLIER: ("StoragePro backup support", "SP-77 ends"),
    DocKind.BUDGET_ACCOUNTING: ("90,000.00", "86,500.00", "-3,500.00", "-3.89"),
    DocKind.SERVICE_SUMMARY: ("A stable year", "Runbook added", "Quarterly drills"),
    DocKind.ARCHIVE: ("/SLA/v1", "/ARC/v1", "SP-77"),
    DocKind.REJECTION: ("Outside our capacity",),
    DocKind.TERMINATION_REQUEST: ("Contract ends",),
    DocKind.EXTENSION_APPROVAL: ("Group project", "30"),
    DocKind.PROJECT_CLASS: ("Board decision", ("Specially approved project", "特批项目")),
    DocKind.WITHDRAWAL: ("Customer changed its mind", "M13"),
    DocKind.HANDOVER: ("@U_OPS_B", "Holiday cover"),
}

#: where a step issues a kind with other facts than the first step that issues it
STEP_FACTS: dict[tuple[DocKind, str], tuple[str | tuple[str, str], ...]] = {
    (DocKind.SIGNED_CONTRACT, "C3"): ("C-2026-118", "150,000.00", "/ASLA/v1"),
    (DocKind.CATALOGUE, "C1"): ("DB-OPS", "Reporting DB added to the offer"),
    (DocKind.PROPOSAL, "C3"): ("DBA on-call rota", "Rota extended to the reporting cluster"),
    (DocKind.SUPPLIER_CONTRACT, "C4"): ("SP-77", "More backup capacity", "24,000.00"),
}

#: kinds whose text also states the tier's service hours
WITH_HOURS = {
    DocKind.REQUIREMENT_DRAFT,
    DocKind.REQUIREMENT_FINAL,
    DocKind.SLA,
    DocKind.SIGNED_CONTRACT,
    DocKind.OLA,
    DocKind.SUPPLIER_CONTRACT,
    DocKind.DELIVERY,
    DocKind.SERVICE_REPORT,
    DocKind.ADDITIONAL_SLA,
    DocKind.SERVICE_SUMMARY,
}


def _life(db: Database, clock: Clock, customer: str = CUSTOMER) -> str:
    f = forms(customer)
    aid = new_agreement(db, clock, customer).agreement_id
    for action in FULL_LIFE:
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (rules 6, 7)
            departments_answer(db, aid, now=clock())
        perform(db, aid, action, f[action], actor=ACTOR[action], now=clock())
    return aid


def _check(db: Database, doc: DocRow, customer: str) -> None:
    for loc, hours in (("en", HOURS_EN), ("zh-CN", HOURS_ZH)):
        t = document_text(db, doc, loc)
        assert t.sha256 == hashlib.sha256(t.body.encode()).hexdigest()
        assert doc.number in t.body and customer in t.body, (doc.number, loc)
        assert doc.subject in t.body
        facts = STEP_FACTS.get((doc.kind, doc.step), FACTS[doc.kind])
        for fact in facts if loc == "en" or doc.kind is not DocKind.OLA else ():
            text = fact if isinstance(fact, str) else fact[loc == "zh-CN"]
            assert text in t.body, (doc.number, loc, text)
        if doc.kind in WITH_HOURS:
            assert hours in t.body, (doc.number, loc)
        assert ("简体中文" in t.body) == (loc == "zh-CN")


def test_service_hours_in_words() -> None:
    assert service_hours(2, "en") == HOURS_EN
    assert service_hours(2, "zh-CN") == HOURS_ZH
    assert service_hours(3, "en").startswith("5x8: Monday to Friday 09:00-17:00 Asia/Shanghai")
    assert "public holidays included" in service_hours(1, "en")


def test_a_whole_life_issues_every_document_in_both_languages(
    world: Database, clock: Clock
) -> None:
    aid = _life(world, clock)
    docs = list_documents(world, aid)
    seen = {d.kind for d in docs}
    # the sample life takes neither the decline, M14 nor the extension: see the next tests
    other = {
        DocKind.REJECTION,
        DocKind.TERMINATION_REQUEST,
        DocKind.EXTENSION_APPROVAL,
        DocKind.PROJECT_CLASS,
        DocKind.WITHDRAWAL,
        DocKind.HANDOVER,
    }
    assert seen == set(DocKind) - other
    for d in docs:
        _check(world, d, CUSTOMER)
    numbers = [d.number for d in docs]
    assert len(set(numbers)) == len(numbers)
    assert f"{aid}/SLA/v1" in numbers and f"{aid}/ASLA/v1" in numbers
    ola = {d.number: document_text(world, d, "en").body for d in docs if d.kind is DocKind.OLA}
    assert "30 min response 08-20" in ola[f"{aid}/OLA-1/v1"]
    assert "reporting cluster included" in ola[f"{aid}/OLA-1/v2"]  # C3 changes the DBA OLA
    assert "1 h response" in ola[f"{aid}/OLA-2/v1"]
    assert all(d.status is DocStatus.ARCHIVED for d in docs)  # T7 archives everything
    sla = next(d for d in docs if d.kind is DocKind.SLA)
    assert sla.title.startswith("Service level agreement ·"), "the signed SLA drops (draft)"
    # M11's four outputs each say something of their own
    m11 = [document_text(world, d, "en").body for d in docs if d.step == "M11"]
    assert len(m11) == 4 and len({b.split("\n", 8)[-1] for b in m11}) == 4


def test_other_branches_issue_the_remaining_kinds(world: Database, clock: Clock) -> None:
    f = forms("Branch Co")
    declined = new_agreement(world, clock, "Branch Co").agreement_id
    reject = f["M2"] | {"decision": "decline", "reason": "Outside our capacity"}
    perform(world, declined, "M2", reject, actor=ACTOR["M2"], now=clock())
    ext = drive(world, "T1.extension", clock, "Branch Co").agreement_id
    perform(world, ext, "T1.extension", f["T1.extension"], actor="U_EXE", now=clock())
    m14 = drive(world, "M14", clock, "Branch Co").agreement_id
    perform(world, m14, "M14", f["M14"], actor=ACTOR["M14"], now=clock())
    cls = {"project_class": "special", "reason": "Board decision"}
    perform(world, m14, "M1.class", cls, actor="U_EXE", now=clock())
    change = drive(world, "C3", clock, "Branch Co").agreement_id
    why = {"reason": "Customer changed its mind"}
    perform(world, change, "M13.withdraw", why, actor=ACTOR["M13"], now=clock())
    (asla,) = select_documents(list_documents(world, change), DocKind.ADDITIONAL_SLA)
    assert asla.status is DocStatus.WITHDRAWN
    grant_role(world, "U_OPS_B", Role.OPS_LEAD, by=CONFIG_ACTOR, now=clock())
    handed = drive(world, "M9", clock, "Branch Co").agreement_id
    cover = {"owner": "U_OPS_B", "reason": "Holiday cover"}
    perform(world, handed, "M8.handover", cover, actor="U_SLM", now=clock())
    for aid, kind in (
        (handed, DocKind.HANDOVER),
        (m14, DocKind.PROJECT_CLASS),
        (change, DocKind.WITHDRAWAL),
        (declined, DocKind.REJECTION),
        (ext, DocKind.EXTENSION_APPROVAL),
        (m14, DocKind.TERMINATION_REQUEST),
    ):
        (doc,) = select_documents(list_documents(world, aid), kind)
        _check(world, doc, "Branch Co")


def test_statuses_follow_drafting_and_signing(world: Database, clock: Clock) -> None:
    f = forms()
    aid = drive(world, "M5", clock).agreement_id
    docs = {d.number: d for d in list_documents(world, aid)}
    assert docs[f"{aid}/REQ-D/v1"].status is DocStatus.SUPERSEDED  # M2 consolidated it
    assert docs[f"{aid}/SLA/v1"].status is DocStatus.DRAFT
    perform(world, aid, "M5", f["M5"], actor=ACTOR["M5"], now=clock())
    docs = {d.number: d for d in list_documents(world, aid)}
    v1 = docs[f"{aid}/SLA/v1"]
    assert v1.status is DocStatus.IN_EFFECT and v1.title.startswith("Service level agreement ·")
    assert docs[f"{aid}/CON/v1"].status is DocStatus.IN_EFFECT
    assert select_documents(list(docs.values()), DocKind.SLA) == [v1]
    assert select_documents(list(docs.values()), DocKind.SLA, 1) == [v1]
    with pytest.raises(NotFound, match="no version 2 of the sla"):
        select_documents(list(docs.values()), DocKind.SLA, 2)


def test_a_render_failure_fails_the_step_and_writes_nothing(
    world: Database, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aid = new_agreement(world, clock).agreement_id
    for loc in render.LOCALES:
        (tmp_path / loc).mkdir()
        (tmp_path / loc / "requirement_final.md.j2").write_text("{{ no_such_value }}\n")
    monkeypatch.setattr(render, "TEMPLATES", tmp_path)
    render.env.cache_clear()
    try:
        with pytest.raises(Exception, match="no_such_value"):
            perform(world, aid, "M2", forms()["M2"], actor=ACTOR["M2"], now=clock())
    finally:
        render.env.cache_clear()
    with world.read() as s:
        recs = s.execute(select(col(StepRecord.action)).where(col(StepRecord.agreement_id) == aid))
        kinds = s.execute(select(col(Document.kind)).where(col(Document.agreement_id) == aid))
        assert [a for (a,) in recs] == ["M1"]
        assert [k for (k,) in kinds] == ["requirement_draft"]


def test_the_sla_review_issues_the_documents_a_change_left_behind(
    world: Database, clock: Clock
) -> None:
    f = forms()
    aid = drive(world, "C4", clock).agreement_id
    perform(world, aid, "C4", f["C4"], actor=ACTOR["C4"], now=clock())
    perform(world, aid, "M12", f["M12"], actor=ACTOR["M12"], now=clock())
    docs = {d.number: d for d in list_documents(world, aid)}
    v2 = docs[f"{aid}/SLA/v2"]
    assert v2.step == "M12" and v2.sla_version == 2 and v2.status is DocStatus.IN_EFFECT
    assert docs[f"{aid}/SLA/v1"].status is DocStatus.SUPERSEDED
    for loc in ("en", "zh-CN"):
        body = document_text(world, v2, loc).body
        assert "150,000.00" in body and "A fourth cluster (reporting)" in body
        assert (HOURS_EN if loc == "en" else HOURS_ZH) in body
    # the Network OLA (untouched by C3) comes again for version 2; the DBA one C3 changed not
    assert docs[f"{aid}/OLA-2/v2"].step == "M12" and f"{aid}/OLA-1/v3" not in docs
    assert docs[f"{aid}/OLA-2/v1"].status is DocStatus.SUPERSEDED
    assert f"{aid}/PRO/v3" not in docs  # C3 already issued the proposal for version 2
    # a second review finds everything current and issues only its own record
    perform(world, aid, "M12", f["M12"], actor=ACTOR["M12"], now=clock())
    again = [d for d in list_documents(world, aid) if d.number not in docs]
    assert [d.kind for d in again] == [DocKind.SLA_REVIEW]
