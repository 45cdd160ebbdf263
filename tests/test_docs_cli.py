"""`slm-bot docs list|render`: files in every format and language, PDF text in Chinese, and
one-line errors with exit code 2 for an unknown agreement, kind or version."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.documents.render import pdf_available
from store.db import Database
from tests.support import Clock, drive, setup_world

CUSTOMER = "上海港物流有限公司"


@pytest.fixture
def agreement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An agreement of a Chinese customer, signed (M5), in a CLI database."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    db = Database(url)
    try:
        setup_world(db)
        return drive(db, "M6", Clock(), CUSTOMER).agreement_id
    finally:
        db.dispose()


def test_list_and_render_markdown_and_html(
    agreement: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["docs", "list", agreement.lower()]) == 0
    out = capsys.readouterr().out
    assert f"{agreement}/SLA/v1" in out and "in_effect" in out
    assert f"{agreement}/REQ-D/v1" in out and "superseded" in out
    assert main(["docs", "render", agreement, "--kind", "sla", "-o", "out"]) == 0
    (path,) = capsys.readouterr().out.split()
    md = Path(path).read_text(encoding="utf-8")
    assert Path(path).name == f"{agreement}_SLA_v1.en.md"
    assert CUSTOMER in md and "7x12: every day 08:00-20:00 Asia/Shanghai" in md
    args = ["docs", "render", agreement, "--kind", "SLA", "--version", "1"]
    assert main([*args, "--format", "html", "--locale", "zh-CN", "-o", "out"]) == 0
    (path,) = capsys.readouterr().out.split()
    page = Path(path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "<table>" in page and "状态: <strong>生效</strong>" in page
    assert "7x12：每天 08:00-20:00（Asia/Shanghai），法定节假日除外" in page
    # every latest document (one per kind and OLA department) when no kind is given
    assert main(["docs", "render", agreement, "-o", "all"]) == 0
    paths = capsys.readouterr().out.split()
    assert len(paths) == 5 and all(Path(p).exists() for p in paths)


def test_bundle_zip_with_an_index(agreement: str, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib
    import zipfile

    capsys.readouterr()
    assert main(["docs", "bundle", agreement, "-o", "arc"]) == 0
    (path,) = capsys.readouterr().out.split()
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        index = z.read("index.md").decode()
        sla = z.read(f"{agreement}_SLA_v1.zh-CN.md")
    assert len(names) == 1 + 2 * 5  # M1, M2, M3, M4, M5: both languages, and the index
    assert hashlib.sha256(sla).hexdigest() in index and CUSTOMER in sla.decode()
    assert f"| {agreement}/SLA/v1 | Service level agreement | in effect |" in index
    # the same data gives the same bytes (fixed timestamps inside)
    assert main(["docs", "bundle", agreement, "-o", "arc2"]) == 0
    (again,) = capsys.readouterr().out.split()
    assert Path(path).read_bytes() == Path(again).read_bytes()


def test_pdf_in_chinese(agreement: str, capsys: pytest.CaptureFixture[str]) -> None:
    if pdf_available() is not None:
        pytest.skip(f"{pdf_available()}")
    from pypdf import PdfReader

    capsys.readouterr()
    args = ["docs", "render", agreement, "--kind", "sla", "--format", "pdf", "--locale", "zh-CN"]
    assert main(args) == 0
    (path,) = capsys.readouterr().out.split()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    flat = "".join(text.split())
    assert CUSTOMER in flat
    assert "7x12：每天08:00-20:00（Asia/Shanghai），法定节假日除外" in flat


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["docs", "list", "SLA-2099-0001"], "error: no agreement SLA-2099-0001"),
        (["docs", "render", "SLA-2099-0001"], "error: no agreement SLA-2099-0001"),
        (["docs", "render", "{id}", "--kind", "memo"], "error: unknown document kind 'memo'"),
        (["docs", "render", "{id}", "--kind", "notice"], "error: no notice document for {id}"),
        (["docs", "render", "{id}", "--kind", "sla", "--version", "7"], "error: no version 7"),
    ],
)
def test_unknown_agreement_kind_or_version(
    agreement: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    capsys.readouterr()
    assert main([a.replace("{id}", agreement) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.replace("{id}", agreement)) and err.count("\n") == 1
