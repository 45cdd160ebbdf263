"""`slm_transitions_total` counts committed transitions only (issue 13): a transition whose
transaction rolls back (here: its commit fails) is not counted, nothing of it is stored, and
the same transition committed afterwards counts once. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, func, select
from sqlmodel import Session

from store.db import Database
from store.models import Agreement, table_of
from tests.support import Clock, new_agreement


def transitions(step: str) -> float:
    return REGISTRY.get_sample_value("slm_transitions_total", {"step": step}) or 0.0


def agreements(db: Database) -> int:
    with db.read_conn() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(Agreement))).scalar_one())


@contextmanager
def failing_commit() -> Iterator[None]:
    """Every commit fails (as a serialization failure or a lost connection at commit would)."""

    def boom(session: Any) -> None:
        raise RuntimeError("commit failed")

    event.listen(Session, "before_commit", boom)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", boom)


def test_a_rolled_back_transition_is_not_counted(world: Database, clock: Clock) -> None:
    before, stored = transitions("M1"), agreements(world)
    with failing_commit(), pytest.raises(RuntimeError, match="commit failed"):
        new_agreement(world, clock, customer="Rolled Back Ltd")
    assert transitions("M1") == before
    assert agreements(world) == stored
    new_agreement(world, clock, customer="Committed Ltd")
    assert transitions("M1") == before + 1
    assert agreements(world) == stored + 1
