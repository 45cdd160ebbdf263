"""Every Slack id the bot uses (action, block and callback ids), in one place.

Handlers, builders and tests import these; none writes the strings itself.
"""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/sla"


class ActionId(StrEnum):
    """`action_id` of interactive elements."""

    OPEN_STEP = "sla-open-step"  # a button that opens the modal of an action
    APPROVE = "sla-approve"  # one-click approval (value: StepRef with the decision)
    SHOW = "sla-show"  # show an agreement (ephemeral)
    NEW_REQUEST = "sla-new-request"  # App Home: open the M1 modal
    HOME_REFRESH = "sla-home-refresh"
    HOME_LANGUAGE = "sla-home-language"  # App Home: the person's language
    CATALOG_EDIT = "sla-catalog-edit"
    SNOOZE = "sla-snooze"  # reminders: remind me later (value: JSON)
    IMPROVEMENT_DONE = "sla-improvement-done"  # M11: an improvement action is done (value: id)
    FIELD = "sla-field"  # prefix of a modal input's action_id: sla-field-<name>
    ROLE_USERS = "sla-role-users"  # prefix in the roles modal: sla-role-users-<role>
    EXPLAIN = "sla-explain"  # M11: how the attainment was computed (value: JSON)
    INCIDENT_EDIT = "sla-incident-edit"  # M11: correct a recorded incident (value: its id)
    DEPT_ACKNOWLEDGE = "sla-dept-acknowledge"  # M7: a head acknowledges (value: notice id)
    OLA_SIGN = "sla-ola-sign"  # M9: a signer signs an OLA (value: OLA id)
    OLA_QUERY = "sla-ola-query"  # M9: a signer queries an OLA (opens a modal; value: OLA id)
    OLA_ANSWER = "sla-ola-answer"  # M9: the owner answers a query (opens a modal; value: id)
    DEPT_TEXT = "sla-dept-text"  # the text input of the query / answer modals
    DEPT_COMMITMENT = "sla-dept-commitment"  # the answer modal's revised commitment
    ROLES_PERSON = "sla-roles-person"  # the roles modal's one-person section
    ROLES_GIVE = "sla-roles-give"
    ROLES_TAKE = "sla-roles-take"


class CallbackId(StrEnum):
    """`callback_id` of modals."""

    STEP = "sla-step"  # any action's form; private_metadata carries a StepContext
    ROLES = "sla-roles"
    CATALOG = "sla-catalog"
    INCIDENT = "sla-incident"  # M11: an incident; private_metadata carries the agreement
    OLA_QUERY = "sla-ola-query"  # private_metadata: the OLA id
    OLA_ANSWER = "sla-ola-answer"  # private_metadata: the OLA id


class BlockId(StrEnum):
    """Fixed `block_id`s (modal fields use `field_block(name)`)."""

    CARD_ACTIONS = "sla-card-actions"
    HOME_ACTIONS = "sla-home-actions"
    HOME_LANGUAGE = "sla-home-language"
    TASK_ACTIONS = "sla-task-actions"
    FIELD = "sla-f"  # prefix: sla-f-<field name>
    ROLE = "sla-role"  # prefix: sla-role-<role>
    DEPT_ACTIONS = "sla-dept-actions"
    DEPT_TEXT = "sla-dept-text"
    DEPT_COMMITMENT = "sla-dept-commitment"
    ROLES_PERSON = "sla-roles-person"
    ROLES_GIVE = "sla-roles-give"
    ROLES_TAKE = "sla-roles-take"


def field_block(name: str) -> str:
    return f"{BlockId.FIELD}-{name}"


def field_action(name: str) -> str:
    return f"{ActionId.FIELD}-{name}"


def field_of_block(block_id: str) -> str | None:
    prefix = f"{BlockId.FIELD}-"
    return block_id[len(prefix) :] if block_id.startswith(prefix) else None
