"""Typed context carried through Slack: button values and modal private_metadata."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StepRef(BaseModel):
    """What a button points at: an action on an agreement, as the card showed it."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    a: str = Field(description="agreement id, or '' for a new request (M1)")
    s: str = Field(description="action id, e.g. M9.review")
    v: int | None = Field(default=None, description="lock version the card showed")
    d: str | None = Field(default=None, description="preset decision (approve/reject)")

    def dumps(self) -> str:
        return self.model_dump_json(exclude_none=True)


class StepContext(BaseModel):
    """A step modal's private_metadata (at most 3000 characters)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    agreement_id: str | None = None
    action: str
    lock_version: int | None = None
    channel: str | None = None  # where to answer (the channel the command came from)

    def dumps(self) -> str:
        text = self.model_dump_json(exclude_none=True)
        if len(text) > 3000:
            raise ValueError("private_metadata over 3000 characters")
        return text
