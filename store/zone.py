"""The service's time zone and holiday country for what the store computes itself (M11's
measured figures at the moment the step is recorded): `SLM_TIMEZONE` and `SLM_COUNTRY`, as
`Settings` reads them, validated once."""

from __future__ import annotations

import functools
import os
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
