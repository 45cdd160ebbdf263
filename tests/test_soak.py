"""A short soak (`benchmarks/soak.py`): mixed traffic to the bot in its own process, against
the stand-in answering 5% 429 and 1% 500; no errors, nothing lost, nothing doubled, and the
memory measured is the bot process's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.soak import soak  # noqa: E402


def test_a_short_soak_loses_and_doubles_nothing() -> None:
    report = soak(0.2, seed=3)
    assert report.requests > 10
    assert report.new_requests > 0
    assert report.injected_429 + report.injected_500 > 0, "faults were injected"
    assert report.errors == 0
    assert report.lost == 0
    assert report.doubled == 0
    assert report.bot_log_errors == 0
    assert report.bot_pid not in (0, os.getpid()), "the bot ran in its own process"
    assert report.rss_start_mb > 0 and report.rss_end_mb > 0


def test_the_procfile_shape_on_postgresql_loses_and_doubles_nothing() -> None:
    """`serve --no-scheduler` and two `worker` processes on one PostgreSQL database (the
    Procfile's production shape): the workers share the outbox and the sweeps."""
    from tests.dbs import PG_BASE, require_pg

    require_pg()
    report = soak(0.25, seed=5, pg=PG_BASE, workers=2)
    assert report.database == "postgresql" and report.workers == 2
    assert report.requests > 10 and report.new_requests > 0
    assert report.injected_429 + report.injected_500 > 0, "faults were injected"
    assert (report.errors, report.lost, report.doubled, report.bot_log_errors) == (0, 0, 0, 0)
    assert report.sweeps > 0, "the workers ran the sweeps"
