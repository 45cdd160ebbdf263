"""The monthly service report's message in the agreement's thread (M11): the figures of the
month, the missed targets and the trend, as the comment of its chart."""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.service_levels.attainment import Attainment
from bot.i18n import t


def report_text(
    got: Attainment, trend: Sequence[tuple[str, Attainment]], period: str, locale: str
) -> str:
    a = got.availability
    lines = [
        t("report_head", locale, agreement=got.agreement_id, period=period),
        t(
            "report_figures",
            locale,
            achieved=str(a.achieved_pct),
            target=str(a.target_pct),
            verdict=t("attain_met" if a.met else "attain_missed", locale),
            hours=f"{a.service_time.total_seconds() / 3600:.1f}",
            down=f"{a.downtime.total_seconds() / 60:.0f}",
            budget=f"{a.budget.total_seconds() / 60:.0f}",
            count=len(got.incidents),
        ),
    ]
    for n in got.nonconformities[:10]:
        key = "report_missed_incident" if n.incident_id else "report_missed"
        lines.append(
            t(
                key,
                locale,
                kind=t(f"nc_{n.kind}", locale),
                incident=n.incident_id,
                target=n.target,
                achieved=n.achieved,
                unit=t(f"unit_{n.unit}", locale),
            )
        )
    if not got.nonconformities:
        lines.append(t("report_all_met", locale))
    trend_words = ", ".join(f"{label} {x.availability.achieved_pct} %" for label, x in trend)
    lines.append(t("report_trend", locale, trend=trend_words or "-"))
    return "\n".join(lines)
