"""Incidents and outages as the process measures them (M11): the form every way in shares.

An incident is recorded from Slack (`/sla incident`), a CSV file, Alertmanager or the JSON API;
all four validate through `IncidentForm`, so a value one of them refuses, every one refuses.
Pure: stdlib and pydantic only.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field, model_validator

from bot.flows.errors import FieldProblem, FormInvalid
from bot.flows.forms import UI, StepForm, Widget, choices_of, parse_form, problem
from bot.flows.service_levels.clocks import Pause
from bot.flows.service_levels.targets import Impact, Priority

#: the earliest and latest instants an incident may carry (both databases store these)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

SOURCES = ("slack", "cli", "csv", "alertmanager", "api")

PRIORITY_LABELS = {
    "P1": ("P1 critical", "P1 紧急"),
    "P2": ("P2 high", "P2 高"),
    "P3": ("P3 medium", "P3 中"),
    "P4": ("P4 low", "P4 低"),
}
IMPACT_LABELS = {
    "down": ("Service down", "服务中断"),
    "degraded": ("Service degraded", "服务降级"),
    "none": ("No outage", "无中断"),
}


def _clean_text(value: Any) -> Any:
    """Text without control characters (a NUL is refused by PostgreSQL; the others by us)."""
    if isinstance(value, str) and any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value
    ):
        raise problem("control_chars", "must not contain control characters")
    return value


def _instant(value: Any) -> Any:
    """An ISO-8601 instant with its offset, inside the range the databases keep."""
    if isinstance(value, str):
        raw = value.strip()
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise problem("datetime", "write a date and time with its offset") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise problem("datetime", "write a date and time with its offset")
        if not EARLIEST <= value < LATEST:
            raise problem("datetime_range", "must be between 2000 and 2099")
        return value
    if value is None:
        return None
    raise problem("datetime", "write a date and time with its offset")


Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]
Summary = Annotated[str, Field(min_length=1, max_length=500), BeforeValidator(_clean_text)]


class IncidentForm(StepForm):
    """One incident or outage (M11 measures them): opened, acknowledged, resolved."""

    priority: Annotated[
        Priority,
        UI("Priority", "优先级", Widget.SELECT, choices=choices_of(Priority, PRIORITY_LABELS)),
    ]
    impact: Annotated[
        Impact,
        UI("Impact", "影响", Widget.SELECT, choices=choices_of(Impact, IMPACT_LABELS)),
    ]
    opened_at: Annotated[Instant, UI("Opened", "发生时间", Widget.TEXT)]
    acknowledged_at: Annotated[Instant | None, UI("Acknowledged", "响应时间", Widget.TEXT)] = None
    resolved_at: Annotated[Instant | None, UI("Resolved", "解决时间", Widget.TEXT)] = None
    summary: Annotated[Summary, UI("Summary", "摘要", Widget.MULTILINE)]
    pauses: Annotated[list[Pause], UI("Waiting for the customer", "等待客户", Widget.MULTILINE)] = (
        Field(default_factory=list, max_length=50)
    )

    @model_validator(mode="after")
    def _ordered(self) -> IncidentForm:
        if self.acknowledged_at is not None and self.acknowledged_at < self.opened_at:
            raise problem(
                "not_before_instant",
                "must not be before {other}",
                field="acknowledged_at",
                other="opened_at",
            )
        if self.resolved_at is not None and self.resolved_at < self.opened_at:
            raise problem(
                "not_before_instant",
                "must not be before {other}",
                field="resolved_at",
                other="opened_at",
            )
        for p in self.pauses:
            if p.start < self.opened_at or (
                self.resolved_at is not None and (p.end or p.start) > self.resolved_at
            ):
                raise problem(
                    "pause_outside", "a pause must lie inside the incident", field="pauses"
                )
        return self

    def in_future(self, now: datetime) -> str | None:
        """The first instant field later than `now` (nothing is recorded ahead of time)."""
        for name in ("opened_at", "acknowledged_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None and value > now:
                return name
        return None


#: the CSV import's columns, in order (the README documents them); the last three, optional,
#: are one pause of the clocks (waiting for the customer), as the modal records it
CSV_COLUMNS = (
    "priority",
    "impact",
    "opened_at",
    "acknowledged_at",
    "resolved_at",
    "summary",
    "paused_at",
    "pause_ended_at",
    "pause_reason",
)
REQUIRED_COLUMNS = ("priority", "impact", "opened_at", "summary")
_PAUSE_COLUMNS = ("paused_at", "pause_ended_at", "pause_reason")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A CSV line that cannot be imported: its line number, the field and why."""

    line: int
    field: str
    problem: FieldProblem


class CsvInvalid(Exception):
    """The file cannot be imported; nothing of it is."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(f"line {first.line}, {first.field}: {first.problem.english}")


class CsvPause(StepForm):
    """The optional pause columns of one CSV line (one pause, as the modal records it)."""

    paused_at: Annotated[Instant, UI("Paused at", "暂停时间", Widget.TEXT)]
    pause_ended_at: Annotated[Instant | None, UI("Pause ended at", "暂停结束时间", Widget.TEXT)] = (
        None
    )
    pause_reason: Annotated[
        str, Field(max_length=500), BeforeValidator(_clean_text), UI("Why", "原因", Widget.TEXT)
    ] = ""

    @model_validator(mode="after")
    def _ordered(self) -> CsvPause:
        if self.pause_ended_at is not None and self.pause_ended_at < self.paused_at:
            raise problem(
                "not_before_instant",
                "must not be before {other}",
                field="pause_ended_at",
                other="paused_at",
            )
        return self


def _row_data(row: Mapping[str, str | None]) -> dict[str, Any]:
    """The line as the incident form's raw data (its pause read by `CsvPause`)."""
    data: dict[str, Any] = {}
    pause: dict[str, Any] = {}
    for name in CSV_COLUMNS:
        value = (row.get(name) or "").strip()
        if name in _PAUSE_COLUMNS:
            if value:
                pause[name] = value
        elif value or name in REQUIRED_COLUMNS:
            data[name] = value
    if pause:  # a reason or an end without its start: the start is missing
        p = parse_form(CsvPause, {"paused_at": ""} | pause)
        data["pauses"] = [{"start": p.paused_at, "end": p.pause_ended_at, "reason": p.pause_reason}]
    return data


def parse_csv(text: str, *, now: datetime) -> list[IncidentForm]:
    """Every row of an incidents CSV (header first), or `CsvInvalid` naming each bad line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        name = (missing or unknown)[0]
        code = "csv_missing_column" if missing else "csv_unknown_column"
        raise CsvInvalid([RowProblem(1, name, FieldProblem(code, {"column": name}, code))])
    reader.fieldnames = header
    forms: list[IncidentForm] = []
    problems: list[RowProblem] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(RowProblem(line, "-", FieldProblem("csv_extra_cells", {}, "")))
            continue
        try:
            form = parse_form(IncidentForm, _row_data(row))  # FormInvalid: this or the pause
        except FormInvalid as exc:
            name, p = next(iter(exc.problems.items()))
            problems.append(RowProblem(line, "paused_at" if name == "pauses" else name, p))
            continue
        late = form.in_future(now)
        if late:
            problems.append(RowProblem(line, late, FieldProblem("in_future", {}, "in the future")))
            continue
        forms.append(form)
    if problems:
        raise CsvInvalid(problems)
    return forms
