"""Domain errors: each carries what the user needs to read, nothing Slack-specific."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.flows.roles import Role


class DomainError(Exception):
    """Base class of every error a use case raises on purpose."""

    code = "domain_error"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    """The actor lacks the role the action needs; names the role(s) that would do."""

    code = "permission_denied"

    def __init__(self, action: str, needed: Iterable[Role], *, detail: str = "") -> None:
        self.action = action
        self.needed = tuple(needed)
        roles = " or ".join(r.value for r in self.needed) or "the system"
        self.detail = detail
        msg = detail or f"only {roles} can do {action}"
        super().__init__(msg)


class InvalidTransition(DomainError):
    """The action is not possible in the agreement's current state."""

    code = "invalid_transition"


class AlreadyDone(DomainError):
    """The action was already taken (a double click, a race, a stale card)."""

    code = "already_done"

    def __init__(self, action: str, by: str | None, at: datetime | None) -> None:
        self.action = action
        self.by = by
        self.at = at
        who = f" by {by}" if by else ""
        when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
        super().__init__(f"{action} was already done{who}{when}")


class StaleVersion(DomainError):
    """The caller's view of the agreement is out of date (it moved on meanwhile)."""

    code = "stale_version"


class FormInvalid(DomainError):
    """Form data failed validation; `errors` maps field name -> message."""

    code = "form_invalid"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"invalid form: {summary}")
