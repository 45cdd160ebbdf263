"""Benchmark of the business-time engine against businesstimedelta and pandas.

Intervals per second for ``elapsed`` and for ``add`` (due times) over random intervals
of up to 60 days, pure Python (aware datetimes) and batch (numpy arrays), beside two
peers: ``businesstimedelta`` (elapsed and add) and pandas ``CustomBusinessHour`` (add
only: pandas has no business-time difference). Each peer is checked against the
engine's exact answers on the same sample and its agreement is reported, since speed
only matters for a correct answer.

    .venv/bin/pip install -e '.[bench]'   # businesstimedelta, pandas
    .venv/bin/python benchmarks/bench_business_time.py --n 100000 --seed 1
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

try:
    import businesstimedelta as btd
    import pandas as pd
    import pytz  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.exit(
        f"benchmarks/bench_business_time.py needs the 'bench' extra (businesstimedelta, "
        f"pandas): pip install -e '.[bench]'  [{exc}]"
    )

import holidays
import numpy as np

from bot.flows.business_time import Calendar

YEARS = range(2024, 2028)
MAX_DAYS = 60


@dataclass
class Setting:
    name: str
    cal: Calendar
    zone: tzinfo  # the zone of the input datetimes
    btd_rules: Any
    pandas_offset: Any
    open_share: float  # open hours / week hours, to size the add durations
    #: the calendar as the peers can model it (e.g. without makeup workdays), if different
    peer_model: Calendar | None = None
    model_note: str = ""


def settings() -> list[Setting]:
    out = []
    utc_rule = btd.WorkDayRule(start_time=dtime(9), end_time=dtime(17), tz=pytz.utc)
    out.append(
        Setting(
            "UTC 5x8, no holidays",
            Calendar.for_tier(3, "UTC", None),
            UTC,
            utc_rule,
            pd.offsets.CustomBusinessHour(start="09:00", end="17:00"),
            40 / 168,
        )
    )
    shanghai = pytz.timezone("Asia/Shanghai")
    cn = holidays.country_holidays("CN", years=YEARS)
    out.append(
        Setting(
            "Asia/Shanghai 5x8, CN holidays and makeup workdays",
            Calendar.for_tier(3, "Asia/Shanghai", "CN"),
            ZoneInfo("Asia/Shanghai"),
            btd.Rules(
                [
                    btd.WorkDayRule(start_time=dtime(9), end_time=dtime(17), tz=shanghai),
                    btd.HolidayRule(cn, tz=shanghai),
                ]
            ),
            pd.offsets.CustomBusinessHour(start="09:00", end="17:00", holidays=sorted(cn)),
            40 / 168,
            Calendar.for_tier(3, "Asia/Shanghai", None, extra_holidays=cn),
            "the same calendar without makeup workdays",
        )
    )
    berlin = pytz.timezone("Europe/Berlin")
    out.append(
        Setting(
            "Europe/Berlin 00:00-12:00 daily (DST days are 11 and 13 hours)",
            Calendar({d: [("00:00", "12:00")] for d in range(7)}, tz="Europe/Berlin", country=None),
            ZoneInfo("Europe/Berlin"),
            btd.WorkDayRule(
                start_time=dtime(0), end_time=dtime(12), working_days=list(range(7)), tz=berlin
            ),
            pd.offsets.CustomBusinessHour(
                start="00:00", end="12:00", weekmask="Mon Tue Wed Thu Fri Sat Sun"
            ),
            84 / 168,
        )
    )
    return out


def best_rate(fn: Callable[[], object], count: int, repeat: int = 3) -> float:
    return max(timed(fn, count)[0] for _ in range(repeat))


def peer_timed(fn: Callable[[], Any], count: int) -> tuple[float, Any]:
    """Best of three like ours, unless one run takes more than two seconds."""
    rate, out = timed(fn, count)
    if count / rate < 2:
        rate = max(rate, best_rate(fn, count, 2))
    return rate, out


def timed(fn: Callable[[], Any], count: int) -> tuple[float, Any]:
    """(calls per second, result), with the garbage collector off as timeit does."""
    gc.collect()
    gc.disable()
    try:
        t = time.perf_counter()
        out = fn()
        return count / (time.perf_counter() - t), out
    finally:
        gc.enable()


def sample(
    rng: random.Random, n: int, zone: tzinfo, share: float
) -> tuple[list[datetime], list[datetime], list[int]]:
    t0 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    starts, ends, hours = [], [], []
    for _ in range(n):
        s = t0 + rng.randrange(365 * 86400)
        starts.append(datetime.fromtimestamp(s, zone))
        ends.append(datetime.fromtimestamp(s + rng.randrange(MAX_DAYS * 86400 + 1), zone))
        hours.append(rng.randint(1, max(1, int(MAX_DAYS * 24 * share))))
    return starts, ends, hours


def to_datetime64(values: Sequence[datetime]) -> Any:
    us = [(v - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) for v in values]
    return np.array(us, dtype=np.int64).view("datetime64[us]")


@dataclass
class Row:
    op: str  # elapsed | add
    impl: str
    mode: str  # pure Python | batch
    rate: float  # intervals per second
    agree: int  # answers equal to the exact ones (same instant for add)
    total: int
    equivalent: int | None = None  # add: answers with the same business time
    model_agree: int | None = None  # answers equal to those of Setting.peer_model

    @property
    def correct(self) -> bool:
        return self.agree == self.total


def instants(values: Sequence[Any]) -> list[float]:
    # compare instants, not datetimes: Python never finds an ambiguous local time (the
    # repeated hour in autumn) equal to a datetime of another zone
    return [v.timestamp() for v in values]


def same(a: Sequence[Any], b: Sequence[Any]) -> int:
    return sum(x == y for x, y in zip(a, b, strict=False))


def run(setting: Setting, n: int, peer_n: int, batch_n: int, seed: int) -> list[Row]:
    cal = setting.cal
    starts, ends, hours = sample(random.Random(seed), n, setting.zone, setting.open_share)
    durations = [timedelta(hours=h) for h in hours]
    pairs = list(zip(starts, ends, strict=True))
    adds = list(zip(starts, durations, strict=True))
    el, ad = cal.elapsed, cal.add
    exact_e = [el(a, b) for a, b in pairs]
    exact_d = instants([ad(a, d) for a, d in adds])
    rows = [
        Row(
            "elapsed",
            "slm-bot",
            "pure Python",
            best_rate(lambda: [el(a, b) for a, b in pairs], n),
            n,
            n,
        ),
        Row(
            "add", "slm-bot", "pure Python", best_rate(lambda: [ad(a, d) for a, d in adds], n), n, n
        ),
    ]

    rows += _batch_rows(cal, starts, ends, hours, n, batch_n, exact_e, exact_d)
    rows += _peer_rows(setting, starts, hours, pairs, adds, min(peer_n, n), exact_e, exact_d)
    return rows


def _batch_rows(
    cal: Calendar,
    starts: list[datetime],
    ends: list[datetime],
    hours: list[int],
    n: int,
    batch_n: int,
    exact_e: list[Any],
    exact_d: list[Any],
) -> list[Row]:
    """The batch forms: datetime64 arrays of the same intervals, repeated up to batch_n."""
    reps = -(-batch_n // n)
    s64 = np.tile(to_datetime64(starts), reps)[:batch_n]
    e64 = np.tile(to_datetime64(ends), reps)[:batch_n]
    d64 = np.tile(np.array(hours, dtype=np.int64) * 3_600_000_000, reps)[:batch_n]
    d64 = d64.view("timedelta64[us]")
    got_e = cal.elapsed_batch(s64, e64)[:n].tolist()
    got_d = instants([x.replace(tzinfo=UTC) for x in cal.add_batch(s64, d64)[:n].tolist()])
    rate_e = best_rate(lambda: cal.elapsed_batch(s64, e64), batch_n)
    rate_d = best_rate(lambda: cal.add_batch(s64, d64), batch_n)
    return [
        Row("elapsed", "slm-bot", "batch", rate_e, same(got_e, exact_e), n),
        Row("add", "slm-bot", "batch", rate_d, same(got_d, exact_d), n),
    ]


def _peer_rows(
    setting: Setting,
    starts: list[datetime],
    hours: list[int],
    pairs: list[tuple[datetime, datetime]],
    adds: list[tuple[datetime, timedelta]],
    m: int,
    exact_e: list[Any],
    exact_d: list[Any],
) -> list[Row]:
    """The peers, on the first m intervals."""
    cal = setting.cal
    durations = [d for _, d in adds]
    rows: list[Row] = []
    rules, offset = setting.btd_rules, setting.pandas_offset
    model = setting.peer_model
    model_e = [model.elapsed(a, b) for a, b in pairs[:m]] if model else []
    model_d = instants([model.add(a, d) for a, d in adds[:m]]) if model else []

    def peer(op: str, impl: str, rate: float, got: list[Any], equivalent: int | None = None) -> Row:
        answers = got if op == "elapsed" else instants(got)
        exact, modelled = (exact_e, model_e) if op == "elapsed" else (exact_d, model_d)
        agree = same(answers, exact)
        in_model = same(answers, modelled) if model else None
        return Row(op, impl, "pure Python", rate, agree, m, equivalent, in_model)

    rate, got = peer_timed(lambda: [rules.difference(a, b).timedelta for a, b in pairs[:m]], m)
    rows.append(peer("elapsed", "businesstimedelta", rate, got))
    rate, got = peer_timed(
        lambda: [
            a + btd.BusinessTimeDelta(rules, hours=h)
            for a, h in zip(starts, hours[:m], strict=False)
        ],
        m,
    )
    rows.append(peer("add", "businesstimedelta", rate, got))
    rate, got = peer_timed(
        lambda: [pd.Timestamp(a) + h * offset for a, h in zip(starts, hours[:m], strict=False)], m
    )
    # pandas answers the next opening where the earliest instant is the close before it
    equivalent = same(
        [cal.elapsed(a, p.to_pydatetime()) for a, p in zip(starts, got, strict=False)], durations
    )
    rows.append(peer("add", "pandas CustomBusinessHour", rate, got, equivalent))
    return rows


def report(name: str, rows: list[Row], model_note: str) -> None:
    print(f"\n### {name}\n")
    print(
        "| operation | implementation | mode | intervals/s | agrees with exact "
        "| speed-up of slm-bot pure / batch |"
    )
    print("|---|---|---|---:|---|---|")
    ours = {(r.op, r.mode): r.rate for r in rows if r.impl == "slm-bot"}
    for r in rows:
        agree = f"{r.agree}/{r.total}"
        if r.equivalent is not None and r.equivalent != r.agree:
            agree += f"; {r.equivalent} same business time"
        if r.model_agree is not None:
            agree += f"; {r.model_agree}/{r.total} vs {model_note}"
        ratio = ""
        if r.impl != "slm-bot":
            pure, batch = ours[(r.op, "pure Python")], ours[(r.op, "batch")]
            ratio = f"x{pure / r.rate:,.0f} / x{batch / r.rate:,.0f}"
        print(f"| {r.op} | {r.impl} | {r.mode} | {r.rate:,.0f} | {agree} | {ratio} |")
    print()
    for op in ("elapsed", "add"):
        peers = [r for r in rows if r.op == op and r.impl != "slm-bot" and r.correct]
        if not peers:
            print(f"- {op}: no peer agrees with the exact answers on every sampled interval")
            continue
        best = max(peers, key=lambda r: r.rate)
        print(
            f"- {op}: best correct peer {best.impl} ({best.rate:,.0f}/s); slm-bot is "
            f"x{ours[(op, 'pure Python')] / best.rate:,.0f} faster in pure Python, "
            f"x{ours[(op, 'batch')] / best.rate:,.0f} in batch"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="intervals for pure Python")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-n", type=int, default=2_000, help="intervals for the peers")
    parser.add_argument("--batch-n", type=int, default=2_000_000, help="intervals per batch")
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"businesstimedelta, {platform.machine()} x{os.cpu_count()}; "
        f"--n {args.n} --seed {args.seed} --peer-n {args.peer_n} --batch-n {args.batch_n}; "
        f"random intervals of 0-{MAX_DAYS} days in 2025 (whole seconds), add durations "
        f"in whole hours up to {MAX_DAYS} days' worth"
    )
    for setting in settings():
        report(
            setting.name,
            run(setting, args.n, args.peer_n, args.batch_n, args.seed),
            setting.model_note,
        )


if __name__ == "__main__":
    main()
