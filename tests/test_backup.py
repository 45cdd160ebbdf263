"""Export -> import into an empty database -> export gives the same JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.flows.integrity import NEEDS_SIGNED
from store.backup import ImportError_, dumps, export_data, import_data
from store.db import Database
from store.demo import departments_answer
from tests.dbs import postgres_db, sqlite_db
from tests.support import Clock, drive, setup_world
from tests.test_full_life import LIFE


def populate(db: Database) -> None:
    from store.usecases import take_action
    from tests.support import ACTOR, forms, new_agreement

    setup_world(db)
    clock = Clock()
    for action in ("M2", "M9.review", "T3"):
        drive(db, action, clock, customer=f"Customer {action}")
    ag = new_agreement(db, clock, "Backup Life")
    for action in LIFE:
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (rules 6, 7)
            departments_answer(db, ag.agreement_id, now=clock())
        take_action(
            db,
            agreement_id=ag.agreement_id,
            action=action,
            data=forms("Backup Life")[action],
            actor=ACTOR[action],
            now=clock(),
        )


def test_round_trip(empty_db: Database, tmp_path: Path) -> None:
    populate(empty_db)
    first = dumps(export_data(empty_db))
    data = json.loads(first)
    assert data["tables"]["audit_event"] and data["tables"]["outbox"]
    with sqlite_db(tmp_path / "copy") as target:
        import_data(target, json.loads(first))
        assert dumps(export_data(target)) == first
        with pytest.raises(ImportError_, match="not empty"):
            import_data(target, json.loads(first))


def test_round_trip_sqlite_to_postgres(tmp_path: Path) -> None:
    with sqlite_db(tmp_path) as src:
        populate(src)
        first = dumps(export_data(src))
    with postgres_db() as dst:
        import_data(dst, json.loads(first))
        assert dumps(export_data(dst)) == first
        # sequences continue after the imported ids
        from tests.support import new_agreement

        out = new_agreement(dst, Clock())
        assert out.agreement_id.startswith("SLA-2026-")


def test_import_refuses_what_is_not_an_export(tmp_path: Path) -> None:
    with sqlite_db(tmp_path) as db, pytest.raises(ImportError_, match="not an slm-bot export"):
        import_data(db, {"hello": 1})
