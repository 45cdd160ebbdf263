"""The service catalogue (M3, C1): versioned entries that SLA drafts select from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.flows.errors import InvalidTransition, NotFound, PermissionDenied
from bot.flows.forms import form_invalid
from bot.flows.process import CATALOGUE_STEP, CATALOGUE_UPDATE
from bot.flows.roles import Role
from bot.flows.strict import StrictModel
from store.db import Database
from store.models import Agreement, AuditEvent, CatalogueEntry
from store.outbox import NoticeTo, queue_notice
from store.roles import roles_of

Minutes = Annotated[int, Field(gt=0, le=60 * 24 * 90)]


class PriorityTarget(StrictModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    response_min: Minutes
    resolution_min: Minutes


class CatalogueInput(StrictModel):
    """A catalogue entry as a service level manager edits it (strict: bot.flows.strict)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    multiline_fields = frozenset({"description"})
    code: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    name_zh: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=3000)] = ""
    tier: Annotated[int, Field(ge=1, le=3)]
    price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    availability_pct: Annotated[Decimal, Field(gt=0, le=100, decimal_places=3)]
    targets: dict[str, PriorityTarget] = {}
    active: bool = True


def _same(entry: CatalogueEntry, inp: CatalogueInput) -> bool:
    return bool(
        entry.name == inp.name
        and entry.name_zh == inp.name_zh
        and entry.description == inp.description
        and entry.tier == inp.tier
        and Decimal(entry.price) == inp.price
        and Decimal(entry.availability_pct) == inp.availability_pct
        and entry.targets == {k: v.model_dump() for k, v in inp.targets.items()}
        and entry.active == inp.active
    )


def catalogue(db: Database, *, include_inactive: bool = False) -> list[CatalogueEntry]:
    """The catalogue: the newest version of every (active) entry."""
    with db.read() as s:
        return current_entries(s, include_inactive=include_inactive)


def current_entries(s: Session, *, include_inactive: bool = False) -> list[CatalogueEntry]:
    """The newest version of every entry, by code."""
    newest = (
        select(col(CatalogueEntry.code), func.max(col(CatalogueEntry.version)).label("v"))
        .group_by(col(CatalogueEntry.code))
        .subquery()
    )
    rows = (
        s.execute(
            select(CatalogueEntry)
            .join(
                newest,
                (col(CatalogueEntry.code) == newest.c.code)
                & (col(CatalogueEntry.version) == newest.c.v),
            )
            .order_by(col(CatalogueEntry.tier), col(CatalogueEntry.code))
        )
        .scalars()
        .all()
    )
    return [r for r in rows if include_inactive or r.active]


def _step_of(s: Session, agreement_id: str | None) -> str:
    """The step a catalogue edit is audited under: C1 when made for an agreement whose
    change is at C1 (the catalogue update), else M3 (rule 8)."""
    if agreement_id is None:
        return CATALOGUE_STEP
    ag = s.get(Agreement, agreement_id.upper())
    if ag is None:
        raise NotFound(code="no_agreement", agreement=agreement_id)
    for step in (CATALOGUE_UPDATE, CATALOGUE_STEP):
        if step in (ag.pending or []):
            return step
    raise InvalidTransition(
        code="catalogue_not_open", agreement=ag.id, steps=f"{CATALOGUE_STEP}/{CATALOGUE_UPDATE}"
    )


def save_entry(
    db: Database,
    data: dict[str, Any] | CatalogueInput,
    *,
    actor: str,
    now: datetime,
    agreement_id: str | None = None,
    notice: NoticeTo[CatalogueEntry] | None = None,
) -> CatalogueEntry:
    """Add an entry, or a new version of it when it changed (old SLAs keep theirs).

    With `agreement_id` the edit is made for that agreement's M3 or C1 (whichever is open)
    and audited under that step and agreement. The editor's confirmation (`notice`) is
    queued with the change."""
    try:
        inp = data if isinstance(data, CatalogueInput) else CatalogueInput.model_validate(data)
    except ValidationError as exc:
        raise form_invalid(exc) from None
    with db.write() as s:
        if Role.SLM not in roles_of(s, actor):
            raise PermissionDenied("catalogue edit", (Role.SLM,))
        step = _step_of(s, agreement_id)
        latest = s.execute(
            select(CatalogueEntry)
            .where(col(CatalogueEntry.code) == inp.code)
            .order_by(col(CatalogueEntry.version).desc())
            .limit(1)
        ).scalar_one_or_none()
        if latest is not None and _same(latest, inp):
            entry: CatalogueEntry = latest
        else:
            entry = _new_version(s, inp, latest, actor=actor, now=now)
            s.add(_saved_event(inp, entry, latest, actor, now, agreement_id, step))
        if notice is not None:
            queue_notice(s, notice, entry, now)
        return entry


def _new_version(
    s: Session,
    inp: CatalogueInput,
    latest: CatalogueEntry | None,
    *,
    actor: str,
    now: datetime,
) -> CatalogueEntry:
    entry = CatalogueEntry(
        code=inp.code,
        version=(latest.version + 1) if latest else 1,
        name=inp.name,
        name_zh=inp.name_zh,
        description=inp.description,
        tier=inp.tier,
        price=inp.price,
        availability_pct=inp.availability_pct,
        targets={k: v.model_dump() for k, v in inp.targets.items()},
        active=inp.active,
        created_by=actor,
        created_at=now,
    )
    s.add(entry)
    s.flush()
    return entry


def _saved_event(
    inp: CatalogueInput,
    entry: CatalogueEntry,
    latest: CatalogueEntry | None,
    actor: str,
    now: datetime,
    agreement_id: str | None,
    step: str,
) -> AuditEvent:
    return AuditEvent(
        agreement_id=agreement_id.upper() if agreement_id else None,
        actor=actor,
        at=now,
        step=step,
        action="catalogue.save",
        data=inp.model_dump(mode="json") | {"version": entry.version},
        before={"version": latest.version if latest else None},
        after={"version": entry.version},
    )
