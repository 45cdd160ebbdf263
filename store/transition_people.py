"""Who an opened task goes to, and why: the people side of a transition (store.lifecycle)."""

from __future__ import annotations

from sqlmodel import Session

from bot.flows.behaviour import Assignee
from bot.flows.process import ACTION_BY_ID
from bot.flows.roles import Role
from store.effects import last_record
from store.integrity import earlier_authors
from store.models import Agreement
from store.roles import holders, roles_of


def assignees(s: Session, ag: Agreement, action_id: str) -> list[str]:
    """Who gets the task (and its DM) when `action_id` opens."""
    act = ACTION_BY_ID[action_id]
    if act.system:
        return []
    if act.assignee is Assignee.OWNER and ag.owner:
        return [ag.owner]
    if act.assignee is Assignee.SALES_USER:
        sales = set(holders(s, [Role.SALES]))
        if ag.sales_user in sales:
            return [ag.sales_user]
    users = holders(s, act.roles)
    if act.four_eyes:
        author = last_record(s, ag.id, act.four_eyes)
        earlier = set(earlier_authors(s, ag.id, action_id))
        users = [u for u in users if (author is None or u != author.actor) and u not in earlier]
    return users


def because(
    s: Session, ag: Agreement, action_id: str, user: str, held: set[Role] | None = None
) -> list[str]:
    """Why `user` gets the task: "owner" for the named owner's steps, else the roles of the
    action that the user holds (`held`, when the caller read them already)."""
    act = ACTION_BY_ID[action_id]
    if act.by_owner and ag.owner == user:
        return ["owner"]
    mine = roles_of(s, user) if held is None else held
    return [r.value for r in act.roles if r in mine]
