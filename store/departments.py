"""The department directory (issue 9, rule 6): who heads each department. An admin keeps it;
M7 sends each department's lines to its head, and M9's OLAs go to the same head to sign (who
must hold the support department role)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from bot.flows.departments import DIRECTORY, OlaStatus, dept_key
from bot.flows.errors import PermissionDenied
from bot.flows.roles import Role
from store.db import Database
from store.models import OLA, Acknowledgement, AuditEvent, Department
from store.outbox import CardPayload, DepartmentPayload, Message, enqueue_many
from store.roles import roles_of


def heads(s: Session | Connection) -> dict[str, str]:
    """Department key -> its head."""
    return {k: h for k, h in s.execute(select(col(Department.key), col(Department.head))).all()}


def directory(db: Database) -> list[Department]:
    """Every department with its head, by name."""
    with db.read() as s:
        return list(s.execute(select(Department).order_by(col(Department.name))).scalars())


def set_head(db: Database, name: str, head: str, *, by: str, now: datetime) -> bool:
    """Name the head of a department (an admin, audited); False when nothing changes."""
    name = " ".join(name.split())
    with db.write() as s:
        if Role.ADMIN not in roles_of(s, by):
            raise PermissionDenied(DIRECTORY, (Role.ADMIN,), reason="heads_admin_only")
        row = s.execute(
            select(Department).where(col(Department.key) == dept_key(name)).with_for_update()
        ).scalar_one_or_none()
        before = {"name": row.name, "head": row.head} if row else {}
        if row is not None and row.head == head and row.name == name:
            return False
        if row is None:
            row = Department(
                key=dept_key(name), name=name, head=head, updated_by=by, updated_at=now
            )
        old = row.head if row.id is not None else None
        row.name, row.head, row.updated_by, row.updated_at = name, head, by, now
        s.add(row)
        moved = _reroute(s, row.key, old, head, now) if old and old != head else {}
        s.add(
            AuditEvent(
                agreement_id=None,
                actor=by,
                at=now,
                step=None,
                action=DIRECTORY,
                data={"department": name, "user": head, **moved},
                before=before,
                after={"name": name, "head": head},
            )
        )
        return True


def _reroute(s: Session, key: str, old: str, new: str, now: datetime) -> dict[str, int]:
    """A new head takes over what waits for the old one in this department: unacknowledged
    M7 notices, and unsigned or queried OLAs when the new head holds `support_dept`; each
    comes to them as a DM again."""
    notices = [
        a
        for a in s.execute(
            select(Acknowledgement).where(
                col(Acknowledgement.head) == old, col(Acknowledgement.acknowledged_at).is_(None)
            )
        ).scalars()
        if dept_key(a.department) == key
    ]
    olas = []
    if Role.SUPPORT_DEPT in roles_of(s, new):
        waiting = [OlaStatus.UNSIGNED, OlaStatus.QUERIED]
        olas = [
            o
            for o in s.execute(
                select(OLA).where(col(OLA.signer) == old, col(OLA.status).in_(waiting))
            ).scalars()
            if dept_key(o.department) == key
        ]
    for item, event in [*((a, "notice") for a in notices), *((o, "sign") for o in olas)]:
        if isinstance(item, Acknowledgement):
            item.head = new
        else:
            item.signer = new
        s.add(item)
        dm = Message("dm", new, DepartmentPayload(event=event, ref=int(item.id or 0)))
        card = Message("card", None, CardPayload())
        enqueue_many(s, agreement_id=item.agreement_id, now=now, messages=[dm, card])
    return {"notices_moved": len(notices), "olas_moved": len(olas)} if notices or olas else {}
