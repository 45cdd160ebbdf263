"""The statuses of the records that have no other home in the flows: supplier contracts, the
outbox and reminders, and improvement actions. Pure (stdlib only).

The other status columns use the enums of their subject: the agreement's
`bot.flows.process_model.Status`, an SLA version's `bot.flows.sla_versions.VersionStatus`, a
document's `bot.flows.documents.DocStatus` and an OLA's `bot.flows.departments.OlaStatus`.
The database holds each column's values (lowercase) and refuses any other (a CHECK).
"""

from __future__ import annotations

from enum import StrEnum


class ContractStatus(StrEnum):
    """A supplier contract (M8, C4): in force, changed or cancelled at C4, released at T5."""

    ACTIVE = "active"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    RELEASED = "released"


class OutboxStatus(StrEnum):
    """An outbox message waits to be sent (again, after an error), was sent, or gave up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class ReminderStatus(StrEnum):
    """A reminder waits for its time, was sent (queued in the outbox), or is no longer due."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    SUPERSEDED = "superseded"


class ImprovementStatus(StrEnum):
    """An M11 improvement action is open until someone marks it done."""

    OPEN = "open"
    DONE = "done"
