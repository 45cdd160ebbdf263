"""Two people at the same step at the same moment: exactly one wins, the other learns who."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.flows.errors import AlreadyDone, StaleVersion
from store.db import Database
from store.lifecycle import Outcome, perform
from tests.support import Clock, drive, forms


def race(
    db: Database,
    agreement_id: str,
    action: str,
    data: dict[str, Any],
    actors: tuple[str, str],
    clock: Clock,
) -> dict[str, Outcome | Exception]:
    barrier = threading.Barrier(len(actors))
    results: dict[str, Outcome | Exception] = {}
    lock = threading.Lock()
    now = clock()

    def run(actor: str) -> None:
        barrier.wait()
        try:
            out: Outcome | Exception = perform(db, agreement_id, action, data, actor=actor, now=now)
        except Exception as exc:  # collected and asserted below
            out = exc
        with lock:
            results[actor] = out

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("round_", range(5))
def test_two_concurrent_attempts_one_wins(world: Database, clock: Clock, round_: int) -> None:
    ag = drive(world, "M9.review", clock)
    results = race(
        world, ag.agreement_id, "M9.review", {"decision": "approve"}, ("U_SLM", "U_SLM_B"), clock
    )
    winners = [a for a, r in results.items() if isinstance(r, Outcome)]
    losers = [a for a, r in results.items() if not isinstance(r, Outcome)]
    assert len(winners) == 1 and len(losers) == 1, results
    loss = results[losers[0]]
    assert isinstance(loss, AlreadyDone), repr(loss)
    assert loss.by == winners[0]
    assert f"already done by {winners[0]}" in str(loss)


def test_stale_modal_is_told_who_did_it(world: Database, clock: Clock) -> None:
    ag = drive(world, "M3", clock)
    seen = ag.lock_version
    perform(world, ag.agreement_id, "M3", forms()["M3"], actor="U_SLM", now=clock())
    with pytest.raises(AlreadyDone, match="M3 was already done by U_SLM"):
        perform(
            world,
            ag.agreement_id,
            "M3",
            forms()["M3"],
            actor="U_SLM_B",
            now=clock(),
            expected_version=seen,
        )
    # a modal opened for M4 before someone else did M4 and M5 meanwhile
    seen = perform(
        world, ag.agreement_id, "M4", forms()["M4"], actor="U_SALES", now=clock()
    ).lock_version
    with pytest.raises(StaleVersion, match="moved on"):
        perform(
            world,
            ag.agreement_id,
            "M6",
            forms()["M6"],
            actor="U_SUP",
            now=clock(),
            expected_version=seen - 1,
        )
