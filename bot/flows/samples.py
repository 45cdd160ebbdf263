"""Valid sample form data for every action: used by the demo, the sandbox and the tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def sample_forms(
    start: date,
    *,
    customer: str = "Acme Logistics",
    entry: str = "DB-OPS",
    owner: str = "U_OPS",
    suppliers: bool = True,
    tier: int = 2,
) -> dict[str, dict[str, Any]]:
    """Action id -> form data, for an agreement whose service starts on `start`."""
    end = start.replace(year=start.year + 1) - timedelta(days=1)
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
        "M5": {
            "contract_no": "C-2026-118",
            "signed_on": start.isoformat(),
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
        "M10": {"live_on": start.isoformat(), "notes": "Handover done"},
        "M11": {
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=90)).isoformat(),
            "availability_pct": "99.95",
            "report": "Stable; ticket volume falling",
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
            "effective_from": (start + timedelta(days=120)).isoformat(),
            "end_date": end.isoformat(),
            "price": "150000",
            "availability_pct": "99.9",
            "capacity": "DBA team can take one more cluster",
            "changes": "A fourth cluster (reporting)",
            "supplier_changes_needed": True,
        },
        "C3": {
            "signed_on": (start + timedelta(days=115)).isoformat(),
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
        "T1": {
            "kind": "expiry",
            "service_end": end.isoformat(),
            "reason": "",
            "notice_text": "The service ends on the agreed date.",
            "reply_days": 5,
        },
        "T1.extension": {"decision": "approve", "reason": "Group project"},
        "T2": {
            "replied_on": (end - timedelta(days=20)).isoformat(),
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
