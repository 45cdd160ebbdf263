"""Turning one outbox row into the Slack calls that deliver it (the dispatcher sends).

The card is posted before the first reply of its thread; its `ts` is recorded so later card
rows edit it. Text comes from the shared builders (`bot/blocks/cards.py`,
`reminder_messages.py`), which escape every user value.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.blocks.cards import card_blocks, event_blocks, informed_blocks, mention, task_blocks
from bot.blocks.confirmations import done_text
from bot.blocks.department_blocks import event_blocks as dept_event_blocks
from bot.blocks.department_blocks import notice_blocks, sign_blocks
from bot.blocks.kit import Block, escape
from bot.blocks.redraft_blocks import redraft_blocks
from bot.blocks.reminder_messages import grouped_blocks, reminder_blocks
from bot.blocks.report_messages import report_text
from bot.documents.chart import trend_png
from bot.i18n import t
from store import outbox as ob
from store.acknowledgements import get_notice
from store.desk import Card, load_card, set_card_ts
from store.doc_files import bundle_upload, slack_uploads
from store.home_attainment import card_service_level
from store.models import OLA, Acknowledgement
from store.monthly_reports import report_of
from store.ola_signatures import get_ola
from store.redraft import compare
from store.roles import user_roles

if TYPE_CHECKING:
    from bot.scheduler.dispatcher import Dispatcher

#: an ephemeral that cannot reach its channel goes to the person's DMs instead
_NO_EPHEMERAL = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}


class Renderer:
    def __init__(self, d: Dispatcher) -> None:
        self.d = d

    async def post_card(self, card: Card) -> tuple[str, str]:
        d = self.d
        due = None
        if d.due_date is not None and card.tasks:
            due = d.due_date(min(task.opened_at for task in card.tasks)).isoformat()
        level = await asyncio.to_thread(
            card_service_level,
            d.db,
            card.id,
            now=datetime.now(UTC),
            tz=d.db.timezone,
            country=d.db.country,
        )
        text, blocks = card_blocks(card, d.locale, due=due, service_level=level)
        if card.card_ts and card.card_channel:
            await d.pace(card.card_channel)
            await d.client.chat_update(
                channel=card.card_channel, ts=card.card_ts, text=text, blocks=blocks
            )
            return card.card_channel, card.card_ts
        if not d.channel:
            raise RuntimeError("SLM_AGREEMENTS_CHANNEL is not set: cannot post the card")
        resp = await d.post(d.channel, text=text, blocks=blocks)
        channel, ts = str(resp["channel"]), str(resp["ts"])
        await asyncio.to_thread(set_card_ts, d.db, card.id, channel, ts)
        return channel, ts

    async def _thread(self, card: Card | None, agreement_id: str | None) -> tuple[str, str]:
        if card is None:
            raise RuntimeError(f"agreement {agreement_id} not found")
        if card.card_channel and card.card_ts:
            return card.card_channel, card.card_ts
        return await self.post_card(card)

    async def _notice(self, user: str, p: ob.NoticePayload) -> str:
        d = self.d
        if p.channel and not p.channel.startswith("D"):
            try:
                await d.pace(p.channel)
                resp = await d.client.chat_postEphemeral(channel=p.channel, user=user, text=p.text)
                return str(resp.get("message_ts") or "")
            except SlackApiError as exc:
                if exc.response is None or exc.response.get("error") not in _NO_EPHEMERAL:
                    raise
        resp = await d.post(user, text=p.text)
        return str(resp["ts"])

    async def _service_report(
        self, agreement_id: str, period: str, channel: str, parent: str, loc: str
    ) -> None:
        d = self.d
        tz, country = d.db.timezone, d.db.country
        got, trend = await asyncio.to_thread(
            report_of, d.db, agreement_id, period, now=datetime.now(UTC), tz=tz, country=country
        )
        title = str(t("chart_title", loc, agreement=agreement_id))
        points = [
            {
                "period": label,
                "achieved": x.availability.achieved_pct,
                "target": x.availability.target_pct,
            }
            for label, x in trend
        ]
        png = await asyncio.to_thread(
            trend_png, points, title=title, target_label=str(t("chart_target", loc))
        )
        await d.pace(channel)
        await d.client.files_upload_v2(
            file_uploads=[
                {
                    "content": png,
                    "filename": f"{agreement_id}_{period}.trend.png",
                    "title": f"{agreement_id} · {period} · {title}",
                }
            ],
            channel=channel,
            thread_ts=parent,
            initial_comment=report_text(got, trend, period, loc),
        )

    async def _redraft(self, p: ob.EventPayload, loc: str) -> list[Block]:
        """What a redraft changed (M4 again before M5, C2 before C3), for its event reply."""
        assert p.previous_record is not None and p.record_id is not None
        c = await asyncio.to_thread(
            compare,
            self.d.db,
            previous_record=p.previous_record,
            previous_documents=list(p.previous_documents),
            record_id=p.record_id,
            documents=list(p.documents),
            locale=loc,
        )
        return redraft_blocks(c, loc) if c is not None else []

    async def _department(
        self, row: ob.OutboxRow, p: ob.DepartmentPayload, card: Card | None, loc: str
    ) -> str:
        """A department's notice or OLA as a DM with its buttons, or what became of it in
        the card's thread."""
        d = self.d
        customer, owner = (card.customer, card.owner) if card else ("", None)
        if p.event in ("notice", "acknowledged"):
            ack = await asyncio.to_thread(get_notice, d.db, p.ref)
            if ack is None:
                raise RuntimeError(f"department notice {p.ref} not found")
            item: OLA | Acknowledgement = ack
            text, blocks = notice_blocks(ack, customer, loc)
            who: str | None = ack.head
        else:
            ola = await asyncio.to_thread(get_ola, d.db, p.ref)
            if ola is None:
                raise RuntimeError(f"OLA {p.ref} not found")
            item = ola
            text, blocks = sign_blocks(ola, customer, owner, loc)
            who = {"signed": ola.signed_by, "queried": ola.signer}.get(p.event, owner)
        if row.kind == "dm":
            return str((await d.post(str(row.recipient), text=text, blocks=blocks))["ts"])
        text, blocks = dept_event_blocks(p.event, item, who, owner, d.locale)
        channel, parent = await self._thread(card, row.agreement_id)
        return str((await d.post(channel, thread_ts=parent, text=text, blocks=blocks))["ts"])

    async def send(self, row: ob.OutboxRow) -> str | None:
        """Deliver `row`; returns the `ts` of the message Slack made."""
        d, p, aid = self.d, row.payload, row.agreement_id
        recipient = str(row.recipient or "")
        dm = row.kind == "dm" and bool(recipient)
        loc = await d.people.for_user(recipient, d.client) if dm else d.locale
        if isinstance(p, ob.NoticePayload):
            return await self._notice(str(row.recipient), p)
        if isinstance(p, ob.DonePayload):  # a step's confirmation, worded for its doer
            text = done_text(
                p.action, p.agreement_id, p.pending, p.locale, created_for=p.created_for
            )
            return await self._notice(recipient, ob.NoticePayload(text=text, channel=p.channel))
        if isinstance(p, ob.RemindersPayload):  # one message for many reminders (catch-up)
            ids = sorted({str(i["agreement_id"]) for i in p.items if i.get("agreement_id")})
            customers = await asyncio.to_thread(ob.customer_names, d.db, ids)
            text, blocks = grouped_blocks(p.items, customers, loc)
            return str((await d.post(str(row.recipient), text=text, blocks=blocks))["ts"])
        card = await asyncio.to_thread(load_card, d.db, aid) if aid else None
        if isinstance(p, ob.ReminderPayload):
            return await self._reminder(row, p, card, loc)
        if isinstance(p, ob.InformedPayload):  # told, no task (issue 9, rule 10)
            return await self._informed(row, p, card, loc)
        if isinstance(p, ob.DepartmentPayload):  # issue 9, rules 6 and 7
            return await self._department(row, p, card, loc)
        if isinstance(p, ob.TaskPayload):
            return await self._task(row, p, card, loc)
        if isinstance(p, ob.CardPayload):
            if card is None:
                raise RuntimeError(f"agreement {aid} not found")
            return (await self.post_card(card))[1]
        return await self._in_thread(row, p, card, loc)

    async def _reminder(
        self, row: ob.OutboxRow, p: ob.ReminderPayload, card: Card | None, loc: str
    ) -> str:
        d, aid = self.d, row.agreement_id
        customer = card.customer if card else ""
        text, blocks = reminder_blocks(
            p.model_dump(), aid or "", customer, loc, with_buttons=row.kind == "dm"
        )
        if row.kind == "dm":
            return str((await d.post(str(row.recipient), text=text, blocks=blocks))["ts"])
        if row.kind == "channel":
            return str((await d.post(d.channel, text=text, blocks=blocks))["ts"])
        channel, parent = await self._thread(card, aid)
        resp = await d.post(channel, thread_ts=parent, text=text, blocks=blocks)
        return str(resp["ts"])

    async def _informed(
        self, row: ob.OutboxRow, p: ob.InformedPayload, card: Card | None, loc: str
    ) -> str:
        d = self.d
        data, titles = await asyncio.to_thread(
            ob.event_details, d.db, p.record_id, list(p.documents), loc
        )
        text, blocks = informed_blocks(
            p.model_dump(),
            agreement_id=row.agreement_id or "",
            customer=card.customer if card else "",
            data=data,
            documents=titles,
            locale=loc,
        )
        return str((await d.post(str(row.recipient), text=text, blocks=blocks))["ts"])

    async def _task(self, row: ob.OutboxRow, p: ob.TaskPayload, card: Card | None, loc: str) -> str:
        d = self.d
        lock = card.lock_version if card else None
        held = await asyncio.to_thread(user_roles, d.db, str(row.recipient or ""))
        text, blocks = task_blocks(
            row.agreement_id or "",
            card.customer if card else "",
            p.action,
            lock,
            loc,
            held=held,
            because=p.because,
        )
        return str((await d.post(str(row.recipient), text=text, blocks=blocks))["ts"])

    async def _in_thread(
        self,
        row: ob.OutboxRow,
        p: ob.ServiceReportPayload
        | ob.DocumentsPayload
        | ob.ImprovementDonePayload
        | ob.VersionInEffectPayload
        | ob.EventPayload,
        card: Card | None,
        loc: str,
    ) -> str | None:
        """What goes in the agreement's thread: a report, documents, an event."""
        d, aid = self.d, row.agreement_id
        channel, parent = await self._thread(card, aid)
        assert card is not None
        if isinstance(p, ob.ServiceReportPayload):  # M11: last month's report and its chart
            await self._service_report(card.id, p.period, channel, parent, loc)
            return None
        if isinstance(p, ob.DocumentsPayload):  # the step's documents, as files in its thread
            uploads = await asyncio.to_thread(slack_uploads, d.db, list(p.documents), loc)
            if p.bundle and aid:  # T7: every document of the agreement, in one zip
                uploads.append(await asyncio.to_thread(bundle_upload, d.db, aid, loc))
            await d.pace(channel)
            await d.client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=parent)
            return None
        text: str
        blocks: list[Block]
        if isinstance(p, ob.ImprovementDonePayload):
            text = t(
                "event_improvement_done",
                loc,
                actor=mention(p.actor),
                description=escape(p.description),
            )
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        elif isinstance(p, ob.VersionInEffectPayload):  # C3: the additional SLA's date came
            text = t(
                "event_version_in_effect",
                loc,
                version=p.version,
                day=p.effective_from,
                tier=p.tier or "-",
            )
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        else:
            text, blocks = await self._event(p, aid, card, loc)
        resp = await d.post(channel, thread_ts=parent, text=text, blocks=blocks)
        return str(resp["ts"])

    async def _event(
        self, p: ob.EventPayload, aid: str | None, card: Card, loc: str
    ) -> tuple[str, list[Block]]:
        data, titles = await asyncio.to_thread(
            ob.event_details, self.d.db, p.record_id, list(p.documents), loc
        )
        text, blocks = event_blocks(
            p.model_dump(),
            agreement_id=aid or "",
            data=data,
            documents=titles,
            lock_version=card.lock_version,
            locale=loc,
        )
        if p.previous_record and p.record_id:
            blocks += await self._redraft(p, loc)
        return text, blocks
