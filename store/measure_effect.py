"""M11's measured figures: the review period's attainment and the trend over the last six
months, computed from the incidents in the step's own transaction and kept with the step
record and in the service report (the availability the report shows is the measured one)."""

from __future__ import annotations

from bot.flows.behaviour import Effect
from bot.flows.errors import DomainError
from bot.flows.service_levels.report import TREND_PERIODS, measured_figures
from store.attainment import attainment_in, period_of, trend_in
from store.effects import Ctx, effect
from store.zone import session_country, session_zone


@effect(Effect.MEASURE)
def _measure(c: Ctx) -> None:
    tz, country = c.ag.timezone or session_zone(c.s), session_country(c.s)
    first, last = c.values["period_start"], c.values["period_end"]
    start, end = period_of(first, last, tz)
    try:
        got = attainment_in(c.s, c.ag.id, start=start, end=end, now=c.now, tz=tz, country=country)
    except DomainError:  # no SLA version promised anything yet: nothing to measure
        return
    trend = trend_in(
        c.s, c.ag.id, last=last, months=TREND_PERIODS, now=c.now, tz=tz, country=country
    )
    figures = measured_figures(got, trend, tz=tz)
    c.record_extra["measured"] = figures
    form = c.d.form.model_dump(mode="json")
    c.doc_data["service_report"] = form | {
        "availability_pct": figures["availability"]["achieved"],
        "availability_reported": form.get("availability_pct"),
        "measured": figures,
    }
