"""The holiday override table: company days off and makeup workdays the package lacks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from store.db import Database
from store.models import HolidayOverride, table_of

_H = table_of(HolidayOverride)


def overrides(db: Database, country: str) -> tuple[list[date], list[date]]:
    """(extra holidays, extra workdays) for `country`."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(_H.c.day, _H.c.kind).where(_H.c.country == country).order_by(_H.c.day)
        ).all()
    return [d for d, k in rows if k == "holiday"], [d for d, k in rows if k == "workday"]


def set_override(db: Database, country: str, day: date, kind: str, note: str = "") -> None:
    if kind not in ("holiday", "workday"):
        raise ValueError("kind must be holiday or workday")
    with db.write() as s:
        conn = s.connection()
        conn.execute(_H.delete().where(_H.c.country == country, _H.c.day == day))
        conn.execute(_H.insert().values(country=country, day=day, kind=kind, note=note))


def remove_override(db: Database, country: str, day: date) -> bool:
    with db.write() as s:
        res = s.connection().execute(_H.delete().where(_H.c.country == country, _H.c.day == day))
        return bool(getattr(res, "rowcount", 0))


def list_overrides(db: Database, country: str) -> list[tuple[date, str, str]]:
    with db.read_conn() as conn:
        return [
            (d, k, n)
            for d, k, n in conn.execute(
                select(_H.c.day, _H.c.kind, _H.c.note)
                .where(_H.c.country == country)
                .order_by(_H.c.day)
            ).all()
        ]
