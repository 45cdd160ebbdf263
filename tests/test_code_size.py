"""Small modules named for what they hold (issue 14): no module over 400 lines and no function
over 60 outside the tests and the migrations."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "store", "benchmarks")
MAX_MODULE, MAX_FUNCTION = 400, 60


def _sources() -> list[Path]:
    return sorted(
        p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts
    )


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    sources = _sources()
    assert len(sources) > 150
    too_long = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        if (n := len(text.splitlines())) > MAX_MODULE:
            too_long.append(f"{name}: {n} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION:
                    too_long.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert too_long == []
