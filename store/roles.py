"""Role assignments: who holds which role. Admins assign roles; every change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session, col

from bot.flows.errors import PermissionDenied
from bot.flows.roles import Role
from store.db import Database
from store.models import AuditEvent, RoleAssignment, table_of

CONFIG_ACTOR = "system:config"


_ROLES = table_of(RoleAssignment)
_ROLES_OF = select(_ROLES.c.role).where(_ROLES.c.user_id == bindparam("user"))
_ROLES_OF_MANY = select(_ROLES.c.user_id, _ROLES.c.role).where(
    _ROLES.c.user_id.in_(bindparam("users", expanding=True))
)
_HOLDERS = select(_ROLES.c.user_id).where(_ROLES.c.role.in_(bindparam("roles", expanding=True)))


def roles_of(session: Session, user_id: str) -> set[Role]:
    rows = session.connection().execute(_ROLES_OF, {"user": user_id}).scalars()
    return {Role(r) for r in rows}


def roles_of_many(session: Session, users: Iterable[str]) -> dict[str, set[Role]]:
    """The roles of several people in one query (everyone asked is a key)."""
    held: dict[str, set[Role]] = {u: set() for u in users}
    if held:
        for user, role in session.connection().execute(_ROLES_OF_MANY, {"users": list(held)}):
            held[user].add(Role(role))
    return held


def user_roles(db: Database, user_id: str) -> set[Role]:
    """The roles one person holds (a read of its own)."""
    with db.read() as s:
        return roles_of(s, user_id)


def holders(session: Session, roles: Iterable[Role]) -> list[str]:
    """Users holding any of `roles`, sorted, each once."""
    wanted = [r.value for r in roles]
    if not wanted:
        return []
    rows = session.connection().execute(_HOLDERS, {"roles": wanted}).scalars()
    return sorted(set(rows))


def role_holders(db: Database, roles: Iterable[Role]) -> list[str]:
    """Users holding any of `roles`, sorted, each once (a read of its own)."""
    with db.read() as s:
        return holders(s, roles)


def assignments(db: Database) -> dict[str, list[str]]:
    """role -> sorted user ids (a read of its own)."""
    with db.read() as s:
        return all_assignments(s)


def all_assignments(session: Session) -> dict[str, list[str]]:
    """role -> sorted user ids."""
    out: dict[str, list[str]] = {r.value: [] for r in Role}
    for a in session.execute(select(RoleAssignment)).scalars():
        out.setdefault(a.role, []).append(a.user_id)
    return {k: sorted(v) for k, v in out.items()}


def require_admin(session: Session, by: str) -> None:
    if by == CONFIG_ACTOR:
        return
    if Role.ADMIN not in roles_of(session, by):
        raise PermissionDenied("role assignment", (Role.ADMIN,), reason="admin_only")


def grant_in(s: Session, user_id: str, role: Role, *, by: str, now: datetime) -> bool:
    """Within the caller's transaction: give the role, audited; False if already held."""
    before = roles_of(s, user_id)
    if role in before:
        return False
    s.add(RoleAssignment(user_id=user_id, role=role.value, granted_by=by, granted_at=now))
    s.add(
        AuditEvent(
            actor=by,
            at=now,
            action="role.grant",
            data={"user": user_id, "role": role.value},
            before={"roles": sorted(r.value for r in before)},
            after={"roles": sorted({*(r.value for r in before), role.value})},
        )
    )
    s.flush()
    return True


def revoke_in(s: Session, user_id: str, role: Role, *, by: str, now: datetime) -> bool:
    """Within the caller's transaction: take the role away, audited; False if not held."""
    before = roles_of(s, user_id)
    if role not in before:
        return False
    if role is Role.ADMIN and by == user_id and len(holders(s, [Role.ADMIN])) == 1:
        raise PermissionDenied("role assignment", (Role.ADMIN,), reason="last_admin")
    s.execute(
        delete(RoleAssignment).where(
            col(RoleAssignment.user_id) == user_id,
            col(RoleAssignment.role) == role.value,
        )
    )
    s.add(
        AuditEvent(
            actor=by,
            at=now,
            action="role.revoke",
            data={"user": user_id, "role": role.value},
            before={"roles": sorted(r.value for r in before)},
            after={"roles": sorted(r.value for r in before - {role})},
        )
    )
    return True


def grant_role(db: Database, user_id: str, role: Role, *, by: str, now: datetime) -> bool:
    """Give `user_id` the role; returns False when they already held it (nothing changes)."""
    with db.write() as s:
        require_admin(s, by)
        return grant_in(s, user_id, role, by=by, now=now)


def revoke_role(db: Database, user_id: str, role: Role, *, by: str, now: datetime) -> bool:
    """Take the role away; returns False when they did not hold it."""
    with db.write() as s:
        require_admin(s, by)
        return revoke_in(s, user_id, role, by=by, now=now)


def ensure_admins(db: Database, admins: Iterable[str], *, now: datetime) -> list[str]:
    """Grant `admin` to the configured admins (SLM_ADMINS) that lack it; returns who got it."""
    granted = [u for u in admins if u and grant_role(db, u, Role.ADMIN, by=CONFIG_ACTOR, now=now)]
    return granted
