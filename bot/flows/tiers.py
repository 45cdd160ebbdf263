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


class ServiceZone(StrEnum):
    """The time zone of an agreement's service hours (M1): the company's default
    (`SLM_TIMEZONE`) or the customer's own, for 7x12 and 5x8 agreements served elsewhere."""

    DEFAULT = "default"
    SHANGHAI = "Asia/Shanghai"
    HONG_KONG = "Asia/Hong_Kong"
    SINGAPORE = "Asia/Singapore"
    TOKYO = "Asia/Tokyo"
    LONDON = "Europe/London"
    BERLIN = "Europe/Berlin"
    NEW_YORK = "America/New_York"
    LOS_ANGELES = "America/Los_Angeles"
    UTC = "UTC"


ZONE_LABELS: dict[str, tuple[str, str]] = {
    "default": ("The company's time zone", "公司默认时区"),
    "Asia/Shanghai": ("China (Asia/Shanghai)", "中国（Asia/Shanghai）"),
    "Asia/Hong_Kong": ("Hong Kong (Asia/Hong_Kong)", "香港（Asia/Hong_Kong）"),
    "Asia/Singapore": ("Singapore (Asia/Singapore)", "新加坡（Asia/Singapore）"),
    "Asia/Tokyo": ("Japan (Asia/Tokyo)", "日本（Asia/Tokyo）"),
    "Europe/London": ("United Kingdom (Europe/London)", "英国（Europe/London）"),
    "Europe/Berlin": ("Central Europe (Europe/Berlin)", "中欧（Europe/Berlin）"),
    "America/New_York": ("US East (America/New_York)", "美国东部（America/New_York）"),
    "America/Los_Angeles": ("US West (America/Los_Angeles)", "美国西部（America/Los_Angeles）"),
    "UTC": ("UTC", "协调世界时（UTC）"),
}
