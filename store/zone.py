"""The service's time zone and holiday country for what the store computes itself (M11's
measured figures at the moment the step is recorded): the zone and the country the `Database`
was built with (`SLM_TIMEZONE`, `SLM_COUNTRY`), carried by every session."""

from __future__ import annotations

import functools
import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_COUNTRY = "CN"


@functools.cache
def service_zone() -> str:
    name = os.environ.get("SLM_TIMEZONE", "").strip() or DEFAULT_TZ
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TZ
    return name


@functools.cache
def service_country() -> str:
    return os.environ.get("SLM_COUNTRY", "").strip().upper() or DEFAULT_COUNTRY


def session_zone(s: Any) -> str:
    """The time zone a session carries (`Database(timezone=...)`), else `service_zone()`."""
    info = getattr(s, "info", None) or {}
    return str(info.get("timezone") or service_zone())


def session_country(s: Any) -> str:
    """The holiday country a session carries (`Database(country=...)`), else
    `service_country()`."""
    info = getattr(s, "info", None) or {}
    return str(info.get("country") or service_country())
