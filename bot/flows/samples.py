"""Valid sample form data for every action: used by the demo, the sandbox and the tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.flows.roles import Role

#: a whole life after M1: onboarding, reviews, a change (C1-C4) and a termination (T1-T7)
FULL_LIFE: tuple[str, ...] = (
    "M2",
    "M3",
    "M4",
    "M5",
    "M6",
    "M7",
    "M8",
    "M9",
    "M9.review",
    "M10",
    "M11",
    "M12",
    "M13",
    "C1",
    "C2",
    "C3",
    "C4",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
)

#: the role that does each action in the samples (the demo, the tests, the benchmarks)
DOER: dict[str, Role] = {
    "M1": Role.SALES,
    "M1.class": Role.EXECUTIVE,
    "M2": Role.SLM,
    "M3": Role.SLM,
    "M4": Role.SALES,
    "M5": Role.SALES,
    "M6": Role.SUPPLIER_MANAGER,
    "M7": Role.CONTRACTS,
    "M8": Role.SLM,
    "M9": Role.OPS_LEAD,
    "M9.review": Role.SLM,
    "M10": Role.OPS_LEAD,
    "M11": Role.SLM,
    "M12": Role.SLM,
    "M13": Role.SLM,
    "M14": Role.SLM,
    "M13.withdraw": Role.SLM,
    "M8.handover": Role.SLM,
    "M14.withdraw": Role.SLM,
    "T1.withdraw": Role.SLM,
    "C1": Role.SLM,
    "C2": Role.SALES,
    "C3": Role.SLM,
    "C4": Role.SUPPLIER_MANAGER,
    "T1": Role.SALES,
    "T1.extension": Role.EXECUTIVE,
    "T2": Role.SALES,
    "T3": Role.SLM,
    "T4": Role.SLM,
    "T5": Role.SUPPLIER_MANAGER,
    "T6": Role.SLM,
    "T7": Role.SLM,
}


def sample_forms(
    start: date,
    *,
    customer: str = "Acme Logistics",
    entry: str = "DB-OPS",
    owner: str = "U_OPS",
    suppliers: bool = True,
    tier: int = 2,
    today: date | None = None,
) -> dict[str, dict[str, Any]]:
    """Action id -> form data, for an agreement whose service starts on `start`, done on
    `today` (default: the machine's date): dates of what already happened (M10's live date,
    C3's signature, T1's notice, T2's reply) are never after it."""
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    today = today or date.today()
    return {
        **_onboarding(
            start, end, min(start, today), today, customer, entry, owner, suppliers, tier
        ),
        **_in_service(start, end, today, entry, tier),
        **_termination(end, today),
    }


def _onboarding(
    start: date,
    end: date,
    live: date,
    today: date,
    customer: str,
    entry: str,
    owner: str,
    suppliers: bool,
    tier: int,
) -> dict[str, dict[str, Any]]:
    """M1-M10 (and the standing withdrawals and class change)."""
    return {
        **_request_to_draft(start, end, customer, entry, owner, suppliers, tier),
        **_signing_to_live(start, end, live, today, owner),
    }


def _request_to_draft(
    start: date, end: date, customer: str, entry: str, owner: str, suppliers: bool, tier: int
) -> dict[str, dict[str, Any]]:
    """M1-M4, the standing withdrawals and the class change."""
    return {
        "M1": {
            "customer": customer,
            "contact": "Li Wei, +86 21 5555 0100",
            "services": "Database operations\nBackup and restore",
            "tier": str(tier),
            "workload": "3 clusters, about 40 tickets a month, one site",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
        },
        "M1.class": {"project_class": "group", "reason": "A group company's project"},
        "M13.withdraw": {"reason": "The customer dropped the request"},
        "M8.handover": {"owner": owner, "reason": "The owner moves to another project"},
        "M14.withdraw": {"reason": "The customer decided to stay"},
        "T1.withdraw": {"reason": "Asked by mistake"},
        "M2": {
            "current_state": "Self-run PostgreSQL, no on-call",
            "defects": "No backups tested",
            "required_level": "7x12 with 30 min response",
            "decision": "accept",
        },
        "M3": {"entries": [entry], "pricing_notes": "2026 price list"},
        "M4": {
            "entry": entry,
            "tier": str(tier),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "price": "120000.00",
            "availability_pct": "99.9",
            "capacity": "DBA team has 2 FTE free",
            "negotiation": "Agreed 7x12",
            "review_cadence": "quarterly",
            "suppliers_needed": suppliers,
        },
    }


def _signing_to_live(
    start: date, end: date, live: date, today: date, owner: str
) -> dict[str, dict[str, Any]]:
    """M5-M10."""
    return {
        "M5": {
            "contract_no": "C-2026-118",
            "signed_on": today.isoformat(),
            "signatory": "Zhang Min",
            "value": "120000.00",
        },
        "M6": {
            "supplier": "StoragePro Ltd",
            "contract_no": "SP-77",
            "scope": "Backup appliance support",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "cost": "18000",
        },
        "M7": {"breakdown": "DBA: 7x12 database operations\nNetwork: link monitoring"},
        "M8": {"proposal": "Run the clusters with the DBA on-call rota", "owner": owner},
        "M9": {
            "report": "Initiation of the Acme DB O&M project",
            "budget": "90000",
            "olas": "DBA: 30 min response 08-20\nNetwork: 1 h response",
        },
        "M9.review": {"decision": "approve", "reason": "Budget fits"},
        "M10": {"live_on": live.isoformat(), "notes": "Handover done"},
    }


def _in_service(
    start: date, end: date, today: date, entry: str, tier: int
) -> dict[str, dict[str, Any]]:
    """M11-M14 and the change C1-C4."""
    return {
        "M11": {
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=90)).isoformat(),
            "availability_pct": "99.95",
            "report": "Stable; ticket volume falling",
            "proposal_review": "Proposal followed; on-call rota as planned",
            "contracts_review": "OLAs met; StoragePro answered every call in time",
            "review_record": "Met the customer on the 3rd",
            "satisfaction": 4,
            "nonconformities": "One P2 resolved late",
            "improvements": "Add a DBA runbook",
            "changes": "",
        },
        "M12": {
            "documents_current": True,
            "findings": "All documents current",
            "changes_needed": "",
        },
        "M13": {"source": "customer", "reason": "Customer adds a reporting database"},
        "M14": {"reason": "Contract ends", "notes": ""},
        "C1": {"entries": [entry], "notes": "Reporting DB added to the offer"},
        "C2": {
            "entry": entry,
            "tier": str(tier),
            # in effect when C3 signs it (a later date waits for the sweep, issue 9 rule 9)
            "effective_from": min(start + timedelta(days=120), today).isoformat(),
            "end_date": end.isoformat(),
            "price": "150000",
            "availability_pct": "99.9",
            "capacity": "DBA team can take one more cluster",
            "changes": "A fourth cluster (reporting)",
            "supplier_changes_needed": True,
        },
        "C3": {
            "signed_on": min(start + timedelta(days=115), today).isoformat(),
            "proposal_update": "Rota extended to the reporting cluster",
            "ola_updates": "DBA: reporting cluster included",
        },
        "C4": {
            "action": "change",
            "supplier": "StoragePro Ltd",
            "contract_no": "SP-77",
            "scope": "More backup capacity",
            "cost": "24000",
        },
    }


def _termination(end: date, today: date) -> dict[str, dict[str, Any]]:
    """T1-T7."""
    return {
        "T1": {
            "kind": "company_early",
            "service_end": min(end, today).isoformat(),
            "reason": "The customer's site closes; agreed with the customer",
            "notice_text": "The service ends early, on the date agreed with you.",
            "reply_days": 5,
        },
        "T1.extension": {"decision": "approve", "reason": "Group project"},
        "T2": {
            "replied_on": today.isoformat(),
            "reply": "We confirm the end of the service.",
        },
        "T3": {"items": "3 database servers\nBackup appliance rack space"},
        "T4": {"items": "2 DBAs back to the pool"},
        "T5": {"items": "StoragePro backup support", "contract_changes": "SP-77 ends"},
        "T6": {"planned_cost": "90000", "actual_cost": "86500", "notes": "Under budget"},
        "T7": {
            "summary": "A stable year",
            "nonconformities": "One late P2",
            "corrective_actions": "Runbook added",
            "preventive_actions": "Quarterly drills",
        },
    }
