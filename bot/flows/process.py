"""The SLM process as data: every step (M1-M14, C1-C4, T1-T7) and action, declared once.

A *step* is a row of process.md. An *action* is something a person (or the scheduler) does
in a step: most steps have one action with the step's id; M9 has the report and its approval
(`M9.review`), T1 the notice and the executive's extension approval (`T1.extension`), T2 the
customer's reply and the deemed confirmation (`T2.deem`). Each action declares who may do it,
the form it records, the documents it produces, and its branches (what opens next).

The same declaration drives validation, permissions, Slack modals, card buttons, reminders,
the audit log and the README's process table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.flows.behaviour import Assignee, Choice, Prefill, ReviewClock, decision_pair, template_key
from bot.flows.behaviour import Effect as E
from bot.flows.change_forms import C1Form, C2Form, C3Form, C4Form
from bot.flows.documents import DocKind as D
from bot.flows.forms import StepForm
from bot.flows.onboarding_forms import (
    HandoverForm,
    M1Form,
    M2Form,
    M3Form,
    M4Form,
    M5Form,
    M6Form,
    M7Form,
    M8Form,
    M9Form,
    M9ReviewForm,
    M10Form,
)
from bot.flows.operation_forms import (
    M11Form,
    M12Form,
    M13Form,
    M14Form,
    ProjectClassForm,
    WithdrawForm,
)
from bot.flows.roles import Role
from bot.flows.termination_forms import (
    ReleaseForm,
    T1ExtensionForm,
    T1Form,
    T2DeemedForm,
    T2Form,
    T5Form,
    T6Form,
    T7Form,
)


class Status(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    CHANGING = "changing"
    TERMINATING = "terminating"
    EXTENSION_PENDING = "extension_pending"
    DECLINED = "declined"
    ARCHIVED = "archived"

    @property
    def final(self) -> bool:
        return self in (Status.DECLINED, Status.ARCHIVED)


STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.ONBOARDING: ("Onboarding", "签约筹备"),
    Status.ACTIVE: ("In service", "服务中"),
    Status.CHANGING: ("Changing (C)", "变更中（C）"),
    Status.TERMINATING: ("Terminating (T)", "终止中（T）"),
    Status.EXTENSION_PENDING: ("Extension pending (T1)", "延期待批（T1）"),
    Status.DECLINED: ("Declined", "不承接"),
    Status.ARCHIVED: ("Archived", "已归档"),
}


class VersionEffect(StrEnum):
    """What an action does to the agreement's SLA versions."""

    DRAFT = "draft"  # M4 / C2: a new draft version from the form
    SIGN = "sign"  # M5 / C3: the draft takes effect; the previous version is superseded
    RENEW = "renew"  # T1 renewal / approved extension: a new version with a new end date


@dataclass(frozen=True)
class When:
    """A branch condition on a form field or, failing that, an agreement flag.

    `equals=None` means "truthy" (a ticked checkbox, a non-empty list).
    """

    field: str
    equals: str | bool | None = None


@dataclass(frozen=True)
class Branch:
    key: str
    en: str
    zh: str
    when: When | None = None
    opens: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    status: Status | None = None
    outputs: tuple[D, ...] = ()
    version: VersionEffect | None = None
    #: holders of these roles are told by DM (the customer asked to stop early)
    informs: tuple[Role, ...] = ()


@dataclass(frozen=True)
class Action:
    id: str
    step: str
    verb_en: str
    verb_zh: str
    roles: tuple[Role, ...]
    form: type[StepForm]
    branches: tuple[Branch, ...]
    outputs: tuple[D, ...] = ()
    #: statuses in which this action may be taken again and again (M11, M12, M13, M14, T1)
    standing_in: frozenset[Status] = frozenset()
    #: the actor may not be the one who last performed this action (four eyes)
    four_eyes: str | None = None
    #: ... nor anyone who performed it in an earlier round (M9 rejected and resubmitted)
    four_eyes_all_rounds: bool = False
    #: branches open their next actions only once none of these is pending any more
    join: tuple[str, ...] = ()
    #: other pending actions this one closes (T2 and T2.deem are alternatives)
    closes: tuple[str, ...] = ()
    #: form fields copied into the agreement's flags (later branches read them)
    sets_flags: tuple[str, ...] = ()
    #: done by the scheduler, never by a person
    system: bool = False
    #: refused unless one of these is pending (a withdrawal before the point of no return)
    only_while: tuple[str, ...] = ()
    #: may be done again while one of these is pending (M4 until M5 signs: a redraft)
    redraft_while: tuple[str, ...] = ()
    #: only the O&M service owner named in M8 (the agreement's `owner` flag) may do it
    by_owner: bool = False
    #: refused until an earlier step set this flag (a handover needs an owner to hand over)
    needs_flag: str | None = None
    #: what the store writes besides the step record (one registered function per effect)
    effects: tuple[E, ...] = ()
    #: who gets the task when this action opens (the four-eyes rule still applies)
    assignee: Assignee = Assignee.ROLE_HOLDERS
    #: decision buttons (shown in the thread too); none: one button that opens the form
    choices: tuple[Choice, ...] = ()
    #: the action whose latest record this one decides on (an approval, an extension)
    approves: str | None = None
    #: the word of `/sla <word> ID` that opens this action
    command: str | None = None
    #: what the modal is pre-filled from
    prefill: Prefill | None = None
    #: the recurring review this action records
    review_clock: ReviewClock | None = None
    #: roles that take part without recording the action (support departments in T6)
    takes_part: tuple[Role, ...] = ()

    @property
    def verb_key(self) -> str:
        """The template key of the short verb on its modal's title (`modal_verb_M9_review`)."""
        return template_key("modal_verb", self.id)

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def all_outputs(self) -> tuple[D, ...]:
        seen: dict[D, None] = dict.fromkeys(self.outputs)
        for b in self.branches:
            seen.update(dict.fromkeys(b.outputs))
        return tuple(seen)


@dataclass(frozen=True)
class Step:
    id: str
    process: str
    en: str
    zh: str
    inputs_en: str
    inputs_zh: str
    actions: tuple[str, ...] = field(default=())

    def name(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en

    def title(self, locale: str = "en") -> str:
        return f"{self.id} · {self.name(locale)}"


def _next(to: str) -> tuple[Branch, ...]:
    return (Branch("done", "done", "完成", opens=(to,)),)


S = Status
R = Role

STEPS: tuple[Step, ...] = (
    Step("M1", "M", "Customer requirement survey", "客户需求调查", "customer needs", "客户需求"),
    Step(
        "M2",
        "M",
        "Requirement assessment",
        "服务需求评估",
        "requirement specification (draft)",
        "服务需求说明书（初稿）",
    ),
    Step(
        "M3",
        "M",
        "Service catalogue",
        "编制服务目录",
        "requirement analysis, prices, contract information",
        "服务需求分析报告、各类服务价格、合同信息",
    ),
    Step(
        "M4",
        "M",
        "SLA drafting and negotiation",
        "服务级别协议拟定和谈判",
        "catalogue, customer needs, capacity data",
        "服务目录、客户与业务需求、服务提供能力相关数据",
    ),
    Step("M5", "M", "Contract signing", "签订合同（服务级别协议）", "SLA", "服务级别协议"),
    Step("M6", "M", "Supplier contract", "签订供应商合同", "SLA", "服务级别协议"),
    Step(
        "M7",
        "M",
        "Contract breakdown and department notice",
        "合同分解并通知各个部门",
        "contract",
        "合同",
    ),
    Step(
        "M8",
        "M",
        "O&M project proposal",
        "编写运维项目建议书",
        "clause breakdown",
        "合同技术条款分解",
    ),
    Step(
        "M9",
        "M",
        "Initiation report and OLAs",
        "提交运维项目立项报告和确定OLA",
        "proposal",
        "运维项目建议书",
    ),
    Step(
        "M10",
        "M",
        "Project execution",
        "运维项目执行",
        "approved initiation report and OLAs",
        "通过审批的运维项目立项报告和OLA",
    ),
    Step(
        "M11",
        "M",
        "Periodic review of SLA performance",
        "定期检查/回顾服务级别协议执行情况",
        "SLA, proposal, supporting contracts, customer feedback",
        "服务级别协议、运维项目建议书、支持合同、客户反馈信息",
    ),
    Step(
        "M12",
        "M",
        "Periodic review and update of the SLA",
        "定期回顾并更新服务级别协议",
        "SLA, proposal, OLAs, supporting contracts",
        "服务级别协议、运维项目建议书、OLA、支持合同",
    ),
    Step(
        "M13",
        "M",
        "Service level change",
        "服务级别变更",
        "customer needs, our needs, the old documents",
        "客户需求、我方需求、旧文档",
    ),
    Step("M14", "M", "SLA termination", "服务级别协议的终止", "SLA", "服务级别协议"),
    Step(
        "C1",
        "C",
        "Catalogue update",
        "服务目录更新",
        "requirement analysis, prices, contract information",
        "服务需求分析报告、各类服务价格、合同信息",
    ),
    Step(
        "C2",
        "C",
        "Additional SLA drafting and negotiation",
        "附加服务级别协议拟定和谈判",
        "catalogue, customer needs, capacity data",
        "服务目录、客户与业务需求、服务提供能力相关数据",
    ),
    Step(
        "C3",
        "C",
        "Signing the additional SLA",
        "签订附加服务级别协议",
        "additional SLA draft",
        "服务级别协议草案",
    ),
    Step("C4", "C", "Supplier contracts", "签订供应商合同", "SLA", "服务级别协议"),
    Step(
        "T1",
        "T",
        "Notify the customer",
        "通知客户",
        "SLA, contract information, customer's written notice",
        "服务级别协议、合同信息、客户书面通知",
    ),
    Step(
        "T2", "T", "Customer confirmation", "客户确认", "customer's written reply", "客户书面回复"
    ),
    Step(
        "T3",
        "T",
        "Infrastructure release",
        "基础架构释放",
        "SLA, proposal, OLA",
        "服务级别协议、运维项目建议书、OLA",
    ),
    Step(
        "T4",
        "T",
        "People release",
        "人力资源释放",
        "SLA, proposal, OLA, work plan",
        "服务级别协议、运维项目建议书、OLA、作业计划",
    ),
    Step("T5", "T", "Supplier release", "供应商释放", "SLA", "服务级别协议"),
    Step(
        "T6", "T", "Service accounting", "服务核算", "SLA, budget sheet", "服务级别协议、预算核算表"
    ),
    Step("T7", "T", "Service summary", "服务总结", "SLA", "服务级别协议"),
)

_ACTIVE = frozenset({S.ACTIVE})
#: an executive may change the project class whenever the agreement is not final
_OPEN = frozenset(s for s in S if not s.final)
_BACK_IN_SERVICE = (
    Branch("withdrawn", "withdrawn: back in service", "撤回：恢复服务", status=S.ACTIVE),
)
_RELEASE = (
    Branch(
        "release",
        "release resources (T3, T4, T5)",
        "释放资源（T3、T4、T5）",
        opens=("T3", "T4", "T5"),
    ),
)

ACTIONS: tuple[Action, ...] = (
    Action(
        "M1",
        "M1",
        "Record the customer's request",
        "登记客户需求",
        (R.SALES,),
        M1Form,
        _next("M2"),
        outputs=(D.REQUIREMENT_DRAFT,),
        sets_flags=("project_class",),
        effects=(E.RECORD_TERMS,),
    ),
    Action(
        "M1.class",
        "M1",
        "Change the project class",
        "变更项目类别",
        (R.EXECUTIVE,),
        ProjectClassForm,
        (Branch("done", "class recorded", "已登记项目类别"),),
        outputs=(D.PROJECT_CLASS,),
        standing_in=_OPEN,
        sets_flags=("project_class",),
    ),
    Action(
        "M2",
        "M2",
        "Assess the requirement",
        "评估服务需求",
        (R.SLM,),
        M2Form,
        (
            Branch(
                "accept",
                "accept",
                "承接",
                When("decision", "accept"),
                opens=("M3",),
                outputs=(D.REQUIREMENT_FINAL,),
            ),
            Branch(
                "decline",
                "decline: the agreement ends",
                "不承接：结束",
                When("decision", "decline"),
                status=S.DECLINED,
                outputs=(D.REJECTION,),
            ),
        ),
        choices=decision_pair("accept", "decline"),
    ),
    Action(
        "M3",
        "M3",
        "Prepare the service catalogue",
        "编制服务目录",
        (R.SLM,),
        M3Form,
        _next("M4"),
        outputs=(D.CATALOGUE,),
    ),
    Action(
        "M4",
        "M4",
        "Draft the SLA",
        "拟定服务级别协议",
        (R.SALES, R.SLM),
        M4Form,
        (Branch("done", "done", "完成", opens=("M5",), version=VersionEffect.DRAFT),),
        outputs=(D.SLA,),
        sets_flags=("suppliers_needed",),
        prefill=Prefill.REQUEST,
        redraft_while=("M5",),
        effects=(E.CATALOGUE_DEVIATIONS, E.FEASIBILITY),
    ),
    Action(
        "M5",
        "M5",
        "Record the signed contract",
        "登记签订的合同",
        (R.SALES,),
        M5Form,
        (
            Branch(
                "suppliers",
                "suppliers needed",
                "需要供应商",
                When("suppliers_needed"),
                opens=("M6",),
                version=VersionEffect.SIGN,
            ),
            Branch(
                "no_suppliers",
                "no suppliers: M6 skipped",
                "无需供应商：跳过M6",
                opens=("M7",),
                skips=("M6",),
                version=VersionEffect.SIGN,
            ),
        ),
        outputs=(D.SIGNED_CONTRACT,),
    ),
    Action(
        "M6",
        "M6",
        "Record the supplier contract",
        "登记供应商合同",
        (R.SUPPLIER_MANAGER, R.SLM),
        M6Form,
        _next("M7"),
        outputs=(D.SUPPLIER_CONTRACT,),
        effects=(E.SUPPLIER_CONTRACT,),
    ),
    Action(
        "M7",
        "M7",
        "Break the contract down",
        "分解合同技术条款",
        (R.CONTRACTS,),
        M7Form,
        _next("M8"),
        outputs=(D.CLAUSE_BREAKDOWN,),
        effects=(E.HEADS_NOTICE,),
    ),
    Action(
        "M8",
        "M8",
        "Write the O&M project proposal",
        "编写运维项目建议书",
        (R.SLM,),
        M8Form,
        _next("M9"),
        outputs=(D.PROPOSAL,),
        sets_flags=("owner",),
        effects=(E.SET_OWNER,),
    ),
    Action(
        "M8.handover",
        "M8",
        "Hand the agreement to another owner",
        "变更运维服务负责人",
        (R.SLM,),
        HandoverForm,
        (Branch("done", "new owner named", "已指定新的负责人"),),
        outputs=(D.HANDOVER,),
        standing_in=_OPEN,
        sets_flags=("owner",),
        needs_flag="owner",
        effects=(E.HANDOVER,),
    ),
    Action(
        "M9",
        "M9",
        "Submit the initiation report and OLAs",
        "提交立项报告和OLA",
        (R.OPS_LEAD,),
        M9Form,
        _next("M9.review"),
        outputs=(D.INITIATION_REPORT, D.OLA),
        by_owner=True,
        effects=(E.OLAS, E.OLA_SIGNERS),
        assignee=Assignee.OWNER,
    ),
    Action(
        "M9.review",
        "M9",
        "Approve the initiation report",
        "审批立项报告",
        (R.SLM,),
        M9ReviewForm,
        (
            Branch("approve", "approve", "批准", When("decision", "approve"), opens=("M10",)),
            Branch(
                "reject",
                "reject: back to the operations lead",
                "驳回：退回运维服务负责人",
                When("decision", "reject"),
                opens=("M9",),
            ),
        ),
        outputs=(D.APPROVAL,),
        four_eyes="M9",
        four_eyes_all_rounds=True,
        effects=(E.APPROVAL, E.SUPERSEDE_REJECTED_OLAS),
        approves="M9",
        choices=decision_pair("approve", "reject", one_click=True),
    ),
    Action(
        "M10",
        "M10",
        "Confirm the service is delivered",
        "确认服务交付",
        (R.OPS_LEAD,),
        M10Form,
        (Branch("live", "service live", "服务上线", status=S.ACTIVE),),
        outputs=(D.DELIVERY,),
        by_owner=True,
        effects=(E.START_REVIEW_CLOCKS,),
        assignee=Assignee.OWNER,
    ),
    Action(
        "M11",
        "M11",
        "Record a periodic review",
        "记录定期回顾",
        (R.SLM,),
        M11Form,
        (
            Branch(
                "change",
                "an improvement needs a change: start C",
                "改进需要变更：进入C",
                When("changes"),
                opens=("C1",),
                status=S.CHANGING,
            ),
            Branch("done", "done", "完成"),
        ),
        outputs=(D.SERVICE_REPORT, D.REVIEW_RECORD, D.NONCONFORMITY_REPORT, D.IMPROVEMENT_PLAN),
        standing_in=_ACTIVE,
        effects=(E.PERFORMANCE_REVIEW, E.MEASURE),
        prefill=Prefill.MEASURED,
        review_clock=ReviewClock.PERFORMANCE,
        command="review",
    ),
    Action(
        "M12",
        "M12",
        "Review and update the SLA",
        "回顾并更新服务级别协议",
        (R.SLM,),
        M12Form,
        (
            Branch(
                "change",
                "changed needs: start C",
                "需求变化：进入C",
                When("changes_needed"),
                opens=("C1",),
                status=S.CHANGING,
            ),
            Branch("done", "done", "完成"),
        ),
        outputs=(D.SLA_REVIEW,),
        standing_in=_ACTIVE,
        effects=(E.SLA_REVIEW,),
        review_clock=ReviewClock.SLA,
    ),
    Action(
        "M13",
        "M13",
        "Start a service level change",
        "发起服务级别变更",
        (R.SLM,),
        M13Form,
        (Branch("start", "start C", "进入C", opens=("C1",), status=S.CHANGING),),
        outputs=(D.CHANGE_REQUEST,),
        standing_in=_ACTIVE,
        command="change",
    ),
    Action(
        "M13.withdraw",
        "M13",
        "Withdraw the change",
        "撤回服务级别变更",
        (R.SLM,),
        WithdrawForm,
        _BACK_IN_SERVICE,
        outputs=(D.WITHDRAWAL,),
        standing_in=frozenset({S.CHANGING}),
        closes=("C1", "C2", "C3", "C4"),
        only_while=("C1", "C2", "C3"),
        effects=(E.WITHDRAW_CHANGE_DRAFT,),
    ),
    Action(
        "M14",
        "M14",
        "Start the termination",
        "发起服务级别协议终止",
        (R.SLM,),
        M14Form,
        (Branch("start", "start T", "进入T", opens=("T1",), status=S.TERMINATING),),
        outputs=(D.TERMINATION_REQUEST,),
        standing_in=_ACTIVE,
        command="terminate",
    ),
    Action(
        "M14.withdraw",
        "M14",
        "Withdraw the termination",
        "撤回服务级别协议终止",
        (R.SLM,),
        WithdrawForm,
        _BACK_IN_SERVICE,
        outputs=(D.WITHDRAWAL,),
        standing_in=frozenset({S.TERMINATING}),
        closes=("T1", "T2", "T2.deem"),
        only_while=("T1", "T2", "T2.deem"),
    ),
    Action(
        "C1",
        "C1",
        "Update the catalogue",
        "更新服务目录",
        (R.SLM,),
        C1Form,
        _next("C2"),
        outputs=(D.CATALOGUE,),
    ),
    Action(
        "C2",
        "C2",
        "Draft the additional SLA",
        "拟定附加服务级别协议",
        (R.SALES, R.SLM),
        C2Form,
        (Branch("done", "done", "完成", opens=("C3",), version=VersionEffect.DRAFT),),
        outputs=(D.ADDITIONAL_SLA,),
        sets_flags=("supplier_changes_needed",),
        prefill=Prefill.AGREEMENT,
        redraft_while=("C3",),
        effects=(E.CATALOGUE_DEVIATIONS, E.FEASIBILITY),
    ),
    Action(
        "C3",
        "C3",
        "Sign the additional SLA",
        "签订附加服务级别协议",
        (R.SLM,),
        C3Form,
        (
            Branch(
                "suppliers",
                "supplier contracts to change",
                "需要变更供应商合同",
                When("supplier_changes_needed"),
                opens=("C4",),
                version=VersionEffect.SIGN,
            ),
            Branch(
                "done",
                "no supplier change: C4 skipped, back in service",
                "无需变更供应商：跳过C4，恢复服务",
                skips=("C4",),
                status=S.ACTIVE,
                version=VersionEffect.SIGN,
            ),
        ),
        outputs=(D.SIGNED_CONTRACT, D.PROPOSAL, D.OLA),
        effects=(E.OLA_UPDATES,),
    ),
    Action(
        "C4",
        "C4",
        "Record the supplier contracts",
        "登记供应商合同",
        (R.SUPPLIER_MANAGER,),
        C4Form,
        (Branch("done", "back in service", "恢复服务", status=S.ACTIVE),),
        outputs=(D.SUPPLIER_CONTRACT,),
        effects=(E.SUPPLIER_CHANGES,),
    ),
    Action(
        "T1",
        "T1",
        "Notify the customer",
        "通知客户",
        (R.SALES,),
        T1Form,
        (
            Branch(
                "renewal",
                "renewal: a new version, back in service",
                "续签：新版本，恢复服务",
                When("kind", "renewal"),
                status=S.ACTIVE,
                version=VersionEffect.RENEW,
            ),
            Branch(
                "extension",
                "extension: needs an executive's approval",
                "延期：需公司高层批准",
                When("kind", "extension"),
                opens=("T1.extension",),
                status=S.EXTENSION_PENDING,
            ),
            Branch(
                "customer_notice",
                "the customer asks to stop early: the service level managers are told; "
                "wait for the customer (T2)",
                "客户提出提前终止：告知服务级别经理；等待客户确认（T2）",
                When("kind", "customer_early"),
                opens=("T2", "T2.deem"),
                status=S.TERMINATING,
                informs=(R.SLM,),
            ),
            Branch(
                "notice",
                "termination notice: wait for the customer (T2)",
                "终止通知：等待客户确认（T2）",
                opens=("T2", "T2.deem"),
                status=S.TERMINATING,
            ),
        ),
        outputs=(D.NOTICE,),
        standing_in=_ACTIVE,
        assignee=Assignee.SALES_USER,
        command="terminate",
    ),
    Action(
        "T1.extension",
        "T1",
        "Approve the extension",
        "批准延期",
        (R.EXECUTIVE,),
        T1ExtensionForm,
        (
            Branch(
                "approve",
                "approve: a new version, back in service",
                "批准：新版本，恢复服务",
                When("decision", "approve"),
                status=S.ACTIVE,
                version=VersionEffect.RENEW,
            ),
            Branch(
                "reject",
                "reject: sales sends the expiry notice",
                "驳回：销售发出到期通知",
                When("decision", "reject"),
                opens=("T1",),
                status=S.TERMINATING,
            ),
        ),
        outputs=(D.EXTENSION_APPROVAL,),
        four_eyes="T1",
        effects=(E.APPROVAL,),
        approves="T1",
        choices=decision_pair("approve", "reject", one_click=True),
    ),
    Action(
        "T1.withdraw",
        "T1",
        "Withdraw the extension request",
        "撤回延期申请",
        (R.SLM,),
        WithdrawForm,
        _BACK_IN_SERVICE,
        outputs=(D.WITHDRAWAL,),
        standing_in=frozenset({S.EXTENSION_PENDING}),
        closes=("T1.extension",),
        only_while=("T1.extension",),
    ),
    Action(
        "T2",
        "T2",
        "Record the customer's written reply",
        "登记客户书面回复",
        (R.SALES,),
        T2Form,
        (
            Branch(
                "objection",
                "the customer objects: back to T1 (the objection is recorded)",
                "客户有异议：退回T1（记录异议）",
                When("outcome", "object"),
                opens=("T1",),
            ),
            *_RELEASE,
        ),
        outputs=(D.CUSTOMER_REPLY,),
        closes=("T2.deem",),
        assignee=Assignee.SALES_USER,
    ),
    Action(
        "T2.deem",
        "T2",
        "Deem the notice confirmed",
        "视同确认",
        (),
        T2DeemedForm,
        _RELEASE,
        outputs=(D.CUSTOMER_REPLY,),
        closes=("T2",),
        system=True,
    ),
    Action(
        "T3",
        "T3",
        "Release the infrastructure",
        "释放基础架构",
        (R.SLM,),
        ReleaseForm,
        _next("T6"),
        outputs=(D.RELEASE_INFRASTRUCTURE,),
        join=("T3", "T4", "T5"),
        effects=(E.RELEASE,),
    ),
    Action(
        "T4",
        "T4",
        "Release the people",
        "释放人力资源",
        (R.SLM,),
        ReleaseForm,
        _next("T6"),
        outputs=(D.RELEASE_PEOPLE,),
        join=("T3", "T4", "T5"),
        effects=(E.RELEASE,),
    ),
    Action(
        "T5",
        "T5",
        "Release the suppliers",
        "释放供应商资源",
        (R.SLM, R.SUPPLIER_MANAGER),
        T5Form,
        _next("T6"),
        outputs=(D.RELEASE_SUPPLIER,),
        join=("T3", "T4", "T5"),
        effects=(E.RELEASE, E.RELEASE_SUPPLIER_CONTRACTS),
    ),
    Action(
        "T6",
        "T6",
        "Account for the service",
        "服务核算",
        (R.SLM, R.SUPPLIER_MANAGER),
        T6Form,
        _next("T7"),
        outputs=(D.BUDGET_ACCOUNTING,),
        effects=(E.BUDGET_VARIANCE,),
        prefill=Prefill.BUDGET,
        takes_part=(R.SUPPORT_DEPT,),
    ),
    Action(
        "T7",
        "T7",
        "Summarise and archive",
        "服务总结并归档",
        (R.SLM,),
        T7Form,
        (Branch("archive", "archived", "归档", status=S.ARCHIVED, outputs=(D.ARCHIVE,)),),
        outputs=(D.SERVICE_SUMMARY,),
        effects=(E.ARCHIVE,),
    ),
)


def _index() -> tuple[dict[str, Step], dict[str, Action]]:
    actions = {a.id: a for a in ACTIONS}
    if len(actions) != len(ACTIONS):
        raise AssertionError("duplicate action id")
    steps: dict[str, Step] = {}
    for s in STEPS:
        own = tuple(a.id for a in ACTIONS if a.step == s.id)
        steps[s.id] = Step(s.id, s.process, s.en, s.zh, s.inputs_en, s.inputs_zh, own)
    for a in ACTIONS:
        if a.step not in steps:
            raise AssertionError(f"{a.id}: unknown step {a.step}")
        for ref in (a.approves, a.four_eyes, *a.closes, *a.join, *a.redraft_while):
            if ref is not None and ref not in actions:
                raise AssertionError(f"{a.id}: names unknown action {ref}")
        for b in a.branches:
            for target in (*b.opens, *b.skips):
                if target not in actions:
                    raise AssertionError(f"{a.id}: branch {b.key} names unknown {target}")
    return steps, actions


STEP_BY_ID, ACTION_BY_ID = _index()
ORDER: dict[str, int] = {a.id: i for i, a in enumerate(ACTIONS)}

# -- actions that other layers name by their purpose -----------------------------------------
#: the action that creates an agreement
ENTRY = "M1"
#: the step whose catalogue is the company's (catalogue edits are audited under it)
CATALOGUE_STEP = "M3"
#: the initiation report: its OLAs and its budget (T6 accounts against it)
INITIATION = "M9"
#: the catalogue update of a change (its entries join the catalogue step's in documents)
CATALOGUE_UPDATE = "C1"
#: the SLA draft and the additional SLA draft (documents restate what they record)
SLA_DRAFTING = "M4"
ADDITIONAL_DRAFTING = "C2"
#: the signing of the additional SLA (its record updates the proposal)
ADDITIONAL_SIGNING = "C3"
#: the SLA review, which issues new versions of the documents a change left behind
DOCUMENT_REFRESH = "M12"
#: the withdrawal of a change, which withdraws its additional SLA draft
CHANGE_WITHDRAWAL = "M13.withdraw"
#: the handover of the agreement to another O&M service owner
HANDOVER = next(a.id for a in ACTIONS if E.HANDOVER in a.effects)
#: the approval of the initiation report
INITIATION_REVIEW = next(a.id for a in ACTIONS if a.approves == INITIATION)
#: the service accounting (its record keeps the budget variance)
ACCOUNTING = next(a.id for a in ACTIONS if E.BUDGET_VARIANCE in a.effects)
#: the notice to the customer: its record starts the deemed-confirmation clock
NOTICE = "T1"
#: the scheduler's deemed confirmation of a notice
DEEMED = next(a.id for a in ACTIONS if a.system)
#: a change of the service level, offered on expiry reminders
CHANGE = next(a.id for a in ACTIONS if a.command == "change")
#: the manager's start of a termination (an expiry nobody acted on is escalated with it)
TERMINATION = next(a.id for a in ACTIONS if a.command == "terminate" and Role.SLM in a.roles)
#: the drafts that may be redrafted until they are signed (M4 until M5, C2 until C3)
REDRAFTS: tuple[str, ...] = tuple(a.id for a in ACTIONS if a.redraft_while)
#: the standing actions a card offers (each while its status allows it), in this order
STANDING_BUTTONS: tuple[str, ...] = (
    "M11",
    "M12",
    "M13",
    NOTICE,
    TERMINATION,
    "M13.withdraw",
    "M14.withdraw",
    "T1.withdraw",
    "M1.class",
    "M8.handover",
)
#: the recurring reviews, by the clock they keep
REVIEW_ACTION: dict[ReviewClock, str] = {
    a.review_clock: a.id for a in ACTIONS if a.review_clock is not None
}
#: the step whose measurement incidents feed (M11: the periodic review of service levels)
MEASUREMENT = REVIEW_ACTION[ReviewClock.PERFORMANCE]


def _commands() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[Action]] = {}
    for a in ACTIONS:
        if a.command:
            out.setdefault(a.command, []).append(a)
    rank = {aid: i for i, aid in enumerate(STANDING_BUTTONS)}
    return {
        word: tuple(a.id for a in sorted(acts, key=lambda a: rank.get(a.id, len(rank))))
        for word, acts in out.items()
    }


#: `/sla <word> ID` -> the actions it may open, in card order
COMMANDS = _commands()


def command_action(word: str, roles: Iterable[Role] = ()) -> str | None:
    """The action `/sla <word> ID` opens for someone holding `roles`: the first one of the
    roles may take, else the first."""
    found = COMMANDS.get(word, ())
    held = set(roles)
    return next((aid for aid in found if held & set(ACTION_BY_ID[aid].roles)), None) or (
        found[0] if found else None
    )


def step(step_id: str) -> Step:
    return STEP_BY_ID[step_id]


def action(action_id: str) -> Action:
    return ACTION_BY_ID[action_id]
