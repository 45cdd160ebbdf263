"""M11's measurement in Slack: `/sla incident SLA-…` (the incident modal), `/sla attainment
SLA-… [YYYY-MM]` (the period's figures) and the Explain button (how they were computed)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.ids import ActionId, CallbackId
from bot.blocks.kit import Block, actions, button, context, section
from bot.blocks.measure_home import budget_words
from bot.field_errors import localized_errors
from bot.flows.errors import DomainError, FormInvalid
from bot.flows.forms import parse_form
from bot.flows.incidents import IncidentForm
from bot.flows.service_levels import explain_days
from bot.flows.service_levels.attainment import Attainment
from bot.handlers import payloads
from bot.handlers.common import Deps, domain_text, read, run, send_confirmations, tell
from bot.handlers.incident_modal import error_block, incident_modal, parse_incident
from bot.handlers.views import notice_view
from bot.i18n import escape, t, truncate
from store.attainment import agreement_zone, attainment, calendars, month_of
from store.incidents import (
    IncidentRecord,
    check_writer,
    correct_incident,
    get_incident,
    record_incident,
)
from store.outbox import NoticeTo

SUBCOMMANDS = ("incident", "attainment")


def _minutes(td: timedelta) -> str:
    return f"{td.total_seconds() / 60:.0f}"


def _month(args: list[str]) -> date | None:
    """The month asked for (`YYYY-MM`, as its first day), None for the current one;
    ValueError when it is not a month."""
    if len(args) < 2:
        return None
    return date.fromisoformat(args[1] + "-01")


def _at(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _at_zoned(dt: datetime, tz: str) -> str:
    """`2026-12-06 19:50 UTC+8`: the times of the message are in this zone (said once)."""
    local = dt.astimezone(ZoneInfo(tz))
    minutes = int((local.utcoffset() or timedelta()).total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    offset = f"{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")
    return f"{local:%Y-%m-%d %H:%M} UTC{sign}{offset}"


def attainment_blocks(got: Attainment, deps: Deps) -> tuple[str, list[Block]]:
    loc, a = deps.locale, got.availability
    month = got.start.astimezone(ZoneInfo(got.tz)).strftime("%Y-%m")
    verdict = t("attain_met" if a.met else "attain_missed", loc)
    head = t("attain_head", loc, agreement=got.agreement_id, period=month)
    figures = t(
        "attain_figures",
        loc,
        achieved=str(a.achieved_pct),
        target=str(a.target_pct),
        verdict=verdict,
        left=budget_words(a.budget_left, loc),
        budget=_minutes(a.budget),
        down=_minutes(a.downtime),
        degraded=_minutes(a.degraded),
    )
    blocks: list[Block] = [section(f"*{head}*"), section(figures)]
    for ic in got.incidents[:20]:
        i, res = ic.incident, ic.resolution
        state = (
            t("attain_no_target", loc)
            if res is None
            else t(
                "attain_clock",
                loc,
                elapsed=_minutes(res.elapsed),
                target=_minutes(res.target),
                due=_at(res.due, got.tz),
            )
        )
        flag = "🚨 " if ic.breached else ("⚠️ " if ic.at_risk else "")
        line = f"• {flag}#{i.id} {i.priority.value} {escape(truncate(i.summary, 80))} — {state}"
        edit = button(t("incident_edit", loc), ActionId.INCIDENT_EDIT, str(i.id))
        blocks.append(section(line, accessory=edit))
    blocks.append(
        context(
            t(
                "attain_footer",
                loc,
                count=len(got.incidents),
                risk=len(got.at_risk),
                nonconformities=len(got.nonconformities),
                measured=_at_zoned(got.measured_at, got.tz),
            )
        )
    )
    value = json.dumps({"a": got.agreement_id, "p": month})
    blocks += actions([button(t("attain_explain", loc), ActionId.EXPLAIN, value)])
    return f"{head}: {figures}", blocks


def explain_text(got: Attainment, deps: Deps) -> str:
    """How the figures were computed: per segment the tier, the target and version, the
    service hours counted, holidays skipped and makeup days worked; then the outages merged
    and each incident's pauses."""
    loc, tz = deps.locale, got.tz
    cals = calendars(deps.db, tz=tz, country=deps.settings.country)
    lines = [t("explain_head", loc, agreement=got.agreement_id, tz=tz)]
    for seg, goal in zip(got.segments, got.segment_targets, strict=True):
        days = explain_days(cals[goal.tier], seg.start, seg.end)
        lines.append(
            t(
                "explain_segment",
                loc,
                start=_at(seg.start, tz),
                end=_at(seg.end, tz),
                tier=t(f"catalog_tier_{goal.tier}", loc),
                version=goal.sla_version,
                target=str(seg.target_pct),
                hours=f"{seg.service_time.total_seconds() / 3600:.1f}",
                days=days.service_days,
                holidays=", ".join(d.isoformat() for d in days.holidays_skipped) or "-",
                makeup=", ".join(d.isoformat() for d in days.makeup_days) or "-",
            )
        )
    for s, e in got.availability.outages:
        lines.append(t("explain_outage", loc, start=_at(s, tz), end=_at(e, tz)))
    for ic in got.incidents:
        for p in ic.resolution.pauses if ic.resolution else ():
            lines.append(
                t(
                    "explain_pause",
                    loc,
                    id=ic.incident.id,
                    start=_at(p.start, tz),
                    end=_at(p.end, tz),
                    minutes=_minutes(p.service_time),
                    reason=escape(p.reason or "-"),
                )
            )
    lines.append(t("explain_rule", loc))
    return "\n".join(lines)


async def command(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps, args: list[str]
) -> None:
    """`/sla incident SLA-…` and `/sla attainment SLA-… [YYYY-MM]` (args[0] is the sub)."""
    loc, user = deps.locale, payloads.user_id(body)
    sub = args[0]
    if len(args) < 2 or not args[1].upper().startswith("SLA-"):
        await ack(response_type="ephemeral", text=t("err_bad_id", loc, sub=sub))
        return
    agreement_id = args[1].upper()
    try:
        if sub == "incident":
            await read(check_writer, deps.db, agreement_id=agreement_id, actor=user)
            await ack()
            tz = await read(agreement_zone, deps.db, agreement_id, deps.settings.timezone)
            view = incident_modal(agreement_id, loc, tz=tz, now=deps.clock())
            await client.views_open(trigger_id=payloads.trigger_id(body), view=view)
            return
        try:
            first = _month(args[1:])
        except ValueError:
            await ack(response_type="ephemeral", text=t("attain_bad_period", loc))
            return
        got = await run(_measure, deps, agreement_id, first)
        text, blocks = attainment_blocks(got, deps)
        await ack(response_type="ephemeral", text=text, blocks=blocks)
    except DomainError as exc:
        await ack(response_type="ephemeral", text=domain_text(exc, deps))


def _measure(deps: Deps, agreement_id: str, first: date | None) -> Attainment:
    """The month (`first`, or the current one) in the agreement's zone."""
    tz = agreement_zone(deps.db, agreement_id, deps.settings.timezone)
    now = deps.clock()
    start, end = month_of(first or now.astimezone(ZoneInfo(tz)).date(), tz)
    return attainment(
        deps.db,
        agreement_id,
        start=start,
        end=end,
        now=now,
        tz=tz,
        country=deps.settings.country,
    )


async def submit_incident(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc, user = deps.locale, payloads.user_id(body)
    meta = json.loads(str(payloads.view(body).get("private_metadata") or "{}"))
    agreement_id = str(meta.get("a", ""))
    tz = str(meta.get("z") or deps.settings.timezone)
    data, problem = parse_incident(payloads.view_values(body), tz)
    try:
        if problem is not None:
            raise problem
        form = parse_form(IncidentForm, data)
        notice = NoticeTo(user, None, _incident_words(loc, corrected=bool(meta.get("i"))))
        if meta.get("i"):
            await run(
                correct_incident,
                deps.db,
                incident_id=int(meta["i"]),
                form=form,
                actor=user,
                now=deps.clock(),
                notice=notice,
            )
        else:
            await run(
                record_incident,
                deps.db,
                agreement_id=agreement_id,
                form=form,
                actor=user,
                now=deps.clock(),
                notice=notice,
            )
    except FormInvalid as exc:
        texts = localized_errors(exc, loc, form=IncidentForm)
        errors = {error_block(k): truncate(v, 150) for k, v in texts.items()}
        await ack(response_action="errors", errors=errors)
        return
    except DomainError as exc:
        if exc.code == "incident_in_future":
            field = str(exc.params.get("field", "opened_at"))
            text = t("err_incident_in_future", loc)
            await ack(response_action="errors", errors={error_block(field): text})
            return
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    await send_confirmations(deps, user)  # queued with the incident


def _incident_words(loc: str, *, corrected: bool) -> Callable[[IncidentRecord], str]:
    def words(rec: IncidentRecord) -> str:
        return t(
            "incident_corrected" if corrected else "incident_saved",
            loc,
            id=rec.id,
            agreement=rec.agreement_id,
            priority=rec.priority.value,
            summary=truncate(rec.summary, 120),
        )

    return words


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(CallbackId.INCIDENT)
    async def handle_incident_view_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await submit_incident(ack, body, client, deps)

    @app.action(ActionId.INCIDENT_EDIT)
    async def handle_incident_edit_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            value = str((body.get("actions") or [{}])[0].get("value") or "")
            inc = await read(get_incident, deps.db, int(value))
            user = payloads.user_id(body)
            await read(check_writer, deps.db, agreement_id=inc.agreement_id, actor=user)
        except ValueError:
            return
        except DomainError as exc:
            await tell(client, body, domain_text(exc, deps))
            return
        tz = await read(agreement_zone, deps.db, inc.agreement_id, deps.settings.timezone)
        view = incident_modal(inc.agreement_id, deps.locale, tz=tz, now=deps.clock(), incident=inc)
        await client.views_open(trigger_id=payloads.trigger_id(body), view=view)

    @app.action(ActionId.EXPLAIN)
    async def handle_explain_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            value = json.loads(str((body.get("actions") or [{}])[0].get("value") or "{}"))
            first = _month(["", str(value["p"])])
            got = await run(_measure, deps, str(value["a"]), first)
        except (ValueError, KeyError, TypeError):
            return
        except DomainError as exc:
            await tell(client, body, domain_text(exc, deps))
            return
        await tell(client, body, await run(explain_text, got, deps))
