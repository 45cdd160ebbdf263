"""Prometheus metrics (`GET /metrics` on `slm-bot serve`): what the service is doing.

One registry per process (prometheus_client's default). Names and labels are documented in
the README (Observability).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from bot.flows.statuses import OutboxStatus
from store.db import Database

REQUESTS = Counter(
    "slm_requests_total",
    "Requests from Slack by surface (command, action, view, event, other) and outcome",
    ["surface", "outcome"],
)
ACK_SECONDS = Histogram(
    "slm_ack_seconds",
    "Time from a Slack request's arrival to the HTTP answer (the ack)",
    ["surface"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0),
)
TRANSITIONS = Counter(
    "slm_transitions_total", "Process transitions recorded, by step (M1..T7)", ["step"]
)
OUTBOX_DEPTH = Gauge("slm_outbox_messages", "Outbox rows by status", ["status"])
SENDS = Counter("slm_outbox_sends_total", "Outbox sends to Slack by outcome", ["outcome"])
SLACK_429 = Counter("slm_slack_rate_limited_total", "HTTP 429 answers from Slack's Web API")
SWEEP_SECONDS = Histogram(
    "slm_sweep_seconds",
    "Duration of one sweep (reminders, deemed confirmations, stale tasks)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


def metrics_endpoint(db: Database) -> Callable[[Request], Awaitable[Response]]:
    """`GET /metrics`: the Prometheus text format; the outbox depth is read at each scrape."""

    async def scrape(_: Request) -> Response:
        from store.outbox import status_counts

        counts = await asyncio.to_thread(status_counts, db)
        for status in OutboxStatus:
            OUTBOX_DEPTH.labels(status).set(counts.get(status, 0))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return scrape
