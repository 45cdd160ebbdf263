"""What a person or the clock does to an agreement, each one transaction (store.lifecycle).

`take_action` is any declared action (its behaviour is declared on the `Action`);
`submit_request` (M1) creates the agreement; `deem_confirmation` is the scheduler's T2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows.errors import InvalidTransition
from bot.flows.forms import StepForm
from bot.flows.machine import SYSTEM_ACTOR
from bot.flows.process import DEEMED, NOTICE
from bot.flows.termination_forms import T2DeemedForm
from store.db import Database
from store.effects import last_record
from store.lifecycle import Outcome, perform


def take_action(
    db: Database,
    *,
    agreement_id: str,
    action: str,
    data: Mapping[str, Any] | StepForm,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> Outcome:
    """A person takes one of the process's actions on an agreement (its declaration in
    bot.flows.process says what that does): one transaction."""
    return perform(
        db,
        agreement_id,
        action,
        data,
        actor=actor,
        now=now,
        expected_version=expected_version,
    )


WorkingDays = Callable[[date, int], date]


def deemed_deadline(
    db: Database, agreement_id: str, *, tz: str, add_working_days: WorkingDays
) -> tuple[date, date, int] | None:
    """(notice day, last day for a reply, N) of the open T1 notice, or None."""
    with db.read() as s:
        rec = last_record(s, agreement_id, NOTICE)
        if rec is None:
            return None
        notice_on = rec.at.astimezone(ZoneInfo(tz)).date()
        n = int(rec.data.get("reply_days", 5))
    return notice_on, add_working_days(notice_on, n), n


def deem_confirmation(
    db: Database,
    agreement_id: str,
    *,
    now: datetime,
    tz: str,
    add_working_days: WorkingDays,
) -> Outcome:
    """T2.deem: with no written reply within N working days of the notice, confirm it.

    The notice counts as confirmed from the start of the working day after the N-th one.
    """
    found = deemed_deadline(db, agreement_id, tz=tz, add_working_days=add_working_days)
    if found is None:
        raise InvalidTransition(code="no_notice", agreement=agreement_id, notice=NOTICE)
    notice_on, deadline, n = found
    if now.astimezone(ZoneInfo(tz)).date() <= deadline:
        raise InvalidTransition(
            code="reply_window",
            agreement=agreement_id,
            deadline=deadline.isoformat(),
            reply_days=n,
            notice_on=notice_on.isoformat(),
        )
    form = T2DeemedForm(notice_on=notice_on, deadline=deadline, reply_days=n)
    return perform(db, agreement_id, DEEMED, form, actor=SYSTEM_ACTOR, now=now)
