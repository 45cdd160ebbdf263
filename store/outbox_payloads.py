"""The outbox's messages: what kind each is, to whom, and its typed payload (`Payload`, a
union discriminated by `template`): semantic (template names and values, not Block Kit), the
dispatcher renders them at send time. Re-exported by store.outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Kind = Literal["card", "thread", "files", "dm", "channel", "notice"]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class CardPayload(_Payload):
    """Post or edit the agreement's card (updates coalesce: the newest state wins)."""

    template: Literal["card"] = "card"


class EventPayload(_Payload):
    """A step happened: a reply in the card's thread."""

    template: Literal["event"] = "event"
    action: str
    branch: str | None = None
    actor: str = ""
    record_id: int | None = None
    documents: list[int] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    opened: list[str] = Field(default_factory=list)
    status: str | None = None
    #: a redraft: the record and the draft documents it replaces (the reply shows the changes)
    previous_record: int | None = None
    previous_documents: list[int] = Field(default_factory=list)


class TaskPayload(_Payload):
    """A new task: a DM to its assignee with the button."""

    template: Literal["task"] = "task"
    action: str
    #: why this person got it: "owner", or the action's roles they hold
    because: list[str] | None = None


class InformedPayload(_Payload):
    """A step some people are told of, without a task for them (a DM; issue 9, rule 10)."""

    template: Literal["informed"] = "informed"
    action: str
    branch: str | None = None
    actor: str = ""
    record_id: int | None = None
    documents: list[int] = Field(default_factory=list)


class ReminderPayload(_Payload):
    """One reminder (its kind's values, such as `end`, `step`, `due`, ride along)."""

    model_config = ConfigDict(frozen=True, extra="allow")
    template: Literal["reminder"] = "reminder"
    reminder: int
    kind: str


class RemindersPayload(_Payload):
    """Many reminders for one person in one message (catch-up after downtime)."""

    template: Literal["reminders"] = "reminders"
    items: list[dict[str, Any]]


class ImprovementDonePayload(_Payload):
    template: Literal["improvement_done"] = "improvement_done"
    improvement: int
    actor: str
    description: str


class VersionInEffectPayload(_Payload):
    """C3's additional SLA took effect on its date (the sweep switched the versions): a reply
    in the card's thread."""

    template: Literal["version_in_effect"] = "version_in_effect"
    version: int
    effective_from: str  # YYYY-MM-DD
    tier: int | None = None


class DonePayload(_Payload):
    """The confirmation of a step for the person who did it, queued in the step's own
    transaction (nothing can commit the step and lose its confirmation): ephemeral in
    `channel` when there is one, else a DM, worded at send time in `locale`."""

    template: Literal["done"] = "done"
    action: str
    agreement_id: str
    pending: list[str] = Field(default_factory=list)
    #: a new request (M1): the customer it was created for
    created_for: str | None = None
    channel: str | None = None
    locale: str = "en"


@dataclass(frozen=True)
class Confirm:
    """Who to confirm a step to, where, and in which language (`perform(confirm=...)`)."""

    user: str
    channel: str | None
    locale: str


class NoticePayload(_Payload):
    """A confirmation the user must see: ephemeral in `channel`, else a DM (text rendered)."""

    template: Literal["notice"] = "notice"
    text: str
    channel: str | None = None


class DocumentsPayload(_Payload):
    """The documents a step issued: files in the card's thread (after its event reply)."""

    template: Literal["documents"] = "documents"
    documents: list[int]
    #: T7: the agreement's whole archive (every document, a zip with an index) comes too
    bundle: bool = False


class ServiceReportPayload(_Payload):
    """M11: the month's service report, in the card's thread with its trend chart (the sweep
    queues one per agreement and month, under a unique key)."""

    template: Literal["service_report"] = "service_report"
    period: str  # YYYY-MM


class DepartmentPayload(_Payload):
    """Issue 9, rules 6 and 7: a department's M7 lines to its head (`notice`) or an OLA to its
    signer (`sign`), each a DM with its buttons; or what became of one (`acknowledged`,
    `signed`, `queried`, `answered`), a reply in the card's thread."""

    template: Literal["department"] = "department"
    event: Literal["notice", "acknowledged", "sign", "signed", "queried", "answered"]
    #: the acknowledgement (notice, acknowledged) or the OLA (the others)
    ref: int


Payload = Annotated[
    ServiceReportPayload
    | DepartmentPayload
    | DocumentsPayload
    | CardPayload
    | EventPayload
    | TaskPayload
    | InformedPayload
    | ReminderPayload
    | RemindersPayload
    | ImprovementDonePayload
    | VersionInEffectPayload
    | DonePayload
    | NoticePayload,
    Field(discriminator="template"),
]
PAYLOAD: TypeAdapter[Payload] = TypeAdapter(Payload)


@dataclass(frozen=True)
class Message:
    kind: Kind
    recipient: str | None
    payload: Payload
