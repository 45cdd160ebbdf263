"""The service report's trend chart (M11): availability per month against the target, as a
PNG drawn with matplotlib's Agg backend (no display needed). Labels come from the caller, in
the reader's language."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

#: fonts with Chinese glyphs (Debian's fonts-noto-cjk), tried before matplotlib's default
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC")


def trend_png(trend: Sequence[Mapping[str, Any]], *, title: str, target_label: str) -> bytes:
    """Bars of achieved availability per period (red where the target was missed) and the
    target as a step line; the y axis zooms to where the figures are."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [str(p["period"]) for p in trend]
    achieved = [float(p["achieved"]) for p in trend]
    target = [float(p["target"]) for p in trend]
    low = min([*achieved, *target], default=99.0)
    floor = max(0.0, min(low - (100 - low) * 0.5, low - 0.05))
    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    colours = ["#2e7d32" if a >= t else "#c62828" for a, t in zip(achieved, target, strict=True)]
    ax.bar(labels, achieved, color=colours, width=0.6)
    ax.step(labels, target, where="mid", color="#333333", linewidth=1.5, label=target_label)
    for x, a in enumerate(achieved):
        ax.annotate(f"{a:.3f}", (x, a), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(floor, 100.0 + (100.0 - floor) * 0.08)
    ax.set_ylabel("%")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
