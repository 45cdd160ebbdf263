"""The soak's processes (`benchmarks/soak.py`): the bot as `slm-bot serve`, or in the
Procfile's shape (`serve --no-scheduler` beside `worker` processes), configured to use the
Slack stand-in, and a signed-request client to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bot.slack_standin.server import StandinServer
from tests.slack_support import CHANNEL, SECRET, SlackClient, free_port

ROOT = Path(__file__).resolve().parents[1]


def bot_env(db_url: str, standin: StandinServer, port: int) -> dict[str, str]:
    """The bot's configuration: everything Slack at the stand-in, sweeps every 10 s."""
    return {
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": standin.state.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        "SLM_AGREEMENTS_CHANNEL": CHANNEL,
        "SLM_LOCALE": "en",
        "SLM_TIMEZONE": "Asia/Shanghai",
        "SLM_SWEEP_INTERVAL": "10",
        "SLM_CHANNEL_INTERVAL": "0",
        "SLM_LOG_FORMAT": "plain",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }


@contextmanager
def bot_process(
    tmp: str, db_url: str, standin: StandinServer, workers: int = 0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m bot.cli serve` in its own process (its dispatcher and sweeps with it), its
    log in `tmp`/bot.log; yields its URL and process once /healthz answers. With `workers`,
    the Procfile's production shape instead: `serve --no-scheduler` and that many `worker`
    processes (logs `tmp`/worker-N.log) sending the outbox and running the sweeps. Stopped
    by SIGTERM on exit."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **bot_env(db_url, standin, port)}
    serve = ["serve", "--no-scheduler"] if workers else ["serve"]
    procs = [_start(tmp, "bot", serve, env)]
    procs += [_start(tmp, f"worker-{i + 1}", ["worker"], env) for i in range(workers)]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if procs[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start (see {tmp}/bot.log)")
            time.sleep(0.2)
        yield url, procs[0]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _start(tmp: str, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(Path(tmp) / f"{name}.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args], cwd=tmp, env=env, stdout=log, stderr=log
        )


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class BotClient(SlackClient):
    """`SlackClient` (signed requests as Slack sends them) to a bot served by another process."""

    def __init__(self, url: str, standin: StandinServer) -> None:
        self.standin, self.locale = standin, "en"
        self.http = httpx.Client(base_url=url, timeout=10)
