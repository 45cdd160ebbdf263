"""Test helpers: run the stand-in around a test.

In tests/conftest.py:

    from bot.slack_standin.testing import running_standin

    @pytest.fixture
    def slack() -> Iterator[StandinServer]:
        with running_standin() as server:
            yield server

A session-wide server is cheaper: start it once and call `server.state.reset()` per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.slack_standin.models import Call
from bot.slack_standin.server import StandinServer
from bot.slack_standin.state import SlackState


class ContractViolation(AssertionError):
    """The code under test broke the Slack API contract (unknown method, bad arguments...)."""


def describe(calls: list[Call]) -> str:
    return "\n".join(
        f"  #{c.seq} {c.method} -> {c.error} {c.response.get('response_metadata', '')} "
        f"args={sorted(c.args)}"
        for c in calls
    )


def assert_no_violations(state: SlackState) -> None:
    """Fail with a readable list when any recorded call broke the API contract."""
    violations = state.violations()
    if violations:
        raise ContractViolation(f"Slack API contract violations:\n{describe(violations)}")


@contextmanager
def running_standin(
    *, seed: bool = True, check_violations: bool = True, **state_options: Any
) -> Iterator[StandinServer]:
    """A started stand-in (demo users and channels when `seed`); stopped on exit.

    With `check_violations`, leaving the block normally raises `ContractViolation` if any call
    broke the contract. `state_options` go to `SlackState` (token, clock, trigger_ttl...).
    """
    state = SlackState(**state_options)
    if seed:
        state.seed_demo()
    server = StandinServer(state).start()
    try:
        yield server
    finally:
        server.stop()
    if check_violations:
        assert_no_violations(state)
