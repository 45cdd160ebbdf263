"""Forms of M1-M10: from the customer's first request to the service going live."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from bot.flows.forms import (
    UI,
    DeptLines,
    Lines,
    StepForm,
    Widget,
    check_not_before,
    choices_of,
    problem,
)
from bot.flows.target_lines import DraftTargets
from bot.flows.tiers import CADENCE_LABELS, TIER_LABELS, ZONE_LABELS, Cadence, ServiceZone

Text = Annotated[str, Field(min_length=1, max_length=3000)]
LongText = Annotated[str, Field(min_length=1, max_length=3000)]
OptText = Annotated[str, Field(max_length=3000)]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    AfterValidator(lambda d: d.quantize(Decimal("0.01"))),
]


class TierChoice(StrEnum):
    T1 = "1"
    T2 = "2"
    T3 = "3"


TIER_CHOICES = choices_of(TierChoice, TIER_LABELS)
CADENCE_CHOICES = choices_of(Cadence, CADENCE_LABELS)


class AcceptDecline(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class ApproveReject(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


ACCEPT_CHOICES = choices_of(
    AcceptDecline, {"accept": ("Accept the business", "承接"), "decline": ("Decline", "不承接")}
)
APPROVE_CHOICES = choices_of(
    ApproveReject, {"approve": ("Approve", "批准"), "reject": ("Reject", "驳回")}
)


class ProjectClass(StrEnum):
    """T1 in the original: only group and specially approved projects may be extended."""

    STANDARD = "standard"
    GROUP = "group"
    SPECIAL = "special"


PROJECT_CLASS_CHOICES = choices_of(
    ProjectClass,
    {
        "standard": ("Standard project", "普通项目"),
        "group": ("Group project", "集团项目"),
        "special": ("Specially approved project", "特批项目"),
    },
)


class M1Form(StepForm):
    """M1 customer requirement survey -> service requirement specification (draft)."""

    customer: Annotated[str, Field(min_length=2, max_length=200), UI("Customer", "客户")]
    contact: Annotated[
        str,
        Field(min_length=2, max_length=200),
        UI(
            "Customer contact",
            "客户联系人",
            help_en="Name, phone or e-mail",
            help_zh="姓名、电话或邮箱",
        ),
    ]
    services: Annotated[
        Lines,
        Field(min_length=1),
        UI(
            "Services needed",
            "所需服务",
            Widget.MULTILINE,
            help_en="One per line",
            help_zh="每行一项",
        ),
    ]
    tier: Annotated[
        TierChoice, UI("Desired tier", "期望服务等级", Widget.SELECT, choices=TIER_CHOICES)
    ]
    workload: Annotated[
        LongText,
        UI(
            "Expected workload",
            "期望工作量",
            Widget.MULTILINE,
            help_en="Systems, users, tickets per month, sites",
            help_zh="系统、用户、每月工单量、地点",
        ),
    ]
    start_date: Annotated[date, UI("Requested start", "期望开始日期", Widget.DATE)]
    end_date: Annotated[date, UI("Requested end", "期望结束日期", Widget.DATE)]
    project_class: Annotated[
        ProjectClass,
        UI(
            "Project class",
            "项目类别",
            Widget.SELECT,
            choices=PROJECT_CLASS_CHOICES,
            help_en="Only group and specially approved projects may be extended (T1)",
            help_zh="只有集团项目和特批项目可以延期（T1）",
        ),
    ] = ProjectClass.STANDARD
    service_timezone: Annotated[
        ServiceZone,
        UI(
            "Time zone of the service hours",
            "服务时间所用时区",
            Widget.SELECT,
            choices=choices_of(ServiceZone, ZONE_LABELS),
            help_en="7x12 and 5x8 hours are counted in it (7x24 runs on the wall clock)",
            help_zh="7x12 和 5x8 的服务时间按此时区计算（7x24 按实际时间）",
        ),
    ] = ServiceZone.DEFAULT

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and v <= start:
            raise problem(
                "after", "must be after the requested start ({day})", other="start_date", day=start
            )
        return v


class M2Form(StepForm):
    """M2 requirement assessment -> final requirement specification, or a recorded rejection."""

    current_state: Annotated[
        LongText, UI("Customer system: current state", "客户系统现状", Widget.MULTILINE)
    ]
    defects: Annotated[OptText, UI("Defects found", "存在的缺陷", Widget.MULTILINE)] = ""
    required_level: Annotated[
        OptText, UI("Service level required", "服务级别要求", Widget.MULTILINE)
    ] = ""
    decision: Annotated[
        AcceptDecline,
        UI("Take the business on?", "是否承接此业务", Widget.RADIO, choices=ACCEPT_CHOICES),
    ]
    reason: Annotated[
        OptText,
        UI(
            "Reason",
            "理由",
            Widget.MULTILINE,
            help_en="Required when declining",
            help_zh="不承接时必填",
        ),
    ] = ""

    @model_validator(mode="after")
    def _reason_when_declined(self) -> M2Form:
        if self.decision is AcceptDecline.DECLINE and not self.reason:
            raise problem("reason_to_decline", "a reason is required to decline", field="reason")
        return self


class M3Form(StepForm):
    """M3 service catalogue: the catalogue entries offered to this customer."""

    entries: Annotated[
        list[str],
        Field(min_length=1),
        UI(
            "Catalogue entries offered",
            "提供的服务目录条目",
            Widget.MULTI_SELECT,
            help_en="From the service catalogue",
            help_zh="来自服务目录",
        ),
    ]
    pricing_notes: Annotated[
        OptText, UI("Prices and contract information", "服务价格和合同信息", Widget.MULTILINE)
    ] = ""


class M4Form(StepForm):
    """M4 SLA drafting and negotiation -> SLA draft (the service plan)."""

    entry: Annotated[
        str,
        Field(min_length=1, max_length=64),
        UI("Service selected by the customer", "客户选择的服务", Widget.SELECT),
    ]
    tier: Annotated[TierChoice, UI("Tier", "服务等级", Widget.SELECT, choices=TIER_CHOICES)]
    start_date: Annotated[date, UI("Service start", "服务开始日期", Widget.DATE)]
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
    negotiation: Annotated[OptText, UI("Negotiation notes", "协商记录", Widget.MULTILINE)] = ""
    review_cadence: Annotated[
        Cadence,
        UI("Review cadence (M11)", "回顾周期（M11）", Widget.SELECT, choices=CADENCE_CHOICES),
    ] = Cadence.QUARTERLY
    suppliers_needed: Annotated[
        bool, UI("Third-party suppliers needed (M6)", "需要第三方供应商（M6）", Widget.CHECKBOX)
    ] = False

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and v <= start:
            raise problem(
                "after", "must be after the service start ({day})", other="start_date", day=start
            )
        return v


class M5Form(StepForm):
    """M5 contract signing -> signed contract (SLA attached)."""

    contract_no: Annotated[
        str, Field(min_length=1, max_length=100), UI("Contract number", "合同编号")
    ]
    signed_on: Annotated[date, UI("Signed on", "签署日期", Widget.DATE)]
    signatory: Annotated[
        str, Field(min_length=1, max_length=200), UI("Company representative", "公司代表")
    ]
    value: Annotated[Money, UI("Contract value", "合同金额", Widget.NUMBER)]


class M6Form(StepForm):
    """M6 supplier contract -> underpinning contract with a third-party supplier."""

    supplier: Annotated[str, Field(min_length=1, max_length=200), UI("Supplier", "供应商")]
    contract_no: Annotated[
        str, Field(min_length=1, max_length=100), UI("Supplier contract number", "供应商合同编号")
    ]
    scope: Annotated[
        LongText,
        UI(
            "What the supplier provides",
            "供应商提供的内容",
            Widget.MULTILINE,
            help_en="Figures such as 99.95% or P1 15/240 are checked against the SLA (M4, C2)",
            help_zh="99.95% 或 P1 15/240 等指标会与服务级别协议核对（M4、C2）",
        ),
    ]
    start_date: Annotated[date, UI("Start", "开始日期", Widget.DATE)]
    end_date: Annotated[date, UI("End", "结束日期", Widget.DATE)]
    cost: Annotated[Money, UI("Cost", "费用", Widget.NUMBER)]

    @field_validator("end_date")
    @classmethod
    def _end(cls, v: date, info: ValidationInfo) -> date:
        return check_not_before(v, info.data.get("start_date"), other="start_date")


class M7Form(StepForm):
    """M7 contract breakdown: technical clauses per department, sent to department heads."""

    breakdown: Annotated[
        DeptLines,
        Field(min_length=1),
        UI(
            "Breakdown per department",
            "各部门技术条款分解",
            Widget.MULTILINE,
            help_en="One line per department: 'Network: 24h monitoring'",
            help_zh="每行一个部门：'网络部：7x24监控'",
        ),
    ]
    notified: Annotated[
        list[str], UI("Department heads notified", "已通知的部门领导", Widget.USER)
    ] = []


class M8Form(StepForm):
    """M8 O&M project proposal, and the named O&M service owner."""

    proposal: Annotated[
        LongText, UI("O&M project proposal (summary)", "运维项目建议书（摘要）", Widget.MULTILINE)
    ]
    owner: Annotated[
        str,
        Field(min_length=1, max_length=64),
        UI(
            "O&M service owner",
            "运维服务负责人",
            Widget.USER,
            help_en="Holds the operations lead role; writes M9 and delivers M10",
            help_zh="须具有运维服务负责人角色；负责M9和M10",
        ),
    ]


class HandoverForm(StepForm):
    """M8.handover: a service level manager hands the agreement to another O&M service owner."""

    owner: Annotated[
        str,
        Field(min_length=1, max_length=64),
        UI(
            "New O&M service owner",
            "新的运维服务负责人",
            Widget.USER,
            help_en="Must hold the operations lead role",
            help_zh="须具有运维服务负责人角色",
        ),
    ]
    reason: Annotated[LongText, UI("Why", "原因", Widget.MULTILINE)]


class M9Form(StepForm):
    """M9 initiation report and one OLA per supporting department, submitted for approval."""

    report: Annotated[
        LongText, UI("Project initiation report", "运维项目立项报告", Widget.MULTILINE)
    ]
    budget: Annotated[Money, UI("Planned budget", "预算", Widget.NUMBER)]
    olas: Annotated[
        DeptLines,
        Field(min_length=1),
        UI(
            "OLAs (one per supporting department)",
            "OLA（每个支持部门一项）",
            Widget.MULTILINE,
            help_en="'Department: commitment' per line; figures such as 99.95% or P1 15/240 "
            "(response/resolution minutes) are checked against the SLA",
            help_zh="每行'部门：承诺'；99.95% 或 P1 15/240（响应/解决分钟）"
            "等指标会与服务级别协议核对",
        ),
    ]


class M9ReviewForm(StepForm):
    """M9 approval by the service level manager (never by the report's author)."""

    decision: Annotated[
        ApproveReject, UI("Decision", "审批结果", Widget.RADIO, choices=APPROVE_CHOICES)
    ]
    reason: Annotated[
        OptText,
        UI(
            "Reason / comments",
            "理由/意见",
            Widget.MULTILINE,
            help_en="Required when rejecting",
            help_zh="驳回时必填",
        ),
    ] = ""

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> M9ReviewForm:
        if self.decision is ApproveReject.REJECT and not self.reason:
            raise problem("reason_to_reject", "a reason is required to reject", field="reason")
        return self


class M10Form(StepForm):
    """M10 project execution: the service is delivered as the proposal says."""

    live_on: Annotated[date, UI("Service live on", "服务上线日期", Widget.DATE)]
    notes: Annotated[OptText, UI("Delivery notes", "交付说明", Widget.MULTILINE)] = ""
