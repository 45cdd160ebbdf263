"""Domain errors: a code and its parameters (ids, dates, roles), nothing Slack-specific.

Each error is worded where it is shown, in the reader's language: the template
`err_<code>` (templates/messages.*.yaml) with `params`, by `bot.render.errors`. `str()` is
the English wording for logs and the command line's fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.flows.roles import Role


class DomainError(Exception):
    """Base class of every error a use case raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params
        super().__init__(message or _log_text(self.code, params))


def _where(params: Mapping[str, Any]) -> str:
    """The agreement's position in English (a step title or a status), for log text."""
    from bot.flows.process import STATUS_NAMES, STEP_BY_ID, Status

    step = params.get("step")
    if step in STEP_BY_ID:
        return STEP_BY_ID[step].title("en")
    status = params.get("status")
    return STATUS_NAMES[Status(status)][0] if status in set(Status) else str(status or "-")


#: the English wording of each code for logs (users read the templates `err_<code>`)
_LOG: dict[str, str] = {
    "unknown_action": "unknown action {action!r}",
    "not_open": "{action} is not open: the agreement is at {where}",
    "only_while": "{action} is refused: it is possible only while {open} is open "
    "(the agreement is at {where})",
    "no_branch": "{action}: no branch matches",
    "no_notice": "{agreement} has no {notice} notice",
    "reply_window": "{agreement}: the customer may reply until {deadline} ({reply_days} "
    "working days after the notice of {notice_on}); deemed confirmation from {deadline} "
    "end of day",
    "no_agreement": "no agreement {agreement}",
    "no_documents": "{agreement} has no documents yet",
    "no_document": "no {kind} document for {agreement}",
    "no_document_version": "no version {version} of the {kind}",
    "no_document_text": "{number} has no {language} text",
    "unknown_document_kind": "unknown document kind {kind!r}; known kinds: {known}",
    "pdf_unavailable": "PDF is not available here: {why}; --format html works without it",
    "no_improvement": "no improvement action #{id}",
    "not_measured": "{agreement} is not measured: incidents count from the signed SLA (M5) "
    "until archiving",
    "incident_in_future": "{field} is in the future; record an incident once it happened",
    "no_incident": "no incident #{id}",
    "empty_period": "the period {start}..{end} is empty",
    "incident_writer": "only a service level manager or the agreement's O&M service owner "
    "records incidents",
    "no_reminder": "no reminder #{id}",
    "moved_on": "{agreement} has moved on: it is now at {where}",
    "changed_meanwhile": "{agreement} changed meanwhile",
    "scheduler_only": "only the scheduler can do {action}",
    "four_eyes": "the author of {author_of} cannot approve it: another {roles} must",
    "admin_only": "only admin can assign roles",
    "needs_flag": "{action} is refused: no {flag} is named yet (M8 names the owner)",
    "owner_only": "only the named O&M service owner ({owner}) can do {action}; a service level "
    "manager can hand the agreement to another owner ({handover})",
    "archive_before_end": "{action} is refused before the service ends: the notice (T1) "
    "announced {end}; archive on or after that day",
    "olas_unsigned": "{action} is refused until every OLA of the initiation report is signed: "
    "waiting for {waiting_ids}",
    "not_department_head": "only the head of {department} ({head}) can acknowledge its lines",
    "not_ola_signer": "only {signer}, who signs for {department}, can sign or query its OLA",
    "ola_queried": "the OLA of {department} is queried: it waits for the owner's answer",
    "ola_not_queried": "the OLA of {department} has no open query to answer",
    "ola_superseded": "the OLA of {department} belongs to a rejected round (superseded)",
    "heads_admin_only": "only admin can name department heads",
    "no_acknowledgement": "no department notice #{id}",
    "no_ola": "no OLA #{id}",
    "last_admin": "you are the last admin: grant admin to someone else before removing it "
    "from yourself",
    "roles_changed": "the roles changed after the roles modal was opened; nothing was saved",
}


#: every code an error may carry
CODES: frozenset[str] = frozenset(
    {*_LOG, "permission_denied", "already_done", "process_running", "agreement_closed"}
)


def _log_text(code: str, params: Mapping[str, Any]) -> str:
    fmt = _LOG.get(code)
    if fmt is None:
        return code
    values = dict(params)
    if "{where}" in fmt:
        values["where"] = _where(params)
    if isinstance(values.get("open"), tuple | list):
        values["open"] = " or ".join(values["open"])
    if isinstance(values.get("roles"), tuple | list):
        values["roles"] = " or ".join(getattr(r, "value", str(r)) for r in values["roles"])
    return fmt.format(**values)


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    """The actor lacks the role the action needs; names the role(s) that would do.

    `reason` names a more specific refusal (`four_eyes`, `scheduler_only`, `admin_only`,
    `last_admin`) whose template takes `params`."""

    code = "permission_denied"

    def __init__(
        self, action: str, needed: Iterable[Role], *, reason: str | None = None, **params: Any
    ) -> None:
        self.action = action
        self.needed = tuple(needed)
        self.reason = reason
        roles = " or ".join(r.value for r in self.needed) or "the system"
        message = (
            _log_text(reason, {"action": action, **params})
            if reason
            else f"only {roles} can do {action}"
        )
        super().__init__(message, code=reason, **params)

    @property
    def detail(self) -> str:
        """The English wording of a specific refusal ("" for a plain role refusal)."""
        return str(self) if self.reason else ""


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
        super().__init__(f"{action} was already done{who}{when}", action=action, by=by, at=at)


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
