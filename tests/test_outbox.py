"""The outbox's shape: typed payloads, one dispatcher factory for every process, and the
worker's cards showing the task's due date like the web process's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store import outbox as ob
from store.db import Database
from tests.dbs import database
from tests.support import Clock, drive, setup_world

ROOT = Path(__file__).resolve().parents[1]
CHANNEL = "C0AGREEMENTS"


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with running_standin(check_violations=True) as server:
        yield server


def test_payloads_are_a_discriminated_union() -> None:
    event = ob.PAYLOAD.validate_python({"template": "event", "action": "M2", "record_id": 3})
    assert isinstance(event, ob.EventPayload) and event.record_id == 3
    reminder = ob.PAYLOAD.validate_python(
        {"template": "reminder", "reminder": 4, "kind": "expiry", "end": "2027-01-01"}
    )
    assert isinstance(reminder, ob.ReminderPayload)
    assert reminder.model_dump()["end"] == "2027-01-01"  # a kind's values ride along
    with pytest.raises(ValidationError):
        ob.PAYLOAD.validate_python({"template": "task"})  # a task names its action
    with pytest.raises(ValidationError):
        ob.PAYLOAD.validate_python({"template": "nonsense"})


def test_rows_written_by_a_transition_read_back_typed(tmp_path: Path) -> None:
    with database("sqlite", tmp_path) as db:
        setup_world(db)
        drive(db, "M3", Clock())
        keys = ob.candidate_keys(db, limit=100)
        rows = ob.pending_rows(db, keys, limit=100)
    kinds = {type(r.payload) for r in rows}
    assert {ob.CardPayload, ob.EventPayload, ob.TaskPayload} <= kinds


def test_one_factory_builds_every_dispatcher() -> None:
    """`serve`, `worker`, `sweep --send` and the sandbox take theirs from the factory."""
    constructed = []
    for path in (ROOT / "bot").rglob("*.py"):
        if "Dispatcher(" in path.read_text() and path.name not in ("factory.py",):
            constructed.append(str(path.relative_to(ROOT)))
    assert constructed == []


def test_the_worker_shows_the_due_date_on_cards(tmp_path: Path, standin: StandinServer) -> None:
    """`slm-bot worker` once built its dispatcher without the due date the web process shows."""
    db_file = tmp_path / "w.db"
    db = Database(f"sqlite:///{db_file}")
    from store.migrate import upgrade

    upgrade(db)
    setup_world(db)
    aid = drive(db, "M2", Clock()).agreement_id  # M3 is open: the card shows its due date
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": standin.state.token,
        "SLACK_API_URL": standin.base_url,
        "SLM_AGREEMENTS_CHANNEL": CHANNEL,
        "SLM_CHANNEL_INTERVAL": "0",
        "SLM_SWEEP_INTERVAL": "3600",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        card = None
        while time.time() < deadline and card is None:
            card = next(
                (m for m in standin.state.messages(CHANNEL) if str(m["text"]).startswith(aid)),
                None,
            )
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(20)
    assert card is not None, "the worker never posted the card"
    assert "*Due*" in str(card["blocks"])
