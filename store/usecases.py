"""One named function per action of the process, each one transaction (see store.lifecycle).

`USE_CASES` maps action id -> function; `submit_request` (M1) creates the agreement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.flows.errors import InvalidTransition
from bot.flows.forms import StepForm
from bot.flows.machine import SYSTEM_ACTOR
from bot.flows.termination_forms import T2DeemedForm
from store.db import Database
from store.effects import last_record
from store.lifecycle import Outcome, perform


class UseCase(Protocol):
    def __call__(
        self,
        db: Database,
        agreement_id: str,
        data: Mapping[str, Any] | StepForm,
        *,
        actor: str,
        now: datetime,
        expected_version: int | None = None,
    ) -> Outcome: ...


def _use_case(action_id: str, doc: str) -> UseCase:
    def run(
        db: Database,
        agreement_id: str,
        data: Mapping[str, Any] | StepForm,
        *,
        actor: str,
        now: datetime,
        expected_version: int | None = None,
    ) -> Outcome:
        return perform(
            db,
            agreement_id,
            action_id,
            data,
            actor=actor,
            now=now,
            expected_version=expected_version,
        )

    run.__doc__ = f"{action_id}: {doc}"
    run.__name__ = doc
    return run


assess_requirement = _use_case("M2", "assess_requirement")
prepare_catalogue = _use_case("M3", "prepare_catalogue")
draft_sla = _use_case("M4", "draft_sla")
sign_contract = _use_case("M5", "sign_contract")
record_supplier_contract = _use_case("M6", "record_supplier_contract")
break_down_contract = _use_case("M7", "break_down_contract")
write_proposal = _use_case("M8", "write_proposal")
submit_initiation = _use_case("M9", "submit_initiation")
review_initiation = _use_case("M9.review", "review_initiation")
confirm_delivery = _use_case("M10", "confirm_delivery")
record_review = _use_case("M11", "record_review")
review_sla = _use_case("M12", "review_sla")
start_change = _use_case("M13", "start_change")
start_termination = _use_case("M14", "start_termination")
update_catalogue = _use_case("C1", "update_catalogue")
draft_additional_sla = _use_case("C2", "draft_additional_sla")
sign_additional_sla = _use_case("C3", "sign_additional_sla")
record_change_suppliers = _use_case("C4", "record_change_suppliers")
notify_customer = _use_case("T1", "notify_customer")
decide_extension = _use_case("T1.extension", "decide_extension")
record_customer_reply = _use_case("T2", "record_customer_reply")
release_infrastructure = _use_case("T3", "release_infrastructure")
release_people = _use_case("T4", "release_people")
release_suppliers = _use_case("T5", "release_suppliers")
account_service = _use_case("T6", "account_service")
summarise_service = _use_case("T7", "summarise_service")

USE_CASES: dict[str, UseCase] = {
    "M2": assess_requirement,
    "M3": prepare_catalogue,
    "M4": draft_sla,
    "M5": sign_contract,
    "M6": record_supplier_contract,
    "M7": break_down_contract,
    "M8": write_proposal,
    "M9": submit_initiation,
    "M9.review": review_initiation,
    "M10": confirm_delivery,
    "M11": record_review,
    "M12": review_sla,
    "M13": start_change,
    "M14": start_termination,
    "C1": update_catalogue,
    "C2": draft_additional_sla,
    "C3": sign_additional_sla,
    "C4": record_change_suppliers,
    "T1": notify_customer,
    "T1.extension": decide_extension,
    "T2": record_customer_reply,
    "T3": release_infrastructure,
    "T4": release_people,
    "T5": release_suppliers,
    "T6": account_service,
    "T7": summarise_service,
}

WorkingDays = Callable[[date, int], date]


def deemed_deadline(
    db: Database, agreement_id: str, *, tz: str, add_working_days: WorkingDays
) -> tuple[date, date, int] | None:
    """(notice day, last day for a reply, N) of the open T1 notice, or None."""
    with db.read() as s:
        rec = last_record(s, agreement_id, "T1")
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
        raise InvalidTransition(f"{agreement_id} has no T1 notice")
    notice_on, deadline, n = found
    local_now = now.astimezone(ZoneInfo(tz))
    due = datetime.combine(deadline, time(0), ZoneInfo(tz))
    if local_now.date() <= deadline:
        raise InvalidTransition(
            f"{agreement_id}: the customer may reply until {deadline.isoformat()} "
            f"({n} working days after the notice of {notice_on.isoformat()}); "
            f"deemed confirmation from {(due.date()).isoformat()} end of day"
        )
    form = T2DeemedForm(notice_on=notice_on, deadline=deadline, reply_days=n)
    return perform(db, agreement_id, "T2.deem", form, actor=SYSTEM_ACTOR, now=now)
