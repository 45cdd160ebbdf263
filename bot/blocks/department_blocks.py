"""Block Kit of rules 6 and 7 (issue 9): the M7 notice a head acknowledges, the OLA a support
department signs or queries, their replies in the card's thread, the query and answer modals,
and the line of the card that names who has not acknowledged or signed yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.cards import mention
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.kit import Block, actions, button, context, plain, section
from bot.flows.departments import OlaStatus
from bot.i18n import Safe, escape, t
from bot.render.words import zh
from store.models import OLA, Acknowledgement

Built = tuple[str, list[Block]]


def _agreement(agreement_id: str, customer: str) -> Safe:
    return Safe(f"{escape(agreement_id)} · {escape(customer)}")


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _bullets(lines: Sequence[str]) -> Safe:
    return Safe("\n".join(f"• {escape(ln)}" for ln in lines))


def notice_blocks(ack: Acknowledgement, customer: str, locale: str) -> Built:
    """The DM to a department head: the department's lines and the Acknowledge button."""
    ag = _agreement(ack.agreement_id, customer)
    text = t("dept_notice_fallback", locale, agreement=ag, department=ack.department)
    blocks: list[Block] = [
        section(t("dept_notice", locale, agreement=ag, department=ack.department)),
        section(_bullets(ack.lines)),
    ]
    if ack.acknowledged_at is not None:
        when = _when(ack.acknowledged_at)
        blocks.append(context(t("dept_notice_done", locale, head=mention(ack.head), at=when)))
    else:
        ok = button(
            t("dept_acknowledge", locale), ActionId.DEPT_ACKNOWLEDGE, str(ack.id), style="primary"
        )
        blocks += actions([ok], BlockId.DEPT_ACTIONS)
    return text, blocks


def sign_blocks(ola: OLA, customer: str, owner: str | None, locale: str) -> Built:
    """The DM to an OLA's signer: the commitment (and the owner's answer to a query), with
    Sign and Query."""
    ag = _agreement(ola.agreement_id, customer)
    text = t("dept_sign_fallback", locale, agreement=ag, department=ola.department)
    blocks: list[Block] = [
        section(
            t(
                "dept_sign_request",
                locale,
                agreement=ag,
                department=ola.department,
                owner=mention(owner),
            )
        ),
        section(t("dept_commitment", locale, commitment=ola.commitment)),
    ]
    if ola.answer:
        blocks.append(
            context(t("dept_answer_was", locale, query=ola.query or "-", answer=ola.answer))
        )
    if ola.status == OlaStatus.SIGNED and ola.signed_at is not None:
        when = _when(ola.signed_at)
        blocks.append(context(t("dept_signed_by", locale, who=mention(ola.signed_by), at=when)))
        return text, blocks
    if ola.status in (OlaStatus.QUERIED, OlaStatus.SUPERSEDED):
        blocks.append(context(t(f"dept_ola_{ola.status}", locale)))
        return text, blocks
    blocks += actions(
        [
            button(t("dept_sign", locale), ActionId.OLA_SIGN, str(ola.id), style="primary"),
            button(t("dept_query", locale), ActionId.OLA_QUERY, str(ola.id)),
        ],
        BlockId.DEPT_ACTIONS,
    )
    return text, blocks


def event_blocks(
    event: str, row: OLA | Acknowledgement, who: str | None, owner: str | None, locale: str
) -> Built:
    """A reply in the card's thread: a notice acknowledged, an OLA signed, queried (to the
    owner, with Answer) or answered."""
    params: dict[str, Any] = {"department": row.department, "who": mention(who)}
    if isinstance(row, OLA):
        params |= {
            "owner": mention(owner),
            "query": row.query or "-",
            "answer": row.answer or "-",
            "commitment": row.commitment,
        }
    text = t(f"dept_event_{event}", locale, **params)
    blocks: list[Block] = [section(text)]
    if event == "queried":
        blocks += actions(
            [button(t("dept_answer", locale), ActionId.OLA_ANSWER, str(row.id))],
            BlockId.DEPT_ACTIONS,
        )
    return text, blocks


def _text_input(
    block_id: str, action_id: str, label: str, initial: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": 3000,
    }
    if initial:
        element["initial_value"] = initial[:3000]
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def query_modal(ola: OLA, locale: str) -> dict[str, Any]:
    return _modal(
        CallbackId.OLA_QUERY,
        ola,
        t("dept_query_title", locale),
        [_text_input(BlockId.DEPT_TEXT, ActionId.DEPT_TEXT, t("dept_query_field", locale))],
        locale,
    )


def answer_modal(ola: OLA, locale: str) -> dict[str, Any]:
    return _modal(
        CallbackId.OLA_ANSWER,
        ola,
        t("dept_answer_title", locale),
        [
            _text_input(BlockId.DEPT_TEXT, ActionId.DEPT_TEXT, t("dept_answer_field", locale)),
            _text_input(
                BlockId.DEPT_COMMITMENT,
                ActionId.DEPT_COMMITMENT,
                t("dept_commitment_field", locale),
                ola.commitment,
            ),
        ],
        locale,
    )


def _modal(
    callback: str, ola: OLA, title: str, inputs: list[dict[str, Any]], locale: str
) -> dict[str, Any]:
    head = section(
        Safe(f"*{escape(ola.agreement_id)} · {escape(ola.department)}*\n")
        + t("dept_commitment", locale, commitment=ola.commitment)
    )
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": str(ola.id),
        "title": plain(title, 24),
        "submit": plain(t("dept_send", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "blocks": [head, *inputs],
    }


def waiting_lines(
    heads: Sequence[tuple[str, str]], olas: Sequence[tuple[str, str, str]], locale: str
) -> list[str]:
    """The card's (and /sla show's) lines naming who has not acknowledged or signed yet."""
    sep = "、" if zh(locale) else ", "
    out: list[str] = []
    if heads:
        who = sep.join(f"{escape(d)} ({mention(h)})" for d, h in heads)
        out.append(t("dept_waiting_heads", locale, waiting=Safe(who)))
    if olas:
        parts = []
        for d, signer, status in olas:
            whom = mention(signer) if signer else t("dept_no_signer", locale)
            extra = f", {t('dept_queried', locale)}" if status == OlaStatus.QUERIED else ""
            parts.append(f"{escape(d)} ({whom}{extra})")
        out.append(t("dept_waiting_olas", locale, waiting=Safe(sep.join(parts))))
    return out
