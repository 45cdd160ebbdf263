"""What the command line's commands share: their error, the clock, the databases they open,
JSON and file arguments."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings
from store.db import Database

Handler = Callable[[argparse.Namespace, Settings], int]


class CliError(Exception):
    """A problem with the command line or its input; printed without a trace."""


def utc_now() -> datetime:
    return datetime.now(UTC)


#: databases a command opened; `main` closes their connections when the command ends
OPENED: list[Database] = []


def open_db(settings: Settings, *, migrate: bool = False) -> Database:
    db = Database(settings.database_url, timezone=settings.timezone, country=settings.country)
    OPENED.append(db)
    if migrate:
        from store.migrate import upgrade

        upgrade(db)
    return db


def json_arg(text: str, what: str) -> dict[str, Any]:
    """`{"a": 1}` inline, `@file.json`, or `-` for standard input."""
    raw = (
        sys.stdin.read()
        if text == "-"
        else (read_file(text[1:], what) if text[:1] == "@" else text)
    )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise CliError(f"{what} must be a JSON object")
    return data


def read_file(name: str, what: str) -> str:
    """The text of a file named on the command line; a missing or unreadable one is a user
    error named in one line."""
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{what}: no such file: {name}") from None
    except IsADirectoryError:
        raise CliError(f"{what}: {name} is a directory, not a file") from None
    except PermissionError:
        raise CliError(f"{what}: {name} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise CliError(f"{what}: {name} is not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"{what}: {name} cannot be read ({exc.strerror})") from None
