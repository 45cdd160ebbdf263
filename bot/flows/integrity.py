"""Rules that keep one agreement's story consistent (issue 9), declared beside the process.

Pure: which process runs in which status (one at a time), and the checks an action makes on
its form against facts the store supplies (dates of earlier steps, the SLA's end, today).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.flows.catalogue_rules import CatalogueFacts, check_catalogue
from bot.flows.departments import departments_of, dept_key, waiting_text, without
from bot.flows.errors import FormInvalid, InvalidTransition
from bot.flows.process import Action, Status

FlagValue = str | bool | int | None


@dataclass(frozen=True)
class Running:
    """A process that holds the agreement: what it is, what started it, how it ends."""

    en: str
    zh: str
    #: the actions whose latest record started it (the "since" of a refusal)
    started_by: tuple[str, ...]
    ends_en: str
    ends_zh: str
    #: the action that withdraws it
    withdraw: str


RUNNING: dict[Status, Running] = {
    Status.CHANGING: Running(
        "a service level change (C)",
        "服务级别变更（C）",
        ("M11", "M12", "M13"),
        "C3 (or C4 when supplier contracts change)",
        "C3（需变更供应商合同时为C4）",
        "M13.withdraw",
    ),
    Status.TERMINATING: Running(
        "a termination (T)",
        "服务级别协议终止（T）",
        ("M14", "T1", "T1.extension"),
        "T7 (archive)",
        "T7（归档）",
        "M14.withdraw",
    ),
    Status.EXTENSION_PENDING: Running(
        "an extension request (T1)",
        "延期申请（T1）",
        ("T1",),
        "the executive's decision (T1.extension)",
        "公司高层的审批（T1.extension）",
        "T1.withdraw",
    ),
}


@dataclass(frozen=True)
class Facts:
    """What the store knows that a rule needs; None when unknown (the rule does not apply)."""

    #: the latest calendar day anywhere now (a date after it is in the future)
    today: date | None = None
    #: the day the SLA draft being signed was written (M4 / C2)
    draft_on: date | None = None
    #: the end date of the SLA in effect
    sla_end: date | None = None
    #: the day of the open T1 notice and the service end it announced
    notice_on: date | None = None
    notice_end: date | None = None
    #: who holds the operations lead role (M8 and M8.handover name one of them)
    ops_leads: frozenset[str] | None = None
    #: the catalogue and what M3 / C1 offered (M3, C1, M4, C2 check against it, rule 8)
    catalogue: CatalogueFacts | None = None
    #: the department directory: department key -> its head (M7 and M9 name them)
    heads: Mapping[str, str] | None = None
    #: who holds the support department role (an OLA's signer must)
    support: frozenset[str] | None = None
    #: the current round's OLAs not signed yet: (department, signer) (M10 waits for them)
    unsigned: tuple[tuple[str, str], ...] | None = None


Rule = Callable[[Mapping[str, Any], Mapping[str, FlagValue], Facts], None]


def _extension_only_for_group(
    v: Mapping[str, Any], flags: Mapping[str, FlagValue], _: Facts
) -> None:
    if str(v.get("kind")) == "extension" and flags.get("project_class") not in ("group", "special"):
        raise FormInvalid.one(
            "kind",
            "extension_not_allowed",
            "an extension is only for group or specially approved projects; this "
            "agreement is a standard project (an executive can change its class, M1.class)",
        )


def _iso(d: date) -> str:
    return d.isoformat()


def _signed_after_draft(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
    signed = v.get("signed_on")
    if signed is not None and f.draft_on is not None and signed < f.draft_on:
        raise FormInvalid.one(
            "signed_on",
            "not_before_draft",
            f"must not be before the SLA draft was written ({_iso(f.draft_on)})",
            day=_iso(f.draft_on),
        )


def _not_in_future(name: str, what: str) -> Rule:
    def rule(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
        day = v.get(name)
        if day is not None and f.today is not None and day > f.today:
            raise FormInvalid.one(
                name, "not_future", f"{what} cannot be in the future ({_iso(day)})", day=_iso(day)
            )

    return rule


_EARLY = ("company_early", "customer_early")


def _early_end_within_the_sla(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
    end = v.get("service_end")
    early = str(v.get("kind")) in _EARLY
    if early and f.sla_end is not None and end is not None and end > f.sla_end:
        raise FormInvalid.one(
            "service_end",
            "early_end_within_sla",
            f"an early termination ends on or before the SLA's end ({_iso(f.sla_end)})",
            day=_iso(f.sla_end),
        )


def _reply_after_notice(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
    replied = v.get("replied_on")
    if replied is not None and f.notice_on is not None and replied < f.notice_on:
        raise FormInvalid.one(
            "replied_on",
            "not_before_notice",
            f"must not be before the notice ({_iso(f.notice_on)})",
            day=_iso(f.notice_on),
        )


def _archive_after_the_end(_: Mapping[str, Any], __: Mapping[str, FlagValue], f: Facts) -> None:
    if f.notice_end is not None and f.today is not None and f.today < f.notice_end:
        raise InvalidTransition(code="archive_before_end", action="T7", end=_iso(f.notice_end))


def _owner_is_ops_lead(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
    owner = v.get("owner")
    if owner and f.ops_leads is not None and owner not in f.ops_leads:
        raise FormInvalid.one(
            "owner",
            "owner_not_ops_lead",
            f"{owner} does not hold the operations lead role (ops_lead): name one who does",
            user=owner,
        )


def _every_department_has_a_head(
    v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts
) -> None:
    if f.heads is None:
        return
    missing = without(departments_of(v.get("breakdown") or []), f.heads)
    if missing:
        raise FormInvalid.one(
            "breakdown",
            "department_without_head",
            f"no head is named for {', '.join(missing)}: an admin names department heads "
            "(slm-bot departments set / /sla dept)",
            departments=", ".join(missing),
        )


def _every_ola_has_a_signer(v: Mapping[str, Any], _: Mapping[str, FlagValue], f: Facts) -> None:
    if f.heads is None or f.support is None:
        return
    depts = departments_of(v.get("olas") or [])
    missing = [d for d in depts if f.heads.get(dept_key(d)) not in f.support]
    if missing:
        raise FormInvalid.one(
            "olas",
            "ola_without_signer",
            f"no signer for {', '.join(missing)}: each OLA's department needs a head who holds "
            "the support department role (support_dept)",
            departments=", ".join(missing),
        )


def _olas_signed(_: Mapping[str, Any], __: Mapping[str, FlagValue], f: Facts) -> None:
    if f.unsigned:
        raise InvalidTransition(
            code="olas_unsigned",
            action="M10",
            waiting=[list(w) for w in f.unsigned],
            waiting_ids=waiting_text(f.unsigned),
        )


RULES: dict[str, tuple[Rule, ...]] = {
    "M7": (_every_department_has_a_head,),
    "M9": (_every_ola_has_a_signer,),
    "M8": (_owner_is_ops_lead,),
    "M8.handover": (_owner_is_ops_lead,),
    "T1": (_extension_only_for_group, _early_end_within_the_sla),
    "M5": (_signed_after_draft,),
    "C3": (_not_in_future("signed_on", "the signing date"),),
    "M10": (_not_in_future("live_on", "the live date"), _olas_signed),
    "T2": (_reply_after_notice,),
    "T7": (_archive_after_the_end,),
}


def check_rules(
    act: Action, values: Mapping[str, Any], flags: Mapping[str, FlagValue], facts: Facts
) -> None:
    for rule in RULES.get(act.id, ()):
        rule(values, flags, facts)
    check_catalogue(act.id, values, facts.catalogue)


#: actions whose checks compare with the customer's notice (its day and the end it names)
NEEDS_NOTICE = frozenset({"T2", "T7"})
#: actions whose checks compare with the day the SLA draft was made
NEEDS_DRAFT = frozenset({"M5", "C3"})
#: actions whose checks compare with who holds the operations lead role (the named owner)
NEEDS_OPS = frozenset({"M8", "M8.handover"})
#: actions whose checks compare with the department directory (heads, OLA signers)
NEEDS_HEADS = frozenset({"M7", "M9"})
#: actions that wait for every OLA of the current round to be signed
NEEDS_SIGNED = frozenset({"M10"})
