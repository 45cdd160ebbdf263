"""The admin's roles modal as one use case: what the modal showed, and saving what changed.

The modal shows at most `SHOWN` holders per role (a Slack users-select holds no more); the
others stay out of it and are never touched. The modal carries the version of the role table
it was opened on (a hash of every assignment). Saving, in one transaction: refuse if the table
changed meanwhile (another admin's grant would otherwise be lost); grant what the admin added to
a role's selection, revoke what the admin took out of it; and apply the one-person section
(roles to give and to take from a person, any number of holders). Each grant and revoke is
audited in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.flows.errors import DomainError
from bot.flows.roles import Role
from store.db import Database
from store.models import RoleAssignment, table_of
from store.outbox import NoticeTo, queue_notice
from store.roles import grant_in, require_admin, revoke_in

#: holders of a role shown in the modal (Slack's users-select limit)
SHOWN = 100
_ROLES = table_of(RoleAssignment)


@dataclass(frozen=True)
class RolesSnapshot:
    """What the roles modal shows: the first `SHOWN` holders of each role, how many hold it,
    and the version of the whole table."""

    version: str
    shown: dict[Role, list[str]]
    total: dict[Role, int]


@dataclass(frozen=True)
class PersonChange:
    """The one-person section: roles to give `user` and roles to take from them."""

    user: str
    give: frozenset[Role] = frozenset()
    take: frozenset[Role] = frozenset()


@dataclass
class RolesSaved:
    granted: list[tuple[str, Role]] = field(default_factory=list)
    revoked: list[tuple[str, Role]] = field(default_factory=list)


class RolesChanged(DomainError):
    """The role table changed after the modal was opened: nothing is saved."""

    code = "roles_changed"


def _assignments(s: Session) -> dict[Role, list[str]]:
    out: dict[Role, list[str]] = {r: [] for r in Role}
    for user, role in s.connection().execute(select(_ROLES.c.user_id, _ROLES.c.role)):
        if role in Role._value2member_map_:
            out[Role(role)].append(str(user))
    return {r: sorted(set(users)) for r, users in out.items()}


def _version(assignments: Mapping[Role, list[str]]) -> str:
    h = hashlib.sha256()
    for role in Role:
        for user in assignments.get(role, []):
            h.update(f"{role.value}\0{user}\n".encode())
    return h.hexdigest()[:24]


def _snapshot(s: Session) -> RolesSnapshot:
    held = _assignments(s)
    return RolesSnapshot(
        version=_version(held),
        shown={r: users[:SHOWN] for r, users in held.items()},
        total={r: len(users) for r, users in held.items()},
    )


def roles_snapshot(db: Database) -> RolesSnapshot:
    with db.read() as s:
        return _snapshot(s)


def save_roles(
    db: Database,
    *,
    by: str,
    version: str,
    selected: Mapping[Role, Iterable[str]],
    person: PersonChange | None,
    now: datetime,
    notice: NoticeTo[RolesSaved] | None = None,
) -> RolesSaved:
    """Apply what the admin changed in a modal opened on `version` (see the module); the
    admin's confirmation (`notice`) is queued with the change."""
    saved = RolesSaved()
    with db.write() as s:
        require_admin(s, by)
        snap = _snapshot(s)
        if snap.version != version:
            raise RolesChanged()
        wanted: dict[tuple[str, Role], bool] = {}
        for role, users in selected.items():
            shown, chosen = set(snap.shown.get(role, [])), set(users)
            wanted |= {(u, role): True for u in chosen - shown}
            wanted |= {(u, role): False for u in shown - chosen if not _self_admin(u, role, by)}
        if person is not None:
            wanted |= {(person.user, r): True for r in person.give - person.take}
            wanted |= {(person.user, r): False for r in person.take - person.give}
        for (user, role), grant in sorted(wanted.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if grant and grant_in(s, user, role, by=by, now=now):
                saved.granted.append((user, role))
            elif not grant and revoke_in(s, user, role, by=by, now=now):
                saved.revoked.append((user, role))
        if notice is not None:
            queue_notice(s, notice, saved, now)
    return saved


def _self_admin(user: str, role: Role, by: str) -> bool:
    """The modal never takes admin from the admin saving it (no locking oneself out)."""
    return role is Role.ADMIN and user == by
