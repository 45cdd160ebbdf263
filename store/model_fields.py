"""The column kinds the SQLModel tables share (store.models and its table modules)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Numeric
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


def enum_values(enum: type[StrEnum]) -> list[str]:
    """What the database holds for `enum`: its members' values (lowercase), not their names."""
    return [m.value for m in enum]


def status_type(enum: type[StrEnum], table: str, length: int) -> Enum:
    """A VARCHAR(length) holding `enum`'s values, with a CHECK `ck_<table>_status` listing
    them (both databases refuse any other); rows read back as the enum's members."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=enum_values,
        name=f"ck_{table}_status",
    )


def status_field(enum: type[StrEnum], table: str, length: int = 16, **kw: Any) -> Any:
    """A status column typed with its StrEnum (see `status_type`)."""
    return Field(sa_type=status_type(enum, table, length), **kw)
