"""Configuration from the environment or `.env` (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "xoxb-your-token",
    "your-signing-secret",
    "todo",
    "xoxb-...",
    "...",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///slm-bot.db", alias="DATABASE_URL")
    slack_bot_token: str = Field(default="", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field(default="", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field(default="", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    agreements_channel: str = Field(default="", alias="SLM_AGREEMENTS_CHANNEL")
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="SLM_ADMINS")
    timezone: str = Field(default="Asia/Shanghai", alias="SLM_TIMEZONE")
    locale: str = Field(default="en", alias="SLM_LOCALE")
    country: str = Field(default="CN", alias="SLM_COUNTRY")
    sweep_interval: float = Field(default=60.0, gt=0, alias="SLM_SWEEP_INTERVAL")
    expiry_offsets: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [14, 7, 1], alias="SLM_EXPIRY_OFFSETS"
    )
    stale_days: int = Field(default=3, ge=1, le=60, alias="SLM_STALE_DAYS")
    channel_interval: float = Field(default=1.0, ge=0, alias="SLM_CHANNEL_INTERVAL")
    #: how long a worker's claim on an agreement's messages lasts unless renewed (a dead
    #: worker's messages are taken over after this)
    outbox_lease_seconds: float = Field(default=10.0, ge=1, le=600, alias="SLM_OUTBOX_LEASE")
    #: `slm-bot worker` serves `/metrics` on this port when set (`serve` has it on PORT)
    metrics_port: int = Field(default=0, ge=0, le=65535, alias="SLM_METRICS_PORT")
    #: bearer tokens of the JSON API (`/api/...`) and of the Alertmanager webhook; an
    #: endpoint whose token is not set answers 503 (it is off)
    api_token: str = Field(default="", alias="SLM_API_TOKEN")
    webhook_token: str = Field(default="", alias="SLM_WEBHOOK_TOKEN")
    #: the alert label that names the agreement (`sla="SLA-2026-0001"`)
    alert_label: str = Field(default="sla", min_length=1, max_length=100, alias="SLM_ALERT_LABEL")
    host: str = Field(default="0.0.0.0", alias="HOST")
    port: int = Field(default=3000, ge=1, le=65535, alias="PORT")

    @field_validator("admins", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            return [u.strip() for u in v.split(",") if u.strip()]
        return v

    @field_validator("expiry_offsets", mode="before")
    @classmethod
    def _offsets(cls, v: object) -> object:
        if isinstance(v, str):
            try:
                return sorted({int(x) for x in v.split(",") if x.strip()}, reverse=True)
            except ValueError:
                raise ValueError("SLM_EXPIRY_OFFSETS must be days, e.g. 14,7,1") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)"
            ) from None
        return v

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str) -> str:
        norm = {"en": "en", "zh": "zh-CN", "zh-cn": "zh-CN", "zh_cn": "zh-CN"}.get(v.lower())
        if norm is None:
            raise ValueError(f"SLM_LOCALE must be en or zh-CN, not {v!r}")
        return norm

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"

    def missing_for_http(self) -> list[str]:
        """Names of the settings HTTP mode needs that are missing or still placeholders."""
        out = []
        if self.slack_bot_token.strip().lower() in PLACEHOLDERS:
            out.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret.strip().lower() in PLACEHOLDERS:
            out.append("SLACK_SIGNING_SECRET")
        return out
