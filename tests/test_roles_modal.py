"""The admin's roles modal changes only what the admin changed (issue 13): with 121 holders of
a role, saving it unchanged revokes nobody; a modal opened before another admin's change is
refused and changes nothing; a real change is the only change audited; the one-person section
reaches holders beyond the 100 the modal shows. Signed Slack submissions, SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.flows.roles import Role
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.db import Database
from store.models import AuditEvent, RoleAssignment, table_of
from store.role_changes import SHOWN
from store.roles import CONFIG_ACTOR, grant_role, revoke_role
from tests.slack_support import SlackClient, serve_app, wait_for
from tests.support import T0, USERS

ADMIN = USERS[Role.ADMIN]
SALES_PEOPLE = [f"U0S{i:05d}" for i in range(121)]


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in [*USERS.values(), "U_SLM_B", "U0ADMIN02", "U0NEWBIE1", *SALES_PEOPLE]:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(scope="module")
def slack(world: Database, standin: StandinServer) -> Iterator[SlackClient]:
    for user in SALES_PEOPLE:
        grant_role(world, user, Role.SALES, by=CONFIG_ACTOR, now=T0)
    grant_role(world, "U0ADMIN02", Role.ADMIN, by=CONFIG_ACTOR, now=T0)
    with serve_app(world, standin) as app:
        client = SlackClient(app, standin)
        yield client
        client.close()


def holders(db: Database, role: Role) -> set[str]:
    ra = table_of(RoleAssignment)
    with db.read_conn() as conn:
        rows = conn.execute(select(ra.c.user_id).where(ra.c.role == role.value)).scalars()
        return set(rows)


def role_audits(db: Database) -> list[tuple[str, dict[str, Any]]]:
    ae = table_of(AuditEvent)
    with db.read_conn() as conn:
        rows = conn.execute(
            select(ae.c.action, ae.c.data).where(ae.c.action.like("role.%")).order_by(ae.c.id)
        ).all()
    return [(a, dict(d)) for a, d in rows]


def open_modal(slack: SlackClient, user: str = ADMIN) -> dict[str, Any]:
    state = slack.standin.state
    state.close_views(user)
    assert slack.command(user, "roles").status_code == 200
    return dict(wait_for(lambda: state.open_views(user), what="roles modal")[-1])


def as_shown(view: dict[str, Any], **changes: list[str]) -> dict[str, Any]:
    """The state Slack sends when each role's selection is what the modal showed, except the
    roles named in `changes` (role value -> the users now selected)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        el = block.get("element", {})
        if block["type"] == "input" and el.get("type") == "multi_users_select":
            role = block["block_id"].removeprefix("sla-role-")
            users = changes.get(role, list(el.get("initial_users", [])))
            values[block["block_id"]] = {
                el["action_id"]: {"type": "multi_users_select", "selected_users": users}
            }
    return values


def person(user: str, give: list[str] = [], take: list[str] = []) -> dict[str, Any]:  # noqa: B006
    def opts(roles: list[str]) -> list[dict[str, Any]]:
        return [{"text": {"type": "plain_text", "text": r}, "value": r} for r in roles]

    return {
        "sla-roles-person": {"sla-roles-person": {"type": "users_select", "selected_user": user}},
        "sla-roles-give": {
            "sla-roles-give": {"type": "multi_static_select", "selected_options": opts(give)}
        },
        "sla-roles-take": {
            "sla-roles-take": {"type": "multi_static_select", "selected_options": opts(take)}
        },
    }


def test_saving_unchanged_with_121_holders_revokes_nobody(
    slack: SlackClient, world: Database
) -> None:
    before, audits = holders(world, Role.SALES), len(role_audits(world))
    assert len(before) > SHOWN
    view = open_modal(slack)
    sales_block = next(b for b in view["blocks"] if b.get("block_id") == "sla-role-sales")
    assert len(sales_block["element"]["initial_users"]) == SHOWN
    assert str(len(before)) in sales_block["hint"]["text"]  # "Showing 100 of the 122 ..."
    resp = slack.submit(ADMIN, view, as_shown(view))
    assert resp.status_code == 200 and not resp.content.strip(b"{}")
    assert holders(world, Role.SALES) == before
    assert len(role_audits(world)) == audits


def test_a_stale_modal_is_refused_and_changes_nothing(slack: SlackClient, world: Database) -> None:
    view = open_modal(slack)
    # another admin grants a role meanwhile
    assert grant_role(world, "U0NEWBIE1", Role.EXECUTIVE, by="U0ADMIN02", now=T0)
    sales, execs, audits = (
        holders(world, Role.SALES),
        holders(world, Role.EXECUTIVE),
        role_audits(world),
    )
    shown_sales = next(b for b in view["blocks"] if b.get("block_id") == "sla-role-sales")
    kept = shown_sales["element"]["initial_users"][1:]  # the admin removes one sales person
    resp = slack.submit(ADMIN, view, as_shown(view, sales=kept))
    assert resp.status_code == 200
    body = resp.json()
    assert body["response_action"] == "update"
    words = str(body["view"]["blocks"])
    assert "Someone changed the roles" in words and "/sla roles" in words
    assert holders(world, Role.SALES) == sales
    assert holders(world, Role.EXECUTIVE) == execs  # the other admin's grant stands
    assert role_audits(world) == audits
    assert revoke_role(world, "U0NEWBIE1", Role.EXECUTIVE, by="U0ADMIN02", now=T0)


def test_a_real_change_is_the_only_change_audited(slack: SlackClient, world: Database) -> None:
    view = open_modal(slack)
    audits = len(role_audits(world))
    shown = next(b for b in view["blocks"] if b.get("block_id") == "sla-role-sales")
    dropped = shown["element"]["initial_users"][0]
    changes = {
        "sales": shown["element"]["initial_users"][1:],
        "contracts": [USERS[Role.CONTRACTS], "U0NEWBIE1"],
    }
    resp = slack.submit(ADMIN, view, as_shown(view, **changes))
    assert resp.status_code == 200
    new = role_audits(world)[audits:]
    assert sorted((a, d["user"], d["role"]) for a, d in new) == [
        ("role.grant", "U0NEWBIE1", "contracts"),
        ("role.revoke", dropped, "sales"),
    ]
    assert "U0NEWBIE1" in holders(world, Role.CONTRACTS)
    assert dropped not in holders(world, Role.SALES)


def test_the_one_person_section_reaches_holders_beyond_those_shown(
    slack: SlackClient, world: Database
) -> None:
    view = open_modal(slack)
    shown = next(b for b in view["blocks"] if b.get("block_id") == "sla-role-sales")
    hidden = sorted(set(SALES_PEOPLE) - set(shown["element"]["initial_users"]))[-1]
    audits = len(role_audits(world))
    values = as_shown(view) | person(hidden, give=["executive"], take=["sales"])
    assert slack.submit(ADMIN, view, values).status_code == 200
    new = sorted((a, d["user"], d["role"]) for a, d in role_audits(world)[audits:])
    assert new == [("role.grant", hidden, "executive"), ("role.revoke", hidden, "sales")]
    # the same modal again: stale now
    resp = slack.submit(ADMIN, view, as_shown(view))
    assert resp.json()["response_action"] == "update"
    assert len(role_audits(world)) == audits + 2
