"""The zone a Calendar runs in, and the days it closes or reopens: the ``holidays``
package's holidays and makeup workdays, and the company's extra ones."""

from __future__ import annotations

from datetime import date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def resolve_zone(tz: str | tzinfo) -> tzinfo:
    """A zone name or a tzinfo as a tzinfo (``ValueError``/``TypeError`` otherwise)."""
    if isinstance(tz, str):
        try:
            tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
    if not isinstance(tz, tzinfo):
        raise TypeError(f"tz must be a zone name or a tzinfo, got {tz!r}")
    return tz


def check_country(country: str | None, subdiv: str | None) -> None:
    """``ValueError`` unless the ``holidays`` package knows ``country`` (and ``subdiv``)."""
    if country is not None:
        import holidays

        try:
            holidays.country_holidays(country, subdiv=subdiv, years=[])
        except NotImplementedError as exc:
            raise ValueError(f"no holiday data for {country!r}: {exc}") from exc


def day_overrides(
    year: int,
    *,
    skip_holidays: bool,
    country: str | None,
    subdiv: str | None,
    extra_holidays: frozenset[date],
    extra_workdays: frozenset[date],
) -> tuple[frozenset[date], frozenset[date]]:
    """(closed days, reopened days) of ``year``."""
    if not skip_holidays:
        return frozenset(), frozenset()
    pkg_off: set[date] = set()
    pkg_on: set[date] = set()
    if country is not None:
        import holidays

        data = holidays.country_holidays(country, subdiv=subdiv, years=year)
        pkg_off = {d for d in data if d.year == year}
        pkg_on = {d for d in getattr(data, "weekend_workdays", ()) if d.year == year}
    off = (pkg_off | extra_holidays) - extra_workdays
    on = (pkg_on - extra_holidays) | extra_workdays
    return frozenset(off), frozenset(on)
