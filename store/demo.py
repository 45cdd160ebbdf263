"""Demo data: people for every role, a catalogue with the three tiers, agreements at
different steps (one expiring within 30 days). Used by `slm-bot demo` and the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.flows.departments import OlaStatus
from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.roles import Role
from bot.flows.samples import sample_forms
from store.acknowledgements import acknowledge, notices
from store.catalogue import save_entry
from store.db import Database
from store.departments import set_head
from store.lifecycle import perform, submit_request
from store.ola_signatures import current_olas, sign
from store.roles import CONFIG_ACTOR, grant_role


@dataclass(frozen=True)
class Persona:
    user_id: str
    name: str
    roles: tuple[Role, ...]


PERSONAS: tuple[Persona, ...] = (
    Persona("U0SALES01", "Sasha Sales", (Role.SALES,)),
    Persona("U0SLM0001", "Mei Lin (service level manager)", (Role.SLM,)),
    Persona("U0SLM0002", "Tom Reviewer (service level manager)", (Role.SLM,)),
    Persona("U0OPS0001", "Oscar Ops (operations lead)", (Role.OPS_LEAD,)),
    Persona("U0SUP0001", "Sofia Supplier (supplier manager)", (Role.SUPPLIER_MANAGER,)),
    Persona("U0CON0001", "Chen Contracts (business management)", (Role.CONTRACTS,)),
    Persona("U0EXE0001", "Eva Executive", (Role.EXECUTIVE,)),
    Persona("U0ADM0001", "Ada Admin", (Role.ADMIN,)),
    Persona("U0DEP0001", "Dana DBA (head of DBA)", (Role.SUPPORT_DEPT,)),
    Persona("U0NET0001", "Nick Network (head of Network)", (Role.SUPPORT_DEPT,)),
)

#: the department directory of the demo: the departments of the sample breakdown and OLAs
HEADS: dict[str, str] = {"DBA": "U0DEP0001", "Network": "U0NET0001"}

DEMO_ACTORS: dict[str, str] = {
    "M1": "U0SALES01",
    "M2": "U0SLM0001",
    "M3": "U0SLM0001",
    "M4": "U0SALES01",
    "M5": "U0SALES01",
    "M6": "U0SUP0001",
    "M7": "U0CON0001",
    "M8": "U0SLM0001",
    "M9": "U0OPS0001",
    "M9.review": "U0SLM0001",
    "M10": "U0OPS0001",
    "M11": "U0SLM0001",
    "M12": "U0SLM0001",
    "M13": "U0SLM0001",
    "M14": "U0SLM0001",
    "C1": "U0SLM0001",
    "C2": "U0SLM0001",
    "C3": "U0SLM0001",
    "C4": "U0SUP0001",
    "T1": "U0SALES01",
    "T1.extension": "U0EXE0001",
    "T2": "U0SALES01",
    "T3": "U0SLM0001",
    "T4": "U0SLM0001",
    "T5": "U0SUP0001",
    "T6": "U0SLM0001",
    "T7": "U0SLM0001",
}

CATALOGUE: tuple[dict[str, Any], ...] = (
    {
        "code": "DC-247",
        "name": "Data centre operations 7x24",
        "name_zh": "数据中心7x24运维",
        "description": "Round-the-clock monitoring and on-site presence",
        "tier": 1,
        "price": "360000",
        "availability_pct": "99.99",
        "targets": {
            "P1": {"response_min": 15, "resolution_min": 120},
            "P2": {"response_min": 30, "resolution_min": 480},
        },
    },
    {
        "code": "DB-OPS",
        "name": "Database operations 7x12",
        "name_zh": "数据库7x12运维",
        "description": "Daytime DBA service every day",
        "tier": 2,
        "price": "120000",
        "availability_pct": "99.9",
        "targets": {
            "P1": {"response_min": 30, "resolution_min": 240},
            "P2": {"response_min": 60, "resolution_min": 960},
        },
    },
    {
        "code": "DESK-58",
        "name": "Service desk 5x8",
        "name_zh": "服务台5x8",
        "description": "Working-day service desk and on-site support",
        "tier": 3,
        "price": "48000",
        "availability_pct": "99.5",
        "targets": {"P1": {"response_min": 60, "resolution_min": 480}},
    },
)

# (customer, catalogue code, how far to take it, service start relative to today)
AGREEMENTS: tuple[tuple[str, str, str, int], ...] = (
    ("Acme Logistics", "DB-OPS", "M2", 30),
    ("Bright Retail", "DESK-58", "M9.review", 14),
    ("Harbour Bank", "DC-247", "M10", -340),  # in service, ends within 30 days
    ("Jade Hospital", "DB-OPS", "M10", -60),
)

ORDER = ("M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M9.review", "M10")


def seed_people(db: Database, *, now: datetime) -> None:
    for p in PERSONAS:
        for r in p.roles:
            grant_role(db, p.user_id, r, by=CONFIG_ACTOR, now=now)
    admin = next(p.user_id for p in PERSONAS if Role.ADMIN in p.roles)
    for name, head in HEADS.items():
        set_head(db, name, head, by=admin, now=now)


def departments_answer(db: Database, agreement_id: str, *, now: datetime) -> int:
    """Every head acknowledges their M7 notice and signs their waiting OLAs (as a demo's or a
    test's departments do); returns how many they did."""
    with db.read() as s:
        acks = [(a.id, a.head) for a in notices(s, agreement_id) if a.acknowledged_at is None]
        olas = [o for o in current_olas(s, agreement_id) if o.status == OlaStatus.UNSIGNED]
    for ack, head in acks:
        acknowledge(db, int(ack or 0), actor=head, now=now)
    for ola in olas:
        sign(db, int(ola.id or 0), actor=ola.signer or "", now=now)
    return len(acks) + len(olas)


def seed_demo(db: Database, *, now: datetime) -> list[str]:
    """Seed everything; returns the agreement ids. Run it on an empty database."""
    seed_people(db, now=now)
    for entry in CATALOGUE:
        save_entry(db, entry, actor="U0SLM0001", now=now)
    ids: list[str] = []
    today = now.date()
    for customer, code, upto, offset in AGREEMENTS:
        start: date = today + timedelta(days=offset)
        forms = sample_forms(
            start,
            customer=customer,
            entry=code,
            owner="U0OPS0001",
            suppliers=code == "DC-247",
            tier=next(int(c["tier"]) for c in CATALOGUE if c["code"] == code),
            today=today,
        )
        t = now - timedelta(hours=len(ORDER) + 1)
        out = submit_request(db, forms["M1"], actor="U0SALES01", now=t)
        ids.append(out.agreement_id)
        for action in ORDER[: ORDER.index(upto) + (1 if upto == "M10" else 0)]:
            if action not in out.pending:
                continue  # M6 is skipped when no suppliers are needed
            t += timedelta(hours=1)
            if action in NEEDS_SIGNED:
                departments_answer(db, out.agreement_id, now=t)
            out = perform(
                db, out.agreement_id, action, forms[action], actor=DEMO_ACTORS[action], now=t
            )
    return ids
