"""What each request pays for its person's language (bot/user_locale.py): the stored App Home
choice read from SQLite on every request, or cached for 30 s (the default).

    .venv/bin/python benchmarks/bench_user_locale.py [--n 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.user_locale import LocaleResolver
from store.db import Database
from store.migrate import upgrade
from store.user_prefs import choose_locale


async def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        now = datetime.now(UTC)
        for i in range(1000):
            choose_locale(db, f"U{i:05d}", "zh-CN" if i % 2 else "en", now=now)
        people = [f"U{i % 1000:05d}" for i in range(n)]
        for label, resolver in (
            ("every request reads the choice", LocaleResolver(db, "en", choice_ttl=0)),
            ("choices cached for 30 s", LocaleResolver(db, "en")),
        ):
            await resolver.for_user("U00000", None)
            start = time.perf_counter()
            for user in people:
                await resolver.for_user(user, None)
            per = (time.perf_counter() - start) / n
            print(f"{label:<32} {per * 1e6:8.1f} us per request  ({n} requests, 1000 people)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    asyncio.run(measure(parser.parse_args().n))


if __name__ == "__main__":
    main()
