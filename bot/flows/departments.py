"""Departments of rule 6 and 7 (issue 9): who heads each one, what a head acknowledges (M7)
and what a support department signs (the OLAs of M9). Pure: names, keys and the states.

A department is known by its name as written on a breakdown or OLA line ("DBA: ..."); the
directory (kept by an admin) maps it to its head, matched without regard to case or spacing.
The head reads the M7 lines of the department and acknowledges them; the same person signs
the department's OLAs, and must hold the `support_dept` role to do so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

#: the audit actions of the department steps (their step ids are M7 and M9)
ACKNOWLEDGE = "M7.acknowledge"
SIGN = "M9.sign"
QUERY = "M9.query"
ANSWER = "M9.answer"
DIRECTORY = "departments.set"
#: the step each audit action belongs to
STEP_OF: dict[str, str | None] = {
    ACKNOWLEDGE: "M7",
    SIGN: "M9",
    QUERY: "M9",
    ANSWER: "M9",
    DIRECTORY: None,
}


class OlaStatus(StrEnum):
    """An OLA of the current round waits for its signature, is queried, or is signed; a
    rejected round's OLAs are superseded."""

    UNSIGNED = "unsigned"
    QUERIED = "queried"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


#: the statuses of the current round's OLAs (not superseded)
CURRENT: tuple[str, ...] = (OlaStatus.UNSIGNED, OlaStatus.QUERIED, OlaStatus.SIGNED)


def dept_key(name: str) -> str:
    """The key a department is matched by: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def departments_of(lines: Iterable[Any]) -> dict[str, list[str]]:
    """The breakdown's lines grouped by department, in order of first appearance (the name as
    first written -> its lines). Lines are `DeptLine`s or their dicts."""
    out: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for ln in lines:
        dept, text = (
            (ln["department"], ln["text"]) if isinstance(ln, Mapping) else (ln.department, ln.text)
        )
        name = names.setdefault(dept_key(dept), str(dept).strip())
        out.setdefault(name, []).append(str(text))
    return out


def without(departments: Iterable[str], known: Mapping[str, str]) -> list[str]:
    """The departments (names) that `known` (key -> user) has no one for."""
    return [d for d in departments if dept_key(d) not in known]


def waiting_text(waiting: Sequence[Sequence[str]]) -> str:
    """`DBA (U1), Network (U2)`: English for logs."""
    return ", ".join(f"{d} ({u})" for d, u in waiting)
