from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import Database
from tests.dbs import database
from tests.support import Clock, setup_world


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    """A migrated database with one user per role and a catalogue, shared by a module."""
    with database(request.param, tmp_path_factory.mktemp("db")) as db:
        setup_world(db)
        yield db


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A freshly migrated, empty database (per test)."""
    with database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
def clock() -> Clock:
    return Clock()
