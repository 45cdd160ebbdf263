"""Forms of T1-T7: the service level termination process."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from bot.flows.forms import UI, Lines, StepForm, Widget, choices_of, problem
from bot.flows.onboarding_forms import (
    APPROVE_CHOICES,
    ApproveReject,
    LongText,
    Money,
    OptText,
)


class NoticeKind(StrEnum):
    """T1's four entries, plus a request to extend a group or specially approved project."""

    EXPIRY = "expiry"
    COMPANY_EARLY = "company_early"
    CUSTOMER_EARLY = "customer_early"
    RENEWAL = "renewal"
    EXTENSION = "extension"


NOTICE_CHOICES = choices_of(
    NoticeKind,
    {
        "expiry": ("Expiry without renewal", "到期不续签"),
        "company_early": ("Early termination by the company", "公司提前终止"),
        "customer_early": ("Early termination asked by the customer", "客户提前终止"),
        "renewal": ("Renewal", "续签"),
        "extension": (
            "Extension (group / specially approved project)",
            "延期（集团项目/特批项目）",
        ),
    },
)

TERMINATING_NOTICES = frozenset(
    {NoticeKind.EXPIRY, NoticeKind.COMPANY_EARLY, NoticeKind.CUSTOMER_EARLY}
)


class T1Form(StepForm):
    """T1 notify the customer -> notice (or a renewal / an extension request)."""

    kind: Annotated[NoticeKind, UI("Notice", "通知类型", Widget.RADIO, choices=NOTICE_CHOICES)]
    service_end: Annotated[
        date,
        UI(
            "Service ends on / new end date",
            "服务终止日期/新的结束日期",
            Widget.DATE,
            help_en="For a renewal or extension: the new end date",
            help_zh="续签或延期时：新的结束日期",
        ),
    ]
    reason: Annotated[
        OptText,
        UI(
            "Reason (written, required for a company termination)",
            "原因（公司提前终止时必须书面说明）",
            Widget.MULTILINE,
        ),
    ] = ""
    notice_text: Annotated[
        OptText, UI("Notice to the customer", "通知书内容", Widget.MULTILINE)
    ] = ""
    customer_notice_on: Annotated[
        date | None,
        UI(
            "Customer's written notice dated",
            "客户书面通知日期",
            Widget.DATE,
            help_en="When the customer asks to stop early",
            help_zh="客户提出提前终止时填写",
        ),
    ] = None
    customer_notice_ref: Annotated[
        OptText,
        UI("Customer's written notice: reference", "客户书面通知编号", Widget.TEXT),
    ] = ""
    reply_days: Annotated[
        int,
        Field(ge=1, le=60),
        UI(
            "Working days for the customer's written reply",
            "客户书面回复期限（工作日）",
            Widget.NUMBER,
            help_en="No reply within them counts as confirmation (T2)",
            help_zh="逾期未书面回复视同确认（T2）",
        ),
    ] = 5

    @model_validator(mode="after")
    def _reason(self) -> T1Form:
        needs_reason = {NoticeKind.COMPANY_EARLY, NoticeKind.EXTENSION}
        if self.kind in needs_reason and not self.reason:
            raise problem(
                "reason_for_notice", "a written reason is required for this notice", field="reason"
            )
        if self.kind is NoticeKind.CUSTOMER_EARLY:
            if self.customer_notice_on is None:
                raise problem(
                    "required",
                    "give the date of the customer's written notice",
                    field="customer_notice_on",
                )
            if not self.customer_notice_ref:
                raise problem(
                    "required",
                    "give the reference of the customer's written notice",
                    field="customer_notice_ref",
                )
        return self


class T1ExtensionForm(StepForm):
    """T1 extension of a group or specially approved project: executive approval."""

    decision: Annotated[
        ApproveReject, UI("Decision", "审批结果", Widget.RADIO, choices=APPROVE_CHOICES)
    ]
    reason: Annotated[OptText, UI("Comments", "意见", Widget.MULTILINE)] = ""

    @model_validator(mode="after")
    def _reason(self) -> T1ExtensionForm:
        if self.decision is ApproveReject.REJECT and not self.reason:
            raise problem("reason_to_reject", "a reason is required to reject", field="reason")
        return self


class ReplyOutcome(StrEnum):
    CONFIRM = "confirm"
    OBJECT = "object"


class T2Form(StepForm):
    """T2 customer confirmation: the customer's written reply (it confirms, or objects)."""

    replied_on: Annotated[date, UI("Reply received on", "回复日期", Widget.DATE)]
    reply: Annotated[LongText, UI("Customer's written reply", "客户书面回复", Widget.MULTILINE)]
    outcome: Annotated[
        ReplyOutcome,
        UI(
            "The customer",
            "客户意见",
            Widget.RADIO,
            choices=choices_of(
                ReplyOutcome,
                {
                    "confirm": ("confirms the notice", "确认通知"),
                    "object": ("objects (back to T1)", "有异议（退回T1）"),
                },
            ),
        ),
    ] = ReplyOutcome.CONFIRM


class T2DeemedForm(StepForm):
    """T2 deemed confirmation: no written reply within the notice's working days."""

    notice_on: date
    deadline: date
    reply_days: int


class ReleaseForm(StepForm):
    """T3 / T4 / T5: a release list."""

    items: Annotated[
        Lines,
        Field(min_length=1),
        UI(
            "Release list",
            "释放清单",
            Widget.MULTILINE,
            help_en="One item per line",
            help_zh="每行一项",
        ),
    ]
    notes: Annotated[OptText, UI("Notes", "说明", Widget.MULTILINE)] = ""


class T5Form(ReleaseForm):
    """T5 supplier release, with any supplier contract adjustment."""

    contract_changes: Annotated[
        OptText, UI("Supplier contract adjustments", "供应商合同调整", Widget.MULTILINE)
    ] = ""


class T6Form(StepForm):
    """T6 service accounting against the budget."""

    actual_cost: Annotated[Money, UI("Actual cost", "实际成本", Widget.NUMBER)]
    planned_cost: Annotated[
        Money | None,
        UI(
            "Budget (planned cost)",
            "预算（计划成本）",
            Widget.NUMBER,
            help_en="From the initiation report (M9) unless you change it",
            help_zh="默认取自立项报告（M9）的预算",
        ),
    ] = None
    notes: Annotated[OptText, UI("Accounting notes", "核算说明", Widget.MULTILINE)] = ""

    @property
    def variance(self) -> Decimal | None:
        return None if self.planned_cost is None else self.actual_cost - self.planned_cost


class T7Form(StepForm):
    """T7 service summary -> nonconformities, corrective and preventive actions; archive."""

    summary: Annotated[LongText, UI("Service summary", "服务总结", Widget.MULTILINE)]
    nonconformities: Annotated[Lines, UI("Nonconformities", "不符合项", Widget.MULTILINE)] = []
    corrective_actions: Annotated[
        Lines, UI("Corrective actions", "纠正措施", Widget.MULTILINE)
    ] = []
    preventive_actions: Annotated[
        Lines,
        UI("Preventive actions / improvement directions", "预防措施/改进方向", Widget.MULTILINE),
    ] = []
