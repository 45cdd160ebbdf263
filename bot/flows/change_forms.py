"""Forms of C1-C4: the service level change process (an additional SLA)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from bot.flows.forms import UI, StepForm, Widget, check_dept_lengths, choices_of, problem
from bot.flows.onboarding_forms import TIER_CHOICES, LongText, Money, OptText, TierChoice
from bot.flows.target_lines import DraftTargets


class C1Form(StepForm):
    """C1 catalogue update for the change."""

    entries: Annotated[
        list[str],
        Field(min_length=1),
        UI("Catalogue entries (updated)", "服务目录条目（更新）", Widget.MULTI_SELECT),
    ]
    notes: Annotated[
        OptText,
        UI(
            "Requirement, prices and contract information", "需求、价格和合同信息", Widget.MULTILINE
        ),
    ] = ""


class C2Form(StepForm):
    """C2 additional SLA drafting and negotiation."""

    entry: Annotated[
        str, Field(min_length=1, max_length=64), UI("Service selected", "选择的服务", Widget.SELECT)
    ]
    tier: Annotated[TierChoice, UI("Tier", "服务等级", Widget.SELECT, choices=TIER_CHOICES)]
    effective_from: Annotated[date, UI("Effective from", "生效日期", Widget.DATE)]
    end_date: Annotated[date, UI("Service end", "服务结束日期", Widget.DATE)]
    price: Annotated[Money, UI("Price (per year)", "价格（每年）", Widget.NUMBER)]
    availability_pct: Annotated[
        Decimal,
        Field(gt=0, le=100, decimal_places=3),
        UI("Availability target %", "可用性目标 %", Widget.NUMBER),
    ]
    targets: DraftTargets = {}
    capacity: Annotated[
        LongText, UI("Capacity data from providers", "服务提供能力数据", Widget.MULTILINE)
    ]
    changes: Annotated[
        LongText, UI("What the additional SLA changes", "附加协议变更内容", Widget.MULTILINE)
    ]
    supplier_changes_needed: Annotated[
        bool,
        UI(
            "Supplier contracts to sign, change or cancel (C4)",
            "需要签订、变更或取消供应商合同（C4）",
            Widget.CHECKBOX,
        ),
    ] = False

    @field_validator("end_date")
    @classmethod
    def _end(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("effective_from")
        if start is not None and v <= start:
            raise problem(
                "after",
                "must be after the effective date ({day})",
                other="effective_from",
                day=start,
            )
        return v


class C3Form(StepForm):
    """C3 signing the additional SLA; proposal and OLAs updated; SLA put into effect."""

    signed_on: Annotated[date, UI("Signed on", "签署日期", Widget.DATE)]
    proposal_update: Annotated[
        LongText, UI("Internal proposal / notice to providers", "内部建议书/通告", Widget.MULTILINE)
    ]
    ola_updates: Annotated[
        OptText,
        UI(
            "OLA updates (Department: commitment per line)",
            "OLA更新（每行'部门：承诺'）",
            Widget.MULTILINE,
        ),
    ] = ""

    @field_validator("ola_updates")
    @classmethod
    def _departments_fit(cls, v: str) -> str:
        return check_dept_lengths(v)


class SupplierAction(StrEnum):
    SIGN = "sign"
    CHANGE = "change"
    CANCEL = "cancel"


class C4Form(StepForm):
    """C4 supplier contracts signed, changed or cancelled for the additional SLA."""

    action: Annotated[
        SupplierAction,
        UI(
            "Supplier contract",
            "供应商合同",
            Widget.RADIO,
            choices=choices_of(
                SupplierAction,
                {
                    "sign": ("Sign a new one", "签订新合同"),
                    "change": ("Change", "变更"),
                    "cancel": ("Cancel", "取消"),
                },
            ),
        ),
    ]
    supplier: Annotated[str, Field(min_length=1, max_length=200), UI("Supplier", "供应商")]
    contract_no: Annotated[
        str, Field(min_length=1, max_length=100), UI("Contract number", "合同编号")
    ]
    scope: Annotated[OptText, UI("Scope", "内容", Widget.MULTILINE)] = ""
    cost: Annotated[Money, UI("Cost", "费用", Widget.NUMBER)] = Decimal(0)
