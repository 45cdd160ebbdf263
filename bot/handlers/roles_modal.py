"""The admin's roles modal: building it from a `RolesSnapshot`, reading a submission.

One users-select per role, pre-filled with the holders the snapshot shows (at most
`store.role_changes.SHOWN`; a hint says how many more hold the role), then a one-person
section (a person, roles to give, roles to take) that reaches holders of any number. The
modal's private_metadata carries the snapshot's version, so the store can refuse a stale save.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.kit import Block, divider, plain, section
from bot.flows.roles import Role
from bot.i18n import t
from store.role_changes import PersonChange, RolesSnapshot


def _input(block_id: str, label: str, element: dict[str, Any], hint: str = "") -> Block:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _role_options(locale: str) -> list[dict[str, Any]]:
    return [{"text": plain(r.label(locale), 75), "value": r.value} for r in Role]


def _person_section(locale: str) -> list[Block]:
    return [
        divider(),
        section(t("roles_person_intro", locale)),
        _input(
            BlockId.ROLES_PERSON,
            t("roles_person", locale),
            {
                "type": "users_select",
                "action_id": ActionId.ROLES_PERSON,
                "placeholder": plain(t("modal_placeholder_user", locale)),
            },
        ),
        *(
            _input(
                block,
                t(key, locale),
                {
                    "type": "multi_static_select",
                    "action_id": action,
                    "placeholder": plain(t("modal_placeholder_multi_select", locale)),
                    "options": _role_options(locale),
                },
            )
            for block, action, key in (
                (BlockId.ROLES_GIVE, ActionId.ROLES_GIVE, "roles_give"),
                (BlockId.ROLES_TAKE, ActionId.ROLES_TAKE, "roles_take"),
            )
        ),
    ]


def roles_modal(snap: RolesSnapshot, locale: str) -> dict[str, Any]:
    """A users-select per role pre-filled with the holders shown, and the one-person section."""
    blocks: list[Block] = [section(t("roles_intro", locale))]
    for role in Role:
        element: dict[str, Any] = {
            "type": "multi_users_select",
            "action_id": f"{ActionId.ROLE_USERS}-{role.value}",
            "placeholder": plain(role.label(locale)),
        }
        shown, total = snap.shown.get(role, []), snap.total.get(role, 0)
        if shown:
            element["initial_users"] = list(shown)
        hint = t("roles_more", locale, shown=len(shown), total=total) if total > len(shown) else ""
        blocks.append(_input(f"{BlockId.ROLE}-{role.value}", role.label(locale), element, hint))
    blocks += _person_section(locale)
    return {
        "type": "modal",
        "callback_id": CallbackId.ROLES,
        "title": plain(t("roles_title", locale), 24),
        "submit": plain(t("button_save", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "private_metadata": json.dumps({"v": snap.version}),
        "blocks": blocks,
    }


@dataclass(frozen=True)
class RolesSubmission:
    version: str
    selected: dict[Role, list[str]]  # only the roles whose selection was sent
    person: PersonChange | None


def _state(values: Mapping[str, Any], block: str, action: str) -> Mapping[str, Any]:
    b = values.get(block)
    s = b.get(action) if isinstance(b, Mapping) else None
    return s if isinstance(s, Mapping) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _roles(state: Mapping[str, Any]) -> frozenset[Role]:
    values = _strings([o.get("value") for o in _list(state.get("selected_options"))])
    return frozenset(Role(v) for v in values if v in Role._value2member_map_)


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [o for o in value if isinstance(o, Mapping)] if isinstance(value, list) else []


def parse_roles(values: Mapping[str, Any], private_metadata: Any) -> RolesSubmission:
    """What the admin sent: the version the modal was opened on, each role's selection, and
    the one-person change (None when no person is picked)."""
    try:
        meta = json.loads(private_metadata) if isinstance(private_metadata, str) else {}
    except ValueError:
        meta = {}
    version = str(meta.get("v", "")) if isinstance(meta, dict) else ""
    selected: dict[Role, list[str]] = {}
    for role in Role:
        state = _state(
            values, f"{BlockId.ROLE}-{role.value}", f"{ActionId.ROLE_USERS}-{role.value}"
        )
        if "selected_users" in state:
            selected[role] = sorted(set(_strings(state.get("selected_users"))))
    user = _state(values, BlockId.ROLES_PERSON, ActionId.ROLES_PERSON).get("selected_user")
    person = None
    if isinstance(user, str) and user:
        give = _roles(_state(values, BlockId.ROLES_GIVE, ActionId.ROLES_GIVE))
        take = _roles(_state(values, BlockId.ROLES_TAKE, ActionId.ROLES_TAKE))
        person = PersonChange(user, give, take)
    return RolesSubmission(version, selected, person)
