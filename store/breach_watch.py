"""Breach warnings (M11) for the sweep: 50 %, 75 % and 100 % of each incident's resolution
target and of the month's downtime budget, as reminders under unique keys (a DM to the O&M
service owner and a reply in the agreement's thread), so a repeated sweep, a restart or a
second worker never doubles one.

Only what is live is watched: incidents still open or resolved in the last day, and the
current month's budget. When a sweep finds several thresholds reached at once (an outage
recorded late), only the highest is told; the lower ones are not sent afterwards either.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.flows.process_model import Status
from bot.flows.service_levels import budget_warnings, resolution_warnings
from bot.flows.service_levels.attainment import Attainment
from bot.flows.service_levels.breaches import BreachWarning
from store.attainment import agreement_zone, attainment, month_of
from store.db import Database
from store.models import Agreement, Incident, table_of
from store.reminders import Due

_I, _AG = table_of(Incident), table_of(Agreement)
KIND = "breach"
#: a resolved incident's clock is still told within this long after its resolution
RECENT = timedelta(days=1)


def watched(db: Database, now: datetime) -> list[tuple[str, str | None]]:
    """(agreement, owner) of measured agreements with an incident open or recently closed."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(_AG.c.id, _AG.c.owner)
            .where(
                _AG.c.id.in_(
                    select(_I.c.agreement_id).where(
                        or_(_I.c.resolved_at.is_(None), _I.c.resolved_at > now - RECENT)
                    )
                ),
                _AG.c.status.notin_((Status.ARCHIVED, Status.DECLINED)),
            )
            .order_by(_AG.c.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def _highest(warnings: Iterable[BreachWarning]) -> BreachWarning | None:
    return max(warnings, key=lambda w: w.threshold, default=None)


def warnings_of(
    got: Attainment, now: datetime, tz: str
) -> list[tuple[BreachWarning, dict[str, object]]]:
    """The highest threshold reached per live incident and for the month's budget."""
    out: list[tuple[BreachWarning, dict[str, object]]] = []
    aid = got.agreement_id
    for ic in got.incidents:
        c, inc = ic.resolution, ic.incident
        if c is None or (inc.resolved_at is not None and inc.resolved_at <= now - RECENT):
            continue
        w = _highest(resolution_warnings(aid, inc.id, c.used))
        if w is not None:
            out.append(
                (
                    w,
                    {
                        "subject": "resolution",
                        "incident": inc.id,
                        "priority": inc.priority.value,
                        "summary": inc.summary[:200],
                        "target_min": int(c.target.total_seconds() // 60),
                        "elapsed_min": int(c.elapsed.total_seconds() // 60),
                        "due": c.due.astimezone(ZoneInfo(tz)).isoformat(),
                    },
                )
            )
    a = got.availability
    period = got.start.strftime("%Y-%m")
    w = _highest(budget_warnings(aid, period, a.budget_used))
    if w is not None:
        out.append(
            (
                w,
                {
                    "subject": "budget",
                    "period": period,
                    "budget_min": int(a.budget.total_seconds() // 60),
                    "down_min": int(a.downtime.total_seconds() // 60),
                    "target": str(a.target_pct),
                },
            )
        )
    return out


def breach_dues(
    db: Database,
    agreement_id: str,
    owner: str | None,
    fallback: list[str],
    *,
    now: datetime,
    tz: str,
    country: str = "CN",
) -> list[Due]:
    """The warnings due for one agreement: a DM to the owner (or the service level
    managers when it has none yet), and one reply in its thread."""
    tz = agreement_zone(db, agreement_id, tz)
    start, end = month_of(now.astimezone(ZoneInfo(tz)).date(), tz)
    got = attainment(db, agreement_id, start=start, end=end, now=now, tz=tz, country=country)
    out: list[Due] = []
    for w, payload in warnings_of(got, now, tz):
        body = {**payload, "threshold": w.threshold}
        people = [owner] if owner else fallback
        for i, person in enumerate(people):
            out.append(
                Due(f"{w.key}:{person}", KIND, agreement_id, person, body | {"thread": i == 0})
            )
    return out
