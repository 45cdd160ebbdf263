"""The column kinds the SQLModel tables share (store.models and its table modules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Numeric
from sqlmodel import Field

from store.types import UTCDateTime

JSONDict = dict[str, Any]


def ts(**kw: Any) -> Any:
    """A timezone-aware UTC timestamp column."""
    return Field(sa_type=UTCDateTime, **kw)


def json_field(**kw: Any) -> Any:
    """A JSON column."""
    return Field(sa_type=JSON, **kw)


def money(**kw: Any) -> Any:
    """An amount of money: 14 digits, 2 after the point."""
    return Field(sa_type=Numeric(14, 2), **kw)
