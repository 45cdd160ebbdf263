"""Response and resolution targets per priority as people write them: one line per priority,
`P1: 15/240` (response / resolution minutes of service time), the catalogue's notation. M4
and C2 start from the catalogue entry's and may change them for this SLA version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator

from bot.flows.forms import UI, Widget, problem

_LINE = re.compile(r"^\s*(P[1-4])\s*[:：]\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$", re.IGNORECASE)
#: the longest target a line may set (90 days of service time, as the catalogue allows)
MAX_MINUTES = 60 * 24 * 90


def parse_targets(text: str) -> dict[str, dict[str, int]]:
    """Lines as typed, read (ValueError-like problems for a bad line)."""
    parsed: dict[str, dict[str, int]] = _parse(text)
    return parsed


def _parse(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        return value
    out: dict[str, dict[str, int]] = {}
    for raw in value.splitlines():
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if not m or not (0 < int(m[2]) <= MAX_MINUTES and 0 < int(m[3]) <= MAX_MINUTES):
            got = repr(raw.strip()[:80])
            raise problem("targets_line", "write 'P1: 15/240' (got {line})", line=got)
        out[m[1].upper()] = {"response_min": int(m[2]), "resolution_min": int(m[3])}
    return out


#: `{"P1": {"response_min": 15, "resolution_min": 240}, ...}`; empty: the catalogue entry's
TargetLines = Annotated[dict[str, dict[str, int]], BeforeValidator(_parse)]
#: the field of M4 and C2: the draft's own times, prefilled from the catalogue entry
DraftTargets = Annotated[
    TargetLines,
    UI(
        "Response/resolution targets (minutes)",
        "响应/解决时限（分钟）",
        Widget.MULTILINE,
        help_en="One line per priority, 'P1: 15/240'; empty: the catalogue entry's",
        help_zh="每个优先级一行，如 'P1: 15/240'；留空则采用服务目录条目的时限",
    ),
]


def as_lines(targets: Mapping[str, Any]) -> str:
    """The targets as the modal shows them."""
    return "\n".join(
        f"{p}: {v['response_min']}/{v['resolution_min']}"
        for p, v in sorted(targets.items())
        if isinstance(v, Mapping)
    )
