"""Group commit for the Alertmanager webhook: notifications that arrive while a transaction
runs are written together in the next one (each still gets its own outcome), so the cost of
a commit is shared and a burst of alerts does not queue behind one transaction each.

If a shared transaction fails, each notification is retried on its own, so one bad
notification fails alone (its request answers 503 and Alertmanager sends it again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.flows.alertmanager import OutageSignal
from store.alerts import AlertOutcome, ingest_many
from store.db import Database

log = logging.getLogger("slm_bot.alerts")
#: the most notifications one transaction takes
BATCH = 200

Item = tuple[Sequence[OutageSignal], "asyncio.Future[AlertOutcome]"]


class AlertWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: asyncio.Queue[Item] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, signals: Sequence[OutageSignal]) -> AlertOutcome:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            self._loop, self._queue = loop, asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue))
        assert self._queue is not None
        fut: asyncio.Future[AlertOutcome] = loop.create_future()
        self._queue.put_nowait((signals, fut))
        return await fut

    async def _run(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < BATCH:
                batch.append(queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[Item]) -> None:
        now = datetime.now(UTC)
        try:
            outs = await asyncio.to_thread(ingest_many, self.db, [b[0] for b in batch], now=now)
        except Exception:
            if len(batch) == 1:
                log.exception("alert notification could not be written")
                _settle(batch[0][1], exc=RuntimeError("write failed"))
                return
            log.warning("a group of %d notifications failed; one at a time", len(batch))
            for item in batch:
                await self._write([item])
            return
        for (_, fut), out in zip(batch, outs, strict=True):
            _settle(fut, out=out)


def _settle(
    fut: asyncio.Future[AlertOutcome],
    *,
    out: AlertOutcome | None = None,
    exc: BaseException | None = None,
) -> None:
    if fut.done():  # the request went away
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        assert out is not None
        fut.set_result(out)
