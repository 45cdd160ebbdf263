"""The `slm-bot` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLM_LOCALE", "SLM_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _demo(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Seed the demo; the agreement numbers it printed (numbered in the year they were made,
    so never written in a test)."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    ids = out.strip().split(": ", 1)[1].split(", ")
    assert len(ids) == 4 and all(i.startswith("SLA-") for i in ids), out
    return ids


def test_demo_list_show_export_import(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["migrate"]) == 0
    second = _demo(capsys)[1]
    assert main(["agreements", "list", "all"]) == 0
    out = capsys.readouterr().out
    assert "Harbour Bank" in out and "M2 · Requirement assessment" in out
    assert main(["agreements", "list", "expiring"]) == 0
    assert "Harbour Bank" in capsys.readouterr().out
    assert main(["agreements", "show", second.lower()]) == 0
    out = capsys.readouterr().out
    assert "M9 · Initiation report and OLAs" in out and "history:" in out
    assert "skipped M6" in out
    assert main(["export", "-o", str(env / "backup.json")]) == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{env / 'restored.db'}")
    assert main(["import", str(env / "backup.json")]) == 0
    assert main(["export"]) == 0
    restored = capsys.readouterr().out.split("\n", 0)[0]
    original = (env / "backup.json").read_text(encoding="utf-8")
    assert json.loads(restored[restored.index("{") :]) == json.loads(original)


def test_acting_and_errors(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = _demo(capsys)[1]
    assert (
        main(
            [
                "act",
                second,
                "M9.review",
                "--as",
                "U0OPS0001",
                "--data",
                '{"decision": "approve"}',
            ]
        )
        == 2
    )
    assert "only slm can do M9.review" in capsys.readouterr().err
    assert (
        main(
            [
                "act",
                second,
                "M9.review",
                "--as",
                "U0SLM0001",
                "--data",
                '{"decision": "reject"}',
            ]
        )
        == 2
    )
    assert "reason: Write why it is rejected." in capsys.readouterr().err  # our words
    assert main(["act", second, "M9.review", "--as", "U0SLM0001", "--data", "{not json"]) == 2
    assert "--data is not valid JSON" in capsys.readouterr().err
    assert (
        main(
            [
                "act",
                second,
                "M9.review",
                "--as",
                "U0SLM0001",
                "--data",
                '{"decision": "approve"}',
            ]
        )
        == 0
    )
    assert "next: M10" in capsys.readouterr().out
    assert (
        main(
            [
                "act",
                second,
                "M9.review",
                "--as",
                "U0SLM0002",
                "--data",
                '{"decision": "approve"}',
            ]
        )
        == 2
    )
    assert "already done by U0SLM0001" in capsys.readouterr().err
    assert main(["agreements", "show", "SLA-2099-0001"]) == 2
    assert "no agreement SLA-2099-0001" in capsys.readouterr().err
    assert main(["roles", "grant", "U9", "wizard"]) == 2
    assert "unknown role 'wizard'" in capsys.readouterr().err
    assert main(["roles", "grant", "U9", "sales", "--by", "U0SALES01"]) == 2
    assert "only admin can assign roles" in capsys.readouterr().err
    assert main(["roles", "grant", "U9", "sales", "--by", "U0ADM0001"]) == 0
    assert main(["roles", "list"]) == 0
    assert "U9" in capsys.readouterr().out
    assert main(["import", "nope.json"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_settings_are_named(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLM_TIMEZONE", "Mars/Olympus")
    assert main(["agreements", "list"]) == 2
    assert "SLM_TIMEZONE" in capsys.readouterr().err


def test_serve_refuses_placeholder_secrets(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-your-token")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err
    assert "SLACK_SIGNING_SECRET" in err
    assert main(["serve", "--socket-mode"]) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err


def test_sweep_command(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert main(["sweep", "--now", "2026-12-01T09:00"]) == 2
    assert "UTC offset" in capsys.readouterr().err
    assert main(["sweep", "--now", "2026-13-01T09:00+08:00"]) == 2
    assert main(["sweep", "--now", "2030-01-01T09:00:00+08:00"]) == 0
    assert "new reminders" in capsys.readouterr().out
    assert main(["outbox"]) == 0
    assert "pending" in capsys.readouterr().out


def test_holiday_overrides(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["holidays", "holiday", "2027-02-15", "--note", "company day off"]) == 0
    assert main(["holidays", "workday", "2027-02-20"]) == 0
    assert main(["holidays", "list"]) == 0
    out = capsys.readouterr().out
    assert "2027-02-15  holiday  company day off" in out
    assert "2027-02-20  workday" in out
    assert main(["holidays", "holiday", "15/02/2027"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert main(["holidays", "remove", "2027-02-15"]) == 0
    assert "2027-02-15 removed" in capsys.readouterr().out
    assert main(["holidays", "list"]) == 0
    assert "2027-02-15" not in capsys.readouterr().out


def test_user_errors_are_one_line_with_exit_code_2(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = _demo(capsys)[1]
    (env / "list.json").write_text("[]", encoding="utf-8")
    (env / "bad.json").write_text("{nope", encoding="utf-8")
    cases = [
        (["request", "--as", "U0SALES01", "--data", "@missing.json"], "no such file: missing.json"),
        (["request", "--as", "U0SALES01", "--data", "@bad.json"], "--data is not valid JSON"),
        (["request", "--as", "U0SALES01", "--data", "@."], "is a directory"),
        (["request", "--as", "U0SALES01", "--data", "[1]"], "must be a JSON object"),
        (["agreements", "show", "SLA-2099-0001"], "no agreement SLA-2099-0001"),
        (["agreements", "lst"], "invalid choice: 'lst'"),
        (["act", second, "M99", "--as", "U0SLM0001", "--data", "{}"], "M99"),
        (
            ["act", second, "M9.review", "--as", "U0SLM0001", "--data", "{}"],
            "the form has problems: decision",
        ),
        (["import", "list.json"], "not an slm-bot export"),
        (["import", "missing.json"], "no such file"),
        (["holidays", "holiday", "tomorrow"], "not a date"),
    ]
    for argv, expected in cases:
        code = _exit_code(argv)
        captured = capsys.readouterr()
        assert code == 2, argv
        assert expected in captured.err, (argv, captured.err)
        assert captured.err.count("\n") == 1 and captured.err.startswith("error: "), captured.err
        assert "Traceback" not in captured.err


def _exit_code(argv: list[str]) -> int:
    """`main`'s result, or the code argparse exits with for a usage error."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_a_closed_pipe_ends_quietly(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import subprocess
    import sys

    second = _demo(capsys)[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "agreements", "show", second],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the command writes (`| head -0`)
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""
