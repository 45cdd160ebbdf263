"""What M11's modal opens with: the period since the last review (or since the service
started) up to yesterday, the availability measured over it and the missed targets, so the
service level manager reviews computed figures instead of typing them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.flows.errors import DomainError
from bot.flows.process import MEASUREMENT
from bot.flows.service_levels.attainment import Nonconformity
from bot.i18n import t
from store.attainment import attainment_in, period_of
from store.effects import last_record
from store.models import Agreement


def _line(n: Nonconformity, locale: str) -> str:
    """One missed target, as the M11 modal's nonconformities field lists it."""
    kind = t(f"nc_{n.kind}", locale)
    key = "nc_line_incident" if n.incident_id else "nc_line"
    return str(
        t(
            key,
            locale,
            kind=kind,
            incident=n.incident_id,
            target=n.target,
            achieved=n.achieved,
            unit=t(f"unit_{n.unit}", locale),
        )
    )


def review_defaults(
    s: Session, agreement_id: str, *, now: datetime, tz: str, country: str, locale: str
) -> dict[str, Any]:
    ag = s.get(Agreement, agreement_id)
    if ag is None:
        return {}
    tz = ag.timezone or tz
    yesterday = now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    last = last_record(s, agreement_id, MEASUREMENT)
    if last is not None and last.data.get("period_end"):
        first = datetime.fromisoformat(str(last.data["period_end"])).date() + timedelta(days=1)
    else:
        first = ag.start_date or yesterday
    first = min(first, yesterday)
    out: dict[str, Any] = {"period_start": first.isoformat(), "period_end": yesterday.isoformat()}
    start, end = period_of(first, yesterday, tz)
    try:
        got = attainment_in(s, agreement_id, start=start, end=end, now=now, tz=tz, country=country)
    except DomainError:
        return out
    out["availability_pct"] = str(got.availability.achieved_pct)
    lines = [_line(n, locale) for n in got.nonconformities]
    if lines:
        out["nonconformities"] = lines
    return out
