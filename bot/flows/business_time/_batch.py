"""Batch forms of ``elapsed`` and ``add`` over numpy arrays (imported on first use).

The index's windows become int64 arrays. Looking a position up is O(1): the range is cut
into buckets no longer than the smallest gap between two window openings, so a bucket
holds at most one opening and ``position = table[bucket] + (next_open <= t)``; likewise
on the business-time axis with buckets no longer than the shortest window. (When that
table would be huge, e.g. minute-long windows over decades, ``np.searchsorted`` is used.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.flows.business_time._index import US as _US
from bot.flows.business_time._index import exact_us as _exact_us

if TYPE_CHECKING:
    from bot.flows.business_time._calendar import Calendar, Durations, Instants
    from bot.flows.business_time._index import Index as _Index

I64 = npt.NDArray[np.int64]
_MAX = np.iinfo(np.int64).max
_MIN = np.iinfo(np.int64).min
_TABLE_LIMIT = 1 << 22


@dataclass(frozen=True, slots=True, eq=False)
class _Lookup:
    """``bisect_right(values, x)`` for sorted, strictly increasing ``values`` and
    ``origin <= x < origin + span``."""

    values: I64  # with a trailing int64 max
    origin: int
    step: int
    table: I64 | None

    @classmethod
    def of(cls, values: I64, origin: int, span: int, gaps: I64) -> _Lookup:
        step = max(int(gaps.min()) if gaps.size else span, 1)
        padded = np.append(values, np.int64(_MAX))
        buckets = span // step + 1
        if buckets > _TABLE_LIMIT:
            return cls(padded, origin, step, None)
        starts = origin + np.arange(buckets, dtype=np.int64) * step
        table = np.searchsorted(padded, starts, side="right").astype(np.int64)
        return cls(padded, origin, step, table)

    def right(self, x: I64) -> I64:
        if self.table is None:
            return np.searchsorted(self.values, x, side="right").astype(np.int64)
        k: I64 = self.table.take((x - self.origin) // self.step)
        out: I64 = k + (self.values.take(k) <= x)
        return out


@dataclass(frozen=True, slots=True, eq=False)
class _Arrays:
    opens: _Lookup
    base: I64
    cumc: I64
    cums: _Lookup  # over r_cum
    r_open: I64
    r_cum: I64
    total: int

    @classmethod
    def of(cls, ix: _Index) -> _Arrays:
        opens = np.array(ix.opens, dtype=np.int64)
        r_open = np.array(ix.r_open, dtype=np.int64)
        r_cum = np.array(ix.r_cum, dtype=np.int64)
        return cls(
            opens=_Lookup.of(opens, ix.lo, ix.hi - ix.lo, np.diff(r_open)),
            base=np.array(ix.base, dtype=np.int64),
            cumc=np.array(ix.cumc, dtype=np.int64),
            cums=_Lookup.of(r_cum, 0, ix.total + 1, np.diff(r_cum)),
            r_open=np.append(r_open, np.int64(0)),
            r_cum=r_cum,
            total=ix.total,
        )

    def f(self, x: I64) -> I64:
        k = self.opens.right(x)
        out: I64 = np.minimum(x + self.base.take(k), self.cumc.take(k))
        return out


def _arrays(ix: _Index) -> _Arrays:
    if ix.arrays is None:
        ix.arrays = _Arrays.of(ix)
    arrays: _Arrays = ix.arrays
    return arrays


def _as_int64(values: Instants | Durations, argument: str, kind: str) -> I64:
    a = np.asarray(values)
    if a.dtype.kind == kind:
        unit = "datetime64[us]" if kind == "M" else "timedelta64[us]"
        out: I64 = a.astype(unit, copy=False).view(np.int64)
    elif a.dtype.kind == "O" or a.size == 0:
        items = a.ravel().tolist()
        if kind == "M":
            ints = [_exact_us(v, argument) if isinstance(v, datetime) else v for v in items]
        else:
            ints = [v // _US if isinstance(v, timedelta) else v for v in items]
        if not all(isinstance(v, int) for v in ints):
            raise TypeError(f"{argument}: expected {_what(kind)}")
        out = np.array(ints, dtype=np.int64).reshape(a.shape)
    else:
        raise TypeError(f"{argument}: expected {_what(kind)}, got dtype {a.dtype}")
    if out.size and int(out.min()) == _MIN:
        raise ValueError(f"{argument} holds NaT")
    return out


def _what(kind: str) -> str:
    if kind == "M":
        return "datetime64 values (UTC) or aware datetimes"
    return "timedelta64 values or timedeltas"


def elapsed(cal: Calendar, starts: Instants, ends: Instants) -> npt.NDArray[Any]:
    s, e = np.broadcast_arrays(_as_int64(starts, "starts", "M"), _as_int64(ends, "ends", "M"))
    if not s.size:
        return np.zeros(s.shape, dtype="timedelta64[us]")
    ix = cal._cover(min(int(s.min()), int(e.min())), max(int(s.max()), int(e.max())))
    a = _arrays(ix)
    return (a.f(e) - a.f(s)).view("timedelta64[us]")


def add(cal: Calendar, starts: Instants, durations: Durations) -> npt.NDArray[Any]:
    s, d = np.broadcast_arrays(
        _as_int64(starts, "starts", "M"), _as_int64(durations, "durations", "m")
    )
    if not s.size:
        return np.zeros(s.shape, dtype="datetime64[us]")
    ix = cal._cover(int(s.min()), int(s.max()))
    while True:
        a = _arrays(ix)
        target = a.f(s) + d
        if int(target.max()) > a.total:
            ix = cal._grow(ix, forward=True)
        elif int(target.min()) < 0:
            ix = cal._grow(ix, forward=False)
        else:
            break
    k = a.cums.right(target)  # first index with r_cum > target
    # positive durations take the earliest instant: first index with r_cum >= target
    k -= (d > 0) & (a.r_cum.take(k - 1) == target)
    j = k - 1
    out = np.where(d == 0, s, a.r_open.take(j) + target - a.r_cum.take(j))
    return out.view("datetime64[us]")


def union_elapsed(
    cal: Calendar, starts: Instants, ends: Instants, groups: npt.ArrayLike, n_groups: int
) -> npt.NDArray[Any]:
    """Business time inside the union of each group's intervals (overlaps counted once).

    ``F`` (business time since the index's start) is monotone, so the business time of a
    union is the length of the union of the intervals ``[F(s), F(e))``: the intervals are
    mapped, shifted apart per group (``group * (total + 1)``), sorted once, and each adds
    what reaches past the running maximum of the ends before it.
    """
    s, e = np.broadcast_arrays(_as_int64(starts, "starts", "M"), _as_int64(ends, "ends", "M"))
    g = np.asarray(groups, dtype=np.int64)
    out = np.zeros(n_groups, dtype=np.int64)
    keep = e > s
    s, e, g = s[keep], e[keep], g[keep]
    if not s.size:
        return out.view("timedelta64[us]")
    if int(g.min()) < 0 or int(g.max()) >= n_groups:
        raise ValueError("groups must be in 0 .. n_groups - 1")
    ix = cal._cover(int(s.min()), int(e.max()))
    a = _arrays(ix)
    width = a.total + 1
    if width * n_groups >= 1 << 62:
        raise OverflowError("too many groups for one call over this range; split it")
    fs, fe = a.f(s) + g * width, a.f(e) + g * width
    order = np.argsort(fs, kind="stable")
    fs, fe, g = fs[order], fe[order], g[order]
    reach = np.maximum.accumulate(fe)
    before = np.concatenate(([np.int64(_MIN)], reach[:-1]))
    gain = np.clip(fe - np.maximum(fs, before), 0, None)
    np.add.at(out, g, gain)
    return out.view("timedelta64[us]")
