"""The outbox messages one transition causes (store.lifecycle._apply): the card (updated in
place), the event in its thread, the documents as files, a DM per new task and to those the
branch informs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.flows.machine import Decision
from bot.flows.process import Status
from store import redraft
from store.effects import Ctx
from store.models import Agreement
from store.outbox import (
    CardPayload,
    Confirm,
    DocumentsPayload,
    DonePayload,
    EventPayload,
    InformedPayload,
    Message,
    TaskPayload,
    enqueue_many,
)
from store.roles import holders, roles_of_many
from store.transition_people import because
from store.transition_writes import NewTask


@dataclass(frozen=True)
class Written:
    """What the transition wrote that its messages name."""

    actor: str
    record_id: int
    doc_ids: list[int]
    new_tasks: list[NewTask]
    redo: redraft.Replaced | None


def _event(d: Decision, w: Written) -> Message:
    payload = EventPayload(
        action=d.action.id,
        branch=d.branch.key,
        actor=w.actor,
        record_id=w.record_id,
        documents=w.doc_ids,
        skipped=list(d.skipped),
        opened=list(d.opened),
        status=d.after.status.value,
        **redraft.payload(w.redo),
    )
    return Message("thread", None, payload)


def _task_dms(s: Session, ag: Agreement, ctx: Ctx, w: Written) -> list[Message]:
    messages: list[Message] = []
    tasks = [*w.new_tasks, *((a, [u]) for u, a in ctx.task_dms)]
    held = roles_of_many(s, (u for _, who in tasks for u in who))
    for opened, who in tasks:
        messages += [
            Message(
                "dm",
                user,
                TaskPayload(action=opened, because=because(s, ag, opened, user, held[user])),
            )
            for user in who
        ]
    return messages


def _informed(s: Session, d: Decision, w: Written) -> list[Message]:
    if not d.branch.informs:
        return []
    told = InformedPayload(
        action=d.action.id,
        branch=d.branch.key,
        actor=w.actor,
        record_id=w.record_id,
        documents=w.doc_ids,
    )
    return [Message("dm", user, told) for user in holders(s, d.branch.informs)]


def transition_messages(
    s: Session, ag: Agreement, d: Decision, ctx: Ctx, w: Written
) -> list[Message]:
    """Every message of the transition, in the order they are enqueued."""
    messages: list[Message] = [Message("card", None, CardPayload()), _event(d, w)]
    if w.doc_ids:  # the documents themselves, as files in the step's thread (T7: the archive)
        archived = d.after.status is Status.ARCHIVED
        files = DocumentsPayload(documents=w.doc_ids, bundle=archived)
        messages.append(Message("files", None, files))
    messages += _task_dms(s, ag, ctx, w)
    messages += ctx.messages
    messages += _informed(s, d, w)
    return messages


def queue_confirmation(
    s: Session, ag: Agreement, d: Decision, c: Confirm, created_for: str | None, now: datetime
) -> None:
    """The doer's confirmation, a row of its own key (the person's confirmations, in order)."""
    done = DonePayload(
        action=d.action.id,
        agreement_id=ag.id,
        pending=list(d.after.pending),
        created_for=created_for,
        channel=c.channel,
        locale=c.locale,
    )
    enqueue_many(
        s.connection(), agreement_id=None, now=now, messages=[Message("notice", c.user, done)]
    )
