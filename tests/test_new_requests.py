"""New requests under concurrency: agreement numbers without races, customers found or
created without races, and the same view submission answered with the agreement it made."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.flows.roles import Role
from store.lifecycle import submit_request
from tests.dbs import database
from tests.support import USERS, Clock, forms, setup_world


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@pytest.mark.parametrize("same_customer", [False, True])
def test_fifty_concurrent_new_requests(kind: str, same_customer: bool, tmp_path: Path) -> None:
    with database(kind, tmp_path) as db:
        setup_world(db)
        now = Clock()()

        def one(i: int) -> str:
            name = "Rush Co" if same_customer else f"Rush Co {i}"
            return submit_request(
                db, forms(name)["M1"], actor=USERS[Role.SALES], now=now
            ).agreement_id

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda i: _safe(one, i), range(50)))
        errors = [r for r in results if isinstance(r, Exception)]
        assert errors == []
        ids = [str(r) for r in results]
        assert len(set(ids)) == 50
        assert sorted(int(i.rsplit("-", 1)[1]) for i in ids) == list(range(1, 51))
        with db.read_conn() as conn:
            from sqlalchemy import func, select

            from store.models import Customer, table_of

            cu = table_of(Customer)
            n = conn.execute(select(func.count()).select_from(cu)).scalar_one()
        assert n == (1 if same_customer else 50)


def _safe(fn: object, i: int) -> object:
    try:
        return fn(i)  # type: ignore[operator]
    except Exception as exc:  # collected and asserted empty
        return exc
