"""Start-up of `slm-bot sandbox --demo` to a usable page, in seconds (the target is under 5).

Each run starts `slm-bot sandbox --port P --demo --db <fresh dir>/sandbox.db` as a subprocess
(a fresh database: migrations, demo seeding and the first cards included), polls until the
page (`GET /`) and the first `GET /_sandbox/state` answer, prints the seconds, then stops the
process with SIGINT (Ctrl-C) and checks that it exits.

    python benchmarks/bench_sandbox_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5.0
TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(port: int, db: Path) -> list[str]:
    script = Path(sys.executable).with_name("slm-bot")
    args = ["sandbox", "--port", str(port), "--demo", "--db", str(db)]
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "bot.cli", *args]


def one_run(workdir: Path) -> float:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        command(port, workdir / "sandbox.db"),
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=2.0) as http:
            while True:
                if proc.poll() is not None:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise RuntimeError(f"the sandbox exited with {proc.returncode}:\n{out}")
                if time.perf_counter() - started > TIMEOUT:
                    raise RuntimeError(f"no usable page after {TIMEOUT} s")
                try:
                    page = http.get(f"{url}/")
                    state = http.get(f"{url}/_sandbox/state") if page.status_code == 200 else None
                except httpx.TransportError:
                    time.sleep(0.02)
                    continue
                if state is not None and state.status_code == 200 and state.json()["personas"]:
                    return time.perf_counter() - started
                time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print("  warning: the sandbox did not stop on SIGINT within 10 s", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
            seconds = one_run(Path(tmp))
        times.append(seconds)
        print(f"run {i + 1}: {seconds:.2f} s to a usable page")
    worst = max(times)
    print(
        f"start-up: median {statistics.median(times):.2f} s, worst {worst:.2f} s "
        f"(target < {TARGET:.0f} s): {'OK' if worst < TARGET else 'TOO SLOW'}"
    )
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
