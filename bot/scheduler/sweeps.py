"""The sweep: derive from the database what is due now, record each reminder once, deliver.

One sweep, at instant `now` (a parameter, so tests and `slm-bot sweep --now` can travel in
time):
1. deemed confirmations (T2): no written reply within N working days of the notice; signed
   additional SLAs (C3) whose effective date has come take effect;
2. expiry reminders (T1): from one month before the end date, then at 14, 7 and 1 days, to
   sales in the card's thread and by DM; the service level manager at 7 days if nothing
   was done;
3. review prompts (M11, M12) when due, and a channel post when overdue;
4. stale tasks: re-sent to the assignee after 3 working days, escalated after 6;
5. delivery of everything due (snoozed reminders included), grouped per person.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.flows.business_time import Calendar
from bot.flows.errors import AlreadyDone, InvalidTransition
from bot.flows.reminders import ExpiryPolicy, StalePolicy
from bot.flows.roles import Role
from store.breach_watch import breach_dues, watched
from store.db import Database
from store.holidays import overrides
from store.monthly_reports import queue_reports
from store.reminders import (
    Delivered,
    Due,
    deemable,
    deliver,
    expiring,
    notified_since,
    open_tasks,
    record,
    reviews_due,
)
from store.roles import role_holders
from store.sla_switch import due_switches, switch
from store.usecases import deem_confirmation

log = logging.getLogger("slm_bot.sweep")


@dataclass(frozen=True)
class SweepConfig:
    tz: str = "Asia/Shanghai"
    country: str = "CN"
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    stale: StalePolicy = field(default_factory=StalePolicy)
    review_grace_days: int = 7
    group_limit: int = 3


@dataclass(frozen=True)
class SweepFailure:
    """One agreement the sweep could not handle: logged with `error_id`; the others went on."""

    stage: str
    agreement_id: str
    error_id: str


@dataclass
class SweepReport:
    deemed: list[str] = field(default_factory=list)
    #: agreements whose signed additional SLA took effect in this sweep
    switched: list[str] = field(default_factory=list)
    recorded: int = 0
    delivered: Delivered = field(default_factory=Delivered)
    service_reports: int = 0  # M11: last month's reports queued (first days of a month)
    failed: list[SweepFailure] = field(default_factory=list)

    def __str__(self) -> str:
        d = self.delivered
        return (
            f"deemed {len(self.deemed)}, new reminders {self.recorded}, delivered "
            f"{d.reminders} as {d.messages} messages ({d.grouped} grouped)"
            + (f", {len(self.failed)} failed (see the log)" if self.failed else "")
        )


class Sweeper:
    def __init__(self, db: Database, config: SweepConfig | None = None) -> None:
        self.db = db
        self.config = config or SweepConfig()
        self.tz = ZoneInfo(self.config.tz)
        self._calendar: Calendar | None = None
        self._extra: tuple[list[date], list[date]] = ([], [])
        self.failures: list[SweepFailure] = []

    @contextmanager
    def each(self, stage: str, agreement_id: str) -> Iterator[None]:
        """Isolate one agreement's part of a sweep: an unexpected error is logged with an id
        and recorded in the report, and the sweep goes on with the next agreement."""
        try:
            yield
        except Exception as exc:
            error_id = uuid.uuid4().hex[:8]
            log.error(
                "sweep %s failed for %s (error %s); the other agreements go on",
                stage,
                agreement_id,
                error_id,
                exc_info=exc,
            )
            self.failures.append(SweepFailure(stage, agreement_id, error_id))

    def calendar(self) -> Calendar:
        """Working days: Monday-Friday, public holidays and makeup days of the country, and
        the override table (re-read each sweep; the calendar is rebuilt when it changed)."""
        extra = overrides(self.db, self.config.country)
        if self._calendar is None or extra != self._extra:
            self._calendar = Calendar.for_tier(
                3,
                tz=self.config.tz,
                country=self.config.country,
                extra_holidays=extra[0],
                extra_workdays=extra[1],
            )
            self._extra = extra
        return self._calendar

    def run(self, now: datetime) -> SweepReport:
        if now.tzinfo is None:
            raise ValueError("sweep instant must be timezone-aware")
        self.failures = []
        report = SweepReport(failed=self.failures)
        report.deemed = self.deem(now)
        report.switched = self.switch_versions(now)
        told = [
            Due(f"deemed:{a}", "deemed", a, sales, {}) for a, sales in self._sales_of(report.deemed)
        ]
        due = [*told, *self.expiry_due(now), *self.reviews(now), *self.stale_tasks(now)]
        due += self.breaches(now)
        report.recorded = self.record(due, now)
        report.delivered = deliver(self.db, now=now, group_limit=self.config.group_limit)
        report.service_reports = queue_reports(self.db, now=now, tz=self.config.tz)
        return report

    def record(self, due: list[Due], now: datetime) -> int:
        """Record in one transaction; if that fails, agreement by agreement (isolated)."""
        try:
            return record(self.db, due, now=now)
        except Exception:
            log.warning("recording %d reminders at once failed; one agreement at a time", len(due))
        by_agreement: dict[str, list[Due]] = {}
        for d in due:
            by_agreement.setdefault(d.agreement_id or "-", []).append(d)
        new = 0
        for agreement_id, items in by_agreement.items():
            with self.each("record", agreement_id):
                new += record(self.db, items, now=now)
        return new

    # -- 1. deemed confirmations ------------------------------------------------------
    def deem(self, now: datetime) -> list[str]:
        done: list[str] = []
        cal = self.calendar()
        for agreement_id in deemable(self.db):
            with self.each("deem", agreement_id):
                try:
                    deem_confirmation(
                        self.db,
                        agreement_id,
                        now=now,
                        tz=self.config.tz,
                        add_working_days=cal.add_working_days,
                    )
                except (InvalidTransition, AlreadyDone):
                    continue  # not due yet, or a reply / another worker got there first
                done.append(agreement_id)
                log.info("T2 deemed confirmed: %s", agreement_id)
        return done

    # -- 1b. additional SLAs whose effective date has come (C3, issue 9 rule 9) -------------
    def switch_versions(self, now: datetime) -> list[str]:
        today = now.astimezone(self.tz).date()
        done: list[str] = []
        for agreement_id in due_switches(self.db, today):
            with self.each("switch", agreement_id):
                if switch(self.db, agreement_id, today=today, now=now) is not None:
                    done.append(agreement_id)
                    log.info("additional SLA in effect: %s", agreement_id)
        return done

    # -- 2. expiry (T1) ---------------------------------------------------------------
    def expiry_due(self, now: datetime) -> list[Due]:
        policy = self.config.expiry
        today = now.astimezone(self.tz).date()
        rows = expiring(self.db, today, policy.horizon(today))
        out: list[Due] = []
        escalate: list[tuple[str, str]] = []
        for agreement_id, end, sales, _lock in rows:
            with self.each("expiry", agreement_id):
                point = policy.due(end, today)
                if point is None:
                    continue
                label, day = point
                payload = {
                    "end": end.isoformat(),
                    "point": label,
                    "due": day.isoformat(),
                    "thread": True,
                }
                out.append(
                    Due(
                        f"expiry:{agreement_id}:{end.isoformat()}:{label}",
                        "expiry",
                        agreement_id,
                        sales,
                        payload,
                    )
                )
                if (end - today).days <= policy.escalate_at:
                    escalate.append((agreement_id, end.isoformat()))
        if escalate:
            # "nothing was done": no T1 (notice, renewal, extension request) since the first
            # reminder, one month before the end date
            since = min(policy.first_day(date.fromisoformat(e)) for _, e in escalate)
            acted = notified_since(self.db, [a for a, _ in escalate], since)
            slms = self._slms()
            for agreement_id, end_iso in escalate:
                with self.each("expiry_slm", agreement_id):
                    if agreement_id in acted:
                        continue
                    for user in slms:
                        out.append(
                            Due(
                                f"expiry_slm:{agreement_id}:{end_iso}:{user}",
                                "expiry_slm",
                                agreement_id,
                                user,
                                {"end": end_iso},
                            )
                        )
        return out

    # -- 3. reviews (M11, M12) --------------------------------------------------------
    def reviews(self, now: datetime) -> list[Due]:
        today = now.astimezone(self.tz).date()
        out: list[Due] = []
        slms = self._slms()
        for agreement_id, step, due in reviews_due(self.db, today):
            with self.each("review", agreement_id):
                payload = {"step": step, "due": due.isoformat()}
                for user in slms:
                    out.append(
                        Due(
                            f"review:{agreement_id}:{step}:{due.isoformat()}:{user}",
                            "review",
                            agreement_id,
                            user,
                            payload,
                        )
                    )
                if (today - due).days > self.config.review_grace_days:
                    out.append(
                        Due(
                            f"review_overdue:{agreement_id}:{step}:{due.isoformat()}",
                            "review_overdue",
                            agreement_id,
                            None,
                            payload,
                        )
                    )
        return out

    # -- 3b. breach warnings (M11) ------------------------------------------------------
    def breaches(self, now: datetime) -> list[Due]:
        out: list[Due] = []
        slms: list[str] | None = None
        for agreement_id, owner in watched(self.db, now):
            with self.each("breach", agreement_id):
                if owner is None and slms is None:
                    slms = self._slms()
                out += breach_dues(
                    self.db,
                    agreement_id,
                    owner,
                    slms or [],
                    now=now,
                    tz=self.config.tz,
                    country=self.config.country,
                )
        return out

    # -- 4. stale tasks ---------------------------------------------------------------
    def stale_tasks(self, now: datetime) -> list[Due]:
        policy = self.config.stale
        cal = self.calendar()
        today = now.astimezone(self.tz).date()
        # a task opened on a day D is stale once today >= D + resend_after working days;
        # tasks opened within the last few calendar days cannot be: skip them in SQL
        horizon = datetime.combine(today - timedelta(days=policy.resend_after), time.max, self.tz)
        out: list[Due] = []
        slms: list[str] | None = None
        for task_id, agreement_id, action, assignees, opened in open_tasks(self.db, horizon):
            with self.each("stale", agreement_id):
                if action.endswith(".deem") or not assignees:
                    continue
                opened_day = opened.astimezone(self.tz).date()
                resend = cal.add_working_days(opened_day, policy.resend_after)
                if today >= resend:
                    for user in assignees:
                        out.append(
                            Due(
                                f"stale:{task_id}:{user}",
                                "stale",
                                agreement_id,
                                user,
                                {"action": action, "since": opened_day.isoformat()},
                            )
                        )
                if today >= cal.add_working_days(opened_day, policy.escalate_after):
                    slms = self._slms() if slms is None else slms
                    for user in slms:
                        out.append(
                            Due(
                                f"escalate:{task_id}:{user}",
                                "escalate",
                                agreement_id,
                                user,
                                {
                                    "action": action,
                                    "since": opened_day.isoformat(),
                                    "assignees": assignees,
                                },
                            )
                        )
        return out

    def _sales_of(self, ids: list[str]) -> list[tuple[str, str]]:
        from store.desk import load_card

        out = []
        for agreement_id in ids:
            with self.each("deemed_notice", agreement_id):
                card = load_card(self.db, agreement_id)
                if card is not None:
                    out.append((agreement_id, card.sales_user))
        return out

    def _slms(self) -> list[str]:
        return role_holders(self.db, [Role.SLM])
