"""Domain errors: each carries what the user needs to read, nothing Slack-specific."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: `code` names the text that tells a person what to type
    (`field_error.<code>` in templates/forms.*.yaml, rendered with `params`); `english` is
    the same in English for logs and the command line."""

    code: str
    params: Mapping[str, Any]
    english: str


class FormInvalid(DomainError):
    """Form data failed validation; `errors` maps field name -> message (English), and
    `problems` the same names -> FieldProblem where the problem has a code."""

    code = "form_invalid"

    def __init__(
        self, errors: Mapping[str, str], *, problems: Mapping[str, FieldProblem] | None = None
    ) -> None:
        self.errors = dict(errors)
        self.problems = dict(problems or {})
        summary = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"invalid form: {summary}")

    @classmethod
    def one(cls, name: str, code: str, english: str, **params: Any) -> FormInvalid:
        """One field's problem: `english` for logs and the command line, `code` for the text
        a person reads (`field_error.<code>`, rendered with `params`)."""
        return cls({name: english}, problems={name: FieldProblem(code, params, english)})


class ProcessRunning(InvalidTransition):
    """Another process (a change, a termination, an extension request) runs: one at a time.

    Says what runs, since when and by whom (filled in by the store), and how to end it.
    """

    code = "process_running"

    def __init__(
        self,
        action: str,
        status: str,
        *,
        running: str,
        ends: str,
        withdraw: str,
        since: datetime | None = None,
        by: str | None = None,
    ) -> None:
        self.action, self.status, self.running = action, status, running
        self.ends, self.withdraw, self.since, self.by = ends, withdraw, since, by
        started = f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""
        who = f" (started by {by})" if by else ""
        super().__init__(
            f"{action} is refused: {running} runs{started}{who}; it ends with {ends}, "
            f"or a service level manager withdraws it ({withdraw}) with a reason"
        )

    def located(self, since: datetime | None, by: str | None) -> ProcessRunning:
        return ProcessRunning(
            self.action,
            self.status,
            running=self.running,
            ends=self.ends,
            withdraw=self.withdraw,
            since=since,
            by=by,
        )


class AgreementClosed(InvalidTransition):
    """The agreement is archived (T7) or was declined (M2): every action is refused."""

    code = "agreement_closed"

    def __init__(self, action: str, status: str, shown: str = "") -> None:
        self.action, self.status = action, status
        super().__init__(
            f"{action} is refused: the agreement is {shown or status} ({status}); "
            "nothing more can be done"
        )
