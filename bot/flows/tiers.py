"""Service tiers (process.md, "Service tiers") and review cadences."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Tier(IntEnum):
    T1 = 1
    T2 = 2
    T3 = 3

    @property
    def coverage(self) -> str:
        return {Tier.T1: "7x24", Tier.T2: "7x12", Tier.T3: "5x8"}[self]

    def label(self, locale: str) -> str:
        en = {Tier.T1: "high", Tier.T2: "medium", Tier.T3: "low"}[self]
        zh = {Tier.T1: "高", Tier.T2: "中", Tier.T3: "低"}[self]
        level = zh if locale.lower().startswith("zh") else en
        return f"{self.value} · {self.coverage} ({level})"


TIER_LABELS: dict[str, tuple[str, str]] = {
    "1": ("Tier 1 · 7x24 (high)", "1级 · 7x24（高）"),
    "2": ("Tier 2 · 7x12 (medium)", "2级 · 7x12（中）"),
    "3": ("Tier 3 · 5x8 (low)", "3级 · 5x8（低）"),
}


class Cadence(StrEnum):
    """How often M11 (periodic review of SLA performance) is due."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUAL = "semi_annual"

    @property
    def months(self) -> int:
        return {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.SEMI_ANNUAL: 6}[self]


CADENCE_LABELS: dict[str, tuple[str, str]] = {
    "monthly": ("Monthly", "每月"),
    "quarterly": ("Quarterly", "每季度"),
    "semi_annual": ("Semi-annual", "每半年"),
}
