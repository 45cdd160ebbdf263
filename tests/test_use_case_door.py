"""Use cases are the only door to the store (issue 14): the Slack handlers, the scheduler, the
HTTP API, the sandbox and the CLI call functions that take the `Database` and do one thing a
person or the clock does; none of them opens a session, imports SQLAlchemy or calls a store
function that takes a session. Rows of `store.models` may travel back as typed results."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: everything outside the store: the handlers, the scheduler, the CLI, the API, the sandbox
SURFACES = sorted(ROOT.glob("bot/**/*.py"))


def _takes_a_session(module: str, name: str) -> bool:
    obj = getattr(importlib.import_module(module), name, None)
    if not inspect.isfunction(obj):
        return False
    params = list(inspect.signature(obj).parameters.values())
    return bool(params) and str(params[0].annotation) in {"Session", "Connection"}


def _breaches(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        where = f"{shown}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in {"sqlalchemy", "sqlmodel"}:
                found.append(f"{where} imports {node.module}")
            if node.module.startswith("store"):
                found += [
                    f"{where} imports {node.module}.{a.name}, which takes a session"
                    for a in node.names
                    if _takes_a_session(node.module, a.name)
                ]
        if isinstance(node, ast.Import):
            found += [
                f"{where} imports {a.name}"
                for a in node.names
                if a.name.split(".")[0] in {"sqlalchemy", "sqlmodel"}
            ]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"read", "write"}
            and not node.args
            and "db" in ast.unparse(node.func.value).lower()
        ):
            found.append(f"{where} opens a session ({ast.unparse(node.func)}())")
    return found


def test_the_surfaces_reach_the_store_only_through_use_cases() -> None:
    assert len(SURFACES) > 100
    breaches = [b for path in SURFACES for b in _breaches(path)]
    assert breaches == []


def test_the_door_check_finds_a_session_opened_in_a_handler(tmp_path: Path) -> None:
    """The check above can fail: a handler written the old way is caught three times."""
    handler = tmp_path / "old_handler.py"
    handler.write_text(
        "from sqlmodel import select\n"
        "from store.roles import roles_of\n"
        "def has(deps, user):\n"
        "    with deps.db.read() as s:\n"
        "        return roles_of(s, user)\n",
        encoding="utf-8",
    )
    found = _breaches(handler)
    assert [f.split(" ", 1)[1] for f in found] == [
        "imports sqlmodel",
        "imports store.roles.roles_of, which takes a session",
        "opens a session (deps.db.read())",
    ]


def test_the_scheduler_renders_through_the_shared_builders_not_the_handlers() -> None:
    """The outbox renderer and the sweeps use `bot/blocks/` (Block Kit builders shared with
    the handlers), never a Slack handler module; the builders import no handler either."""
    found = []
    for path in [*ROOT.glob("bot/scheduler/*.py"), *ROOT.glob("bot/blocks/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)} imports {n}"
                for n in names
                if n == "bot.handlers" or n.startswith("bot.handlers.")
            ]
    assert found == []
