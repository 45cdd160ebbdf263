"""Forms of M11-M14: running the service, reviewing it, changing and ending it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from bot.flows.forms import UI, Lines, StepForm, Widget, choices_of, problem
from bot.flows.onboarding_forms import PROJECT_CLASS_CHOICES, LongText, OptText, ProjectClass


class M11Form(StepForm):
    """M11 periodic review of SLA performance: service report, review record, improvements."""

    period_start: Annotated[date, UI("Period from", "回顾期间起", Widget.DATE)]
    period_end: Annotated[date, UI("Period to", "回顾期间止", Widget.DATE)]
    availability_pct: Annotated[
        Decimal,
        Field(ge=0, le=100, decimal_places=3),
        UI("Availability achieved %", "实际可用性 %", Widget.NUMBER),
    ]
    report: Annotated[
        LongText,
        UI(
            "Service report: trends per service and overall", "服务报告：趋势分析", Widget.MULTILINE
        ),
    ]
    proposal_review: Annotated[
        LongText,
        UI(
            "Execution of the O&M project proposal",
            "运维项目建议书的执行情况",
            Widget.MULTILINE,
        ),
    ]
    contracts_review: Annotated[
        LongText,
        UI(
            "Execution of the supporting contracts (OLAs, suppliers)",
            "支持合同的执行情况（OLA、供应商）",
            Widget.MULTILINE,
        ),
    ]
    review_record: Annotated[LongText, UI("Review meeting record", "回顾记录", Widget.MULTILINE)]
    satisfaction: Annotated[
        int,
        Field(ge=1, le=5),
        UI("Customer satisfaction (1-5)", "客户满意度（1-5）", Widget.NUMBER),
    ]
    nonconformities: Annotated[
        Lines,
        UI(
            "Nonconformities",
            "不合格项",
            Widget.MULTILINE,
            help_en="One per line",
            help_zh="每行一项",
        ),
    ] = []
    improvements: Annotated[
        Lines,
        UI(
            "Improvement actions",
            "服务改进计划",
            Widget.MULTILINE,
            help_en="One per line; tracked until done",
            help_zh="每行一项，跟踪至完成",
        ),
    ] = []
    changes: Annotated[
        Lines,
        UI(
            "Improvements that need a change (start C)",
            "需要变更的改进（进入变更流程）",
            Widget.MULTILINE,
            help_en="One per line",
            help_zh="每行一项",
        ),
    ] = []

    @field_validator("period_end")
    @classmethod
    def _period(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and v < start:
            raise problem(
                "not_before",
                "must not be before the period start ({day})",
                other="period_start",
                day=start,
            )
        return v


class M12Form(StepForm):
    """M12 periodic review and update of the SLA and the supporting contracts."""

    documents_current: Annotated[
        bool,
        UI(
            "SLA, OLAs and supporting contracts are valid and current",
            "SLA、OLA和支持合同有效且最新",
            Widget.CHECKBOX,
        ),
    ] = False
    findings: Annotated[LongText, UI("Findings", "回顾结论", Widget.MULTILINE)]
    changes_needed: Annotated[
        Lines,
        UI(
            "Changed needs to write down (start C)",
            "需要说明的需求变化（进入变更流程）",
            Widget.MULTILINE,
            help_en="One per line; leave empty if none",
            help_zh="每行一项；没有则留空",
        ),
    ] = []


class ChangeSource(StrEnum):
    CUSTOMER = "customer"
    COMPANY = "company"


class M13Form(StepForm):
    """M13 service level change: starts process C (an additional SLA)."""

    source: Annotated[
        ChangeSource,
        UI(
            "Who needs the change",
            "变更来源",
            Widget.RADIO,
            choices=choices_of(
                ChangeSource,
                {
                    "customer": ("The customer's new needs", "客户新需求"),
                    "company": ("Our new circumstances", "我方新情况"),
                },
            ),
        ),
    ]
    reason: Annotated[LongText, UI("What changes and why", "变更内容和原因", Widget.MULTILINE)]


class M14Form(StepForm):
    """M14 SLA termination: starts process T."""

    reason: Annotated[LongText, UI("Why the SLA ends", "终止原因", Widget.MULTILINE)]
    notes: Annotated[
        OptText, UI("Notes for sales (T1)", "给销售的说明（T1）", Widget.MULTILINE)
    ] = ""


class ProjectClassForm(StepForm):
    """M1.class: an executive records the project class (standard, group, specially approved)."""

    project_class: Annotated[
        ProjectClass,
        UI("Project class", "项目类别", Widget.SELECT, choices=PROJECT_CLASS_CHOICES),
    ]
    reason: Annotated[LongText, UI("Why", "原因", Widget.MULTILINE)]


class WithdrawForm(StepForm):
    """Withdraw a pending change, termination or extension request (M13, M14, T1)."""

    reason: Annotated[LongText, UI("Why it is withdrawn", "撤回原因", Widget.MULTILINE)]
