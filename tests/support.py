"""A small world for lifecycle tests: one user per role, a catalogue, and a driver that takes
a new agreement to the point where a given action is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.roles import Role
from bot.flows.samples import DOER, sample_forms
from store.catalogue import save_entry
from store.db import Database
from store.demo import departments_answer
from store.departments import set_head
from store.lifecycle import Outcome, perform, submit_request
from store.roles import CONFIG_ACTOR, grant_role

#: one user per role; U_SLM_B is a second service level manager (four eyes)
USERS: dict[Role, str] = {
    Role.SALES: "U_SALES",
    Role.SLM: "U_SLM",
    Role.OPS_LEAD: "U_OPS",
    Role.SUPPLIER_MANAGER: "U_SUP",
    Role.CONTRACTS: "U_CON",
    Role.EXECUTIVE: "U_EXE",
    Role.ADMIN: "U_ADM",
    Role.SUPPORT_DEPT: "U_DEP",
}
#: the department directory of the samples: U_DEP heads DBA, U_NET (support_dept) Network
HEADS: dict[str, str] = {"DBA": "U_DEP", "Network": "U_NET"}
#: everyone the samples involve (a Slack stand-in knows each of them)
PEOPLE: tuple[str, ...] = tuple(dict.fromkeys([*USERS.values(), "U_SLM_B", *HEADS.values()]))

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = date(2026, 4, 1)

#: who does each action on the way (one user per role)
ACTOR: dict[str, str] = {action: USERS[role] for action, role in DOER.items()}

ONBOARD = ("M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M9.review", "M10")

#: the actions (with form overrides) that open each action, after M1
PATHS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {}
for i, a in enumerate(ONBOARD):
    PATHS[a] = tuple((x, {}) for x in ONBOARD[:i])
_LIVE: tuple[tuple[str, dict[str, Any]], ...] = tuple((x, {}) for x in ONBOARD)
for a in ("M11", "M12", "M13", "M14", "T1"):
    PATHS[a] = _LIVE
PATHS["C1"] = (*_LIVE, ("M13", {}))
PATHS["C2"] = (*PATHS["C1"], ("C1", {}))
PATHS["C3"] = (*PATHS["C2"], ("C2", {}))
PATHS["C4"] = (*PATHS["C3"], ("C3", {}))
PATHS["T1.extension"] = (
    *_LIVE,
    ("M1.class", {}),
    ("T1", {"kind": "extension", "reason": "Group project", "service_end": "2027-09-30"}),
)
PATHS["T1.withdraw"] = PATHS["T1.extension"]
PATHS["M13.withdraw"] = PATHS["C1"]
PATHS["M14.withdraw"] = (*_LIVE, ("M14", {}))
PATHS["M1.class"] = ()
PATHS["M8.handover"] = PATHS["M9"]
PATHS["T2"] = (*_LIVE, ("T1", {}))
PATHS["T2.deem"] = PATHS["T2"]
for a in ("T3", "T4", "T5"):
    PATHS[a] = (*PATHS["T2"], ("T2", {}))
PATHS["T6"] = (*PATHS["T3"], ("T3", {}), ("T4", {}), ("T5", {}))
PATHS["T7"] = (*PATHS["T6"], ("T6", {}))


def setup_world(db: Database) -> None:
    for role, user in USERS.items():
        grant_role(db, user, role, by=CONFIG_ACTOR, now=T0)
    grant_role(db, "U_SLM_B", Role.SLM, by=CONFIG_ACTOR, now=T0)
    grant_role(db, "U_NET", Role.SUPPORT_DEPT, by=CONFIG_ACTOR, now=T0)
    for name, head in HEADS.items():
        set_head(db, name, head, by=USERS[Role.ADMIN], now=T0)
    save_entry(
        db,
        {
            "code": "DB-OPS",
            "name": "Database operations",
            "tier": 2,
            "price": "120000",
            "availability_pct": "99.9",
            "targets": {"P1": {"response_min": 30, "resolution_min": 240}},
        },
        actor="U_SLM",
        now=T0,
    )


class Clock:
    """Time as a parameter: each call is one minute later."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def forms(
    customer: str = "Acme Logistics", today: date | None = None, *, start: date = START
) -> dict[str, dict[str, Any]]:
    """Sample forms for the test clock's day (T0), or `today` for tests on the real clock; a
    service starting on `start` (tests on the real clock start it near today)."""
    return sample_forms(start, customer=customer, today=today or T0.date())


def new_agreement(
    db: Database, clock: Clock, customer: str = "Acme Logistics", start: date = START, **m1: Any
) -> Outcome:
    m1 = forms(customer, start=start)["M1"] | m1
    return submit_request(db, m1, actor="U_SALES", now=clock())


def drive(
    db: Database,
    to: str,
    clock: Clock,
    customer: str = "Acme Logistics",
    *,
    override: dict[str, dict[str, Any]] | None = None,
    start: date = START,
) -> Outcome:
    """A new agreement on which `to` is open (or standing); `override` changes the forms of
    actions on the way; the service starts on `start`."""
    f = forms(customer, today=clock.now.date(), start=start)
    out = new_agreement(db, clock, customer, start, **(override or {}).get("M1", {}))
    for action, path_override in PATHS.get(to, ()):
        if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (rules 6, 7)
            departments_answer(db, out.agreement_id, now=clock())
        data = f[action] | path_override | (override or {}).get(action, {})
        out = perform(db, out.agreement_id, action, data, actor=ACTOR[action], now=clock())
    return out
