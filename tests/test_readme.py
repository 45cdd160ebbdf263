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
        "README.md's process table is out of date: "
        "run `.venv/bin/python -m bot.flows.docs README.md`"
    )


def test_readme_stands_alone() -> None:
    """A clone has only the repository: every link and path the README names is inside it, and
    the commands it gives run from the project's virtual environment."""
    import re

    root = README.parent
    for doc in (README, root / "docs" / "process.md"):
        text = doc.read_text(encoding="utf-8")
        assert "../" not in text, f"{doc.name} points outside the repository"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
    text = README.read_text(encoding="utf-8")
    bare = re.findall(r"(?<![/\w.])python3? (?:benchmarks|-m|scripts)\S*", text)
    assert not bare, f"commands outside the venv: {bare} (use .venv/bin/python)"


def test_licence_uses_the_spdx_string_form() -> None:
    import tomllib

    project = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(project["project"]["license"], str)
