"""The OLAs an action writes: M9's, C3's updates, and the supersession of a rejected round's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot.flows.behaviour import Effect
from bot.flows.departments import CURRENT, OlaStatus
from bot.flows.errors import FormInvalid
from bot.flows.forms import DeptLines
from bot.flows.process import ACTION_BY_ID, INITIATION
from bot.flows.sla_versions import VersionStatus
from store.effects import Ctx, effect
from store.models import (
    OLA,
)
from store.version_effects import version_row


def _olas(c: Ctx, lines: list[Any], *, version: int | None = None) -> None:
    for ln in lines:
        dept, text = (
            (ln["department"], ln["text"]) if isinstance(ln, dict) else (ln.department, ln.text)
        )
        c.s.add(
            OLA(
                agreement_id=c.ag.id,
                sla_version=version or c.ag.sla_version,
                step=c.d.action.step,
                department=dept,
                commitment=text,
                # C3's updates are agreed at C3 with the providers; M9's go to their signers
                status=OlaStatus.UNSIGNED if c.d.action.step == INITIATION else OlaStatus.SIGNED,
                signed_by=None if c.d.action.step == INITIATION else c.rec.actor,
                signed_at=None if c.d.action.step == INITIATION else c.now,
            )
        )


@effect(Effect.OLAS)
def _m9(c: Ctx) -> None:
    _olas(c, c.values["olas"])


@effect(Effect.OLA_UPDATES)
def _c3(c: Ctx) -> None:
    raw = c.values.get("ola_updates") or ""
    if raw:
        from pydantic import TypeAdapter, ValidationError

        from bot.flows.forms import field_problems

        try:
            lines = TypeAdapter(DeptLines).validate_python(raw)
        except ValidationError as exc:
            problem = field_problems(exc).popitem()[1]
            raise FormInvalid(
                {"ola_updates": problem.english}, problems={"ola_updates": problem}
            ) from None
        draft = version_row(c.s, c.ag, VersionStatus.DRAFT)
        # the OLA changes belong to the additional SLA being signed (rule 9)
        _olas(c, [ln.model_dump() for ln in lines], version=draft.number if draft else None)


@effect(Effect.SUPERSEDE_REJECTED_OLAS)
def _supersede_rejected_olas(c: Ctx) -> None:
    """A rejected initiation round's OLAs are superseded (the owner writes new ones)."""
    if c.values["decision"] == "reject":
        c.s.execute(
            update(OLA)
            .where(
                col(OLA.agreement_id) == c.ag.id,
                col(OLA.step) == ACTION_BY_ID[c.d.action.approves or INITIATION].step,
                col(OLA.status).in_(CURRENT),
            )
            .values(status=OlaStatus.SUPERSEDED)
        )
