"""The README's process table is generated from the declarations and must not drift."""

from __future__ import annotations

from pathlib import Path

from bot.flows.docs import BEGIN, END, process_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_process_table_matches_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    inside = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert inside == process_table(), (
        "README.md's process table is out of date: run `python -m bot.flows.docs README.md`"
    )
