"""The JSON API and the Alertmanager webhook (M11's measurement from machines), served by the
same process as Slack (`slm-bot serve` mounts it), with its OpenAPI document at
`/openapi.json`.

- `POST /webhooks/alertmanager` (bearer `SLM_WEBHOOK_TOKEN`): Alertmanager's payload v4.
- `GET|POST /api/agreements/{id}/incidents`, `GET /api/agreements/{id}/attainment`
  (bearer `SLM_API_TOKEN`).

Errors are JSON `{"error": code, "detail": ...}`: 400 for a malformed request (nothing is
changed), 401 without the right token, 404 for an unknown agreement, 409 when the agreement
is not measured (before M5 or after archiving), 503 when the endpoint's token is not set.
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from bot.alert_writer import AlertWriter
from bot.flows.alertmanager import AlertmanagerPayload, read_alerts
from bot.flows.errors import DomainError, FormInvalid, NotFound
from bot.flows.incidents import IncidentForm
from bot.flows.service_levels import ClockReading
from bot.flows.service_levels.attainment import Attainment
from bot.settings import Settings
from store.attainment import agreement_zone, attainment, month_of, period_of
from store.db import Database
from store.incidents import list_incidents, record_incident

log = logging.getLogger("slm_bot.api")
API_ACTOR = "system:api"
MAX_BODY = 1_000_000


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: Any = None) -> None:
        self.status, self.error, self.detail = status, error, detail
        super().__init__(error)


class IncidentOut(BaseModel):
    id: int
    agreement_id: str
    priority: str
    impact: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    summary: str
    pauses: list[dict[str, Any]]
    source: str
    created_by: str


class ClockOut(BaseModel):
    kind: str
    target_min: float
    elapsed_min: float
    paused_min: float
    due: datetime
    running: bool
    breached: bool


class IncidentAttainment(BaseModel):
    incident: int
    priority: str
    sla_version: int
    response: ClockOut | None
    resolution: ClockOut | None


class AttainmentOut(BaseModel):
    agreement_id: str
    start: datetime
    end: datetime
    measured_at: datetime
    availability_target_pct: str
    availability_achieved_pct: str
    service_hours: float
    downtime_min: float
    degraded_min: float
    downtime_budget_min: float
    downtime_budget_left_min: float
    met: bool
    incidents: list[IncidentAttainment]
    nonconformities: list[dict[str, Any]]


class AlertsOut(BaseModel):
    opened: int
    closed: int
    unchanged: int
    ignored: list[dict[str, str]]


def _minutes(td: timedelta) -> float:
    return round(td.total_seconds() / 60, 3)


def _token_check(expected: str, request: Request) -> None:
    if not expected:
        raise ApiError(503, "not_configured")
    got = request.headers.get("authorization", "")
    scheme, _, token = got.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(401, "unauthorized")


def _detail(exc: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "problem": str(e.get("type", "invalid"))}
        for e in exc.errors()
    ][:20]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def api_auth(request: Request) -> None:
    """Async on purpose: a plain `def` dependency would cost a thread hop per request."""
    _token_check(_settings(request).api_token, request)


async def hook_auth(request: Request) -> None:
    _token_check(_settings(request).webhook_token, request)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    body = {"error": exc.error, "detail": exc.detail}
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"error": "invalid_request", "detail": _detail(exc)}, 400)


#: domain errors that say the request itself was wrong (400), not the agreement's state (409)
BAD_REQUEST = {"incident_in_future", "empty_period"}


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, FormInvalid):
        detail: Any = {k: p.code for k, p in exc.problems.items()}
        return JSONResponse({"error": "invalid_incident", "detail": detail}, 400)
    status = 404 if isinstance(exc, NotFound) else 400 if exc.code in BAD_REQUEST else 409
    params = {k: str(v) for k, v in exc.params.items()}
    return JSONResponse({"error": exc.code, "detail": params}, status)


router = APIRouter()


@router.post(
    "/webhooks/alertmanager",
    response_model=AlertsOut,
    dependencies=[Depends(hook_auth)],
    tags=["webhooks"],
)
async def alertmanager(request: Request) -> AlertsOut:
    """Alertmanager's webhook (payload version 4): `firing` opens an outage of the agreement
    its label names, `resolved` closes it; a resend changes nothing."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large")
    try:
        payload = AlertmanagerPayload.model_validate(json.loads(body))
    except (ValueError, RecursionError) as exc:
        detail = _detail(exc) if isinstance(exc, ValidationError) else "not JSON"
        raise ApiError(400, "invalid_payload", detail) from None
    signals, ignored = read_alerts(payload, label=_settings(request).alert_label)
    writer: AlertWriter = request.app.state.alert_writer
    try:
        out = await writer.submit(signals)
    except RuntimeError:
        raise ApiError(503, "retry_later") from None
    skipped = [{"fingerprint": i.fingerprint, "reason": i.reason} for i in ignored]
    skipped += [{"agreement": a, "reason": r} for a, r in out.ignored]
    if skipped:
        log.info("alertmanager: %d alert(s) ignored: %s", len(skipped), skipped[:5])
    return AlertsOut(opened=out.opened, closed=out.closed, unchanged=out.unchanged, ignored=skipped)


@router.get(
    "/api/agreements/{agreement_id}/incidents",
    response_model=list[IncidentOut],
    dependencies=[Depends(api_auth)],
    tags=["incidents"],
)
def get_incidents(agreement_id: str, request: Request) -> list[IncidentOut]:
    """The agreement's incidents, oldest first."""
    rows = list_incidents(_db(request), agreement_id)
    return [IncidentOut.model_validate(r.as_json()) for r in rows]


@router.post(
    "/api/agreements/{agreement_id}/incidents",
    response_model=IncidentOut,
    status_code=201,
    dependencies=[Depends(api_auth)],
    tags=["incidents"],
)
def post_incident(agreement_id: str, form: IncidentForm, request: Request) -> IncidentOut:
    """Record an incident (audited as `system:api`)."""
    rec = record_incident(
        _db(request),
        agreement_id=agreement_id,
        form=form,
        actor=API_ACTOR,
        now=datetime.now(UTC),
        source="api",
    )
    return IncidentOut.model_validate(rec.as_json())


@router.get(
    "/api/agreements/{agreement_id}/attainment",
    response_model=AttainmentOut,
    dependencies=[Depends(api_auth)],
    tags=["attainment"],
)
def get_attainment(
    agreement_id: str,
    request: Request,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> AttainmentOut:
    """The period's attainment (local days `from`..`to`; the current month by default)."""
    now = datetime.now(UTC)
    tz = agreement_zone(_db(request), agreement_id, _settings(request).timezone)
    if from_ is None and to is None:
        start, end = month_of(now.astimezone(ZoneInfo(tz)).date(), tz)
    else:
        first = from_ or to or now.date()
        last = to or from_ or now.date()
        if last < first or (last - first).days > 3660:
            raise ApiError(400, "invalid_period")
        start, end = period_of(first, last, tz)
    got = attainment(_db(request), agreement_id, start=start, end=end, now=now, tz=tz)
    return attainment_out(got)


def create_api(settings: Settings, db: Database) -> FastAPI:
    api = FastAPI(
        title="slm-bot measurement API",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.settings = settings
    api.state.db = db
    api.state.alert_writer = AlertWriter(db)
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(RequestValidationError, _invalid)
    api.add_exception_handler(DomainError, _domain)
    api.include_router(router)
    return api


def attainment_out(got: Attainment) -> AttainmentOut:
    a = got.availability

    def clock(c: ClockReading | None) -> ClockOut | None:
        if c is None:
            return None
        return ClockOut(
            kind=c.kind.value,
            target_min=_minutes(c.target),
            elapsed_min=_minutes(c.elapsed),
            paused_min=_minutes(c.paused),
            due=c.due,
            running=c.running,
            breached=c.breached,
        )

    return AttainmentOut(
        agreement_id=got.agreement_id,
        start=got.start,
        end=got.end,
        measured_at=got.measured_at,
        availability_target_pct=str(a.target_pct),
        availability_achieved_pct=str(a.achieved_pct),
        service_hours=round(a.service_time.total_seconds() / 3600, 3),
        downtime_min=_minutes(a.downtime),
        degraded_min=_minutes(a.degraded),
        downtime_budget_min=_minutes(a.budget),
        downtime_budget_left_min=_minutes(a.budget_left),
        met=a.met,
        incidents=[
            IncidentAttainment(
                incident=ic.incident.id,
                priority=ic.incident.priority.value,
                sla_version=ic.sla_version,
                response=clock(ic.response),
                resolution=clock(ic.resolution),
            )
            for ic in got.incidents
        ],
        nonconformities=[
            {
                "kind": n.kind,
                "incident": n.incident_id,
                "target": n.target,
                "achieved": n.achieved,
                "unit": n.unit,
            }
            for n in got.nonconformities
        ],
    )
