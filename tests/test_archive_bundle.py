"""T7 archives every document of the agreement into one bundle: each document shows archived,
and the zip (every document in both languages, with an index) is a file in the card's thread,
sent through the outbox's files payload to the Slack stand-in."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlmodel import col

from store.doc_queries import list_documents
from store.lifecycle import perform
from store.models import OutboxMessage
from tests.slack_support import CHANNEL, SlackClient, slack_world
from tests.support import ACTOR, Clock, drive, forms

ARCHIVED = {"en": "archived", "zh-CN": "已归档"}
TITLE = {"en": "archive of every document", "zh-CN": "全部文档归档"}


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("a"), request.param, validate=False) as client:
        yield client


def test_t7_attaches_the_archive_bundle_and_archives_every_document(slack: SlackClient) -> None:
    loc: str = slack.locale
    db, clock = slack.app.db, Clock()
    aid = drive(db, "T7", clock).agreement_id
    slack.dispatch()
    before = {d.number for d in list_documents(db, aid)}
    assert len(before) > 15
    perform(db, aid, "T7", forms()["T7"], actor=ACTOR["T7"], now=clock())
    docs = list_documents(db, aid)
    assert {d.status.value for d in docs} == {"archived"}
    with db.read() as s:
        files = s.execute(
            select(col(OutboxMessage.payload)).where(
                col(OutboxMessage.agreement_id) == aid, col(OutboxMessage.kind) == "files"
            )
        ).scalars()
        assert [p["bundle"] for p in files].count(True) == 1
    slack.dispatch()
    state = slack.standin.state
    card = next(m for m in state.messages(CHANNEL) if str(m["text"]).startswith(aid))
    shared = [f for m in state.thread(CHANNEL, card["ts"]) for f in m.get("files", [])]
    (zf,) = [f for f in shared if f["name"] == f"{aid}_documents.zip"]
    assert TITLE[loc] in zf["title"] and zf["filetype"] == "zip"
    with zipfile.ZipFile(io.BytesIO(state.file_bytes[zf["id"]])) as z:
        names = set(z.namelist())
        index = z.read("index.md").decode("utf-8")
    assert "index.md" in names
    for d in docs:  # every document, both languages, each listed as archived in the index
        for lang in ("en", "zh-CN"):
            assert d.filename(lang, "md") in names
        row = next(ln for ln in index.splitlines() if f"| {d.filename('zh-CN', 'md')} |" in ln)
        assert f"| {ARCHIVED['zh-CN']} |" in row
        row = next(ln for ln in index.splitlines() if f"| {d.filename('en', 'md')} |" in ln)
        assert f"| {ARCHIVED['en']} |" in row
    assert f"{aid}/ARC/v1" in index and f"{aid}/SUM/v1" in index
