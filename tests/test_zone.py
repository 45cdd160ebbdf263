"""The holiday country travels with the `Database`, as the time zone does: every session
carries both, so what the store computes (M11's measured figures, the card's service level)
keeps the calendar the process was configured with, not whatever the environment says."""

from __future__ import annotations

from pathlib import Path

from store.db import Database
from store.zone import DEFAULT_COUNTRY, service_country, session_country, session_zone


def test_sessions_carry_the_databases_zone_and_country(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/z.db", timezone="Europe/Berlin", country=" de ")
    assert db.country == "DE"
    with db.read() as s:
        assert (session_zone(s), session_country(s)) == ("Europe/Berlin", "DE")
    with db.write() as s:
        assert (session_zone(s), session_country(s)) == ("Europe/Berlin", "DE")
    db.dispose()


def test_without_a_country_the_configured_one_applies(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/z.db")
    assert db.country == service_country()
    with db.read() as s:
        assert session_country(s) == service_country()
    assert session_country(object()) == service_country()  # not a session: the configured one
    assert DEFAULT_COUNTRY == "CN"
    db.dispose()
