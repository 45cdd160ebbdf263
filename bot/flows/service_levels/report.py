"""The measured part of M11's service report, as data the document templates and the chart
read: the period's availability, each incident's clocks, every missed target and the trend
over the last periods. Pure: computed from an `Attainment`, nothing typed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows.service_levels.attainment import Attainment
from bot.flows.service_levels.clocks import ClockReading

#: how many periods the trend shows (the current one included)
TREND_PERIODS = 6


def _min(td: timedelta) -> int:
    return int(td.total_seconds() // 60)


def _clock(c: ClockReading | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "target_min": _min(c.target),
        "elapsed_min": _min(c.elapsed),
        "paused_min": _min(c.paused),
        "breached": c.breached,
        "running": c.running,
    }


def _local(dt: datetime | None, tz: str) -> str | None:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else None


def measured_figures(
    got: Attainment, trend: Sequence[tuple[str, Attainment]], *, tz: str
) -> dict[str, Any]:
    """JSON-ready figures of one period and its trend (what the service report prints)."""
    a = got.availability
    return {
        "start": _local(got.start, tz),
        "end": _local(got.end, tz),
        "measured_at": _local(got.measured_at, tz),
        "tz": tz,
        "availability": {
            "target": str(a.target_pct),
            "achieved": str(a.achieved_pct),
            "met": a.met,
            "service_hours": round(a.service_time.total_seconds() / 3600, 1),
            "downtime_min": _min(a.downtime),
            "degraded_min": _min(a.degraded),
            "budget_min": _min(a.budget),
            "budget_left_min": _min(a.budget_left),
        },
        "incidents": [
            {
                "id": ic.incident.id,
                "priority": ic.incident.priority.value,
                "impact": ic.incident.impact.value,
                "summary": ic.incident.summary,
                "opened": _local(ic.incident.opened_at, tz),
                "resolved": _local(ic.incident.resolved_at, tz),
                "response": _clock(ic.response),
                "resolution": _clock(ic.resolution),
            }
            for ic in got.incidents
        ],
        "nonconformities": [
            {
                "kind": n.kind,
                "incident": n.incident_id,
                "target": n.target,
                "achieved": n.achieved,
                "unit": n.unit,
            }
            for n in got.nonconformities
        ],
        "trend": [
            {
                "period": label,
                "achieved": str(t.availability.achieved_pct),
                "target": str(t.availability.target_pct),
                "met": t.availability.met,
                "incidents": len(t.incidents),
            }
            for label, t in trend
        ],
    }
