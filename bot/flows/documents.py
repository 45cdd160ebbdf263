"""The documents the process produces (process.md, "The documents the process produces")."""

from __future__ import annotations

from enum import StrEnum


class DocKind(StrEnum):
    REQUIREMENT_DRAFT = "requirement_draft"
    REQUIREMENT_FINAL = "requirement_final"
    REJECTION = "rejection"
    CATALOGUE = "catalogue"
    SLA = "sla"
    SIGNED_CONTRACT = "signed_contract"
    SUPPLIER_CONTRACT = "supplier_contract"
    CLAUSE_BREAKDOWN = "clause_breakdown"
    PROPOSAL = "proposal"
    INITIATION_REPORT = "initiation_report"
    OLA = "ola"
    APPROVAL = "approval"
    DELIVERY = "delivery"
    SERVICE_REPORT = "service_report"
    REVIEW_RECORD = "review_record"
    NONCONFORMITY_REPORT = "nonconformity_report"
    IMPROVEMENT_PLAN = "improvement_plan"
    SLA_REVIEW = "sla_review"
    CHANGE_REQUEST = "change_request"
    ADDITIONAL_SLA = "additional_sla"
    TERMINATION_REQUEST = "termination_request"
    NOTICE = "notice"
    EXTENSION_APPROVAL = "extension_approval"
    CUSTOMER_REPLY = "customer_reply"
    RELEASE_INFRASTRUCTURE = "release_infrastructure"
    RELEASE_PEOPLE = "release_people"
    RELEASE_SUPPLIER = "release_supplier"
    BUDGET_ACCOUNTING = "budget_accounting"
    SERVICE_SUMMARY = "service_summary"
    ARCHIVE = "archive"
    PROJECT_CLASS = "project_class"
    WITHDRAWAL = "withdrawal"
    HANDOVER = "handover"

    @property
    def name_en(self) -> str:
        return DOC_NAMES[self][0]

    @property
    def name_zh(self) -> str:
        return DOC_NAMES[self][1]

    def label(self, locale: str) -> str:
        return self.name_zh if locale.lower().startswith("zh") else self.name_en


DOC_NAMES: dict[DocKind, tuple[str, str]] = {
    DocKind.REQUIREMENT_DRAFT: (
        "Service requirement specification (draft)",
        "服务需求说明书（初稿）",
    ),
    DocKind.PROJECT_CLASS: ("Project class decision", "项目类别决定"),
    DocKind.WITHDRAWAL: ("Withdrawal record", "撤回记录"),
    DocKind.HANDOVER: ("Owner handover record", "负责人变更记录"),
    DocKind.REQUIREMENT_FINAL: ("Service requirement specification", "服务需求说明书"),
    DocKind.REJECTION: ("Recorded rejection", "不承接记录"),
    DocKind.CATALOGUE: ("Service catalogue", "服务目录"),
    DocKind.SLA: ("Service level agreement (draft)", "服务级别协议（草案）"),
    DocKind.SIGNED_CONTRACT: ("Signed contract (SLA attached)", "签订的合同（附服务级别协议）"),
    DocKind.SUPPLIER_CONTRACT: ("Supplier (underpinning) contract", "供应商合同"),
    DocKind.CLAUSE_BREAKDOWN: ("Breakdown of technical clauses", "合同技术条款分解"),
    DocKind.PROPOSAL: ("O&M project proposal", "运维项目建议书"),
    DocKind.INITIATION_REPORT: ("Project initiation report", "运维项目立项报告"),
    DocKind.OLA: ("Operational level agreement (OLA)", "OLA"),
    DocKind.APPROVAL: ("Initiation approval", "立项审批"),
    DocKind.DELIVERY: ("Service delivery record", "运维服务的执行和交付"),
    DocKind.SERVICE_REPORT: ("Service report", "服务报告"),
    DocKind.REVIEW_RECORD: ("Review record", "回顾记录"),
    DocKind.NONCONFORMITY_REPORT: ("Nonconformity report", "不合格报告"),
    DocKind.IMPROVEMENT_PLAN: ("Service improvement plan", "服务改进计划"),
    DocKind.SLA_REVIEW: ("SLA review (updated documents)", "服务级别协议回顾（已更新文档）"),
    DocKind.CHANGE_REQUEST: ("Service level change request", "服务级别变更申请"),
    DocKind.ADDITIONAL_SLA: ("Additional SLA", "附加服务级别协议"),
    DocKind.TERMINATION_REQUEST: ("SLA termination decision", "服务级别协议终止决定"),
    DocKind.NOTICE: ("Notice to the customer", "通知书"),
    DocKind.EXTENSION_APPROVAL: ("Extension approval", "延期审批"),
    DocKind.CUSTOMER_REPLY: ("Customer written reply", "客户书面回复"),
    DocKind.RELEASE_INFRASTRUCTURE: ("Release list: infrastructure", "释放清单：基础架构"),
    DocKind.RELEASE_PEOPLE: ("Release list: people", "释放清单：人力资源"),
    DocKind.RELEASE_SUPPLIER: ("Release list: suppliers", "释放清单：供应商"),
    DocKind.BUDGET_ACCOUNTING: ("Budget accounting", "预算核算"),
    DocKind.SERVICE_SUMMARY: (
        "Service summary: nonconformities, corrective and preventive actions",
        "不符合和纠正预防措施",
    ),
    DocKind.ARCHIVE: (
        "Archive (SLA, proposal, OLAs, supplier contracts)",
        "归档（服务级别协议、运维项目建议书、OLA、支持合同）",
    ),
}


class DocStatus(StrEnum):
    """Where an issued document stands (its content never changes; its status does)."""

    DRAFT = "draft"
    IN_EFFECT = "in_effect"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"

    def label(self, locale: str) -> str:
        en, zh = DOC_STATUS_NAMES[self]
        return zh if locale.lower().startswith("zh") else en


DOC_STATUS_NAMES: dict[DocStatus, tuple[str, str]] = {
    DocStatus.DRAFT: ("draft", "草案"),
    DocStatus.IN_EFFECT: ("in effect", "生效"),
    DocStatus.SUPERSEDED: ("superseded", "已被取代"),
    DocStatus.WITHDRAWN: ("withdrawn", "已撤回"),
    DocStatus.ARCHIVED: ("archived", "已归档"),
}

#: the short code in a document's number (`SLA-2026-0005/SLA/v2`)
DOC_CODES: dict[DocKind, str] = {
    DocKind.REQUIREMENT_DRAFT: "REQ-D",
    DocKind.REQUIREMENT_FINAL: "REQ",
    DocKind.REJECTION: "REJ",
    DocKind.CATALOGUE: "CAT",
    DocKind.SLA: "SLA",
    DocKind.SIGNED_CONTRACT: "CON",
    DocKind.SUPPLIER_CONTRACT: "SUP",
    DocKind.CLAUSE_BREAKDOWN: "CLB",
    DocKind.PROPOSAL: "PRO",
    DocKind.INITIATION_REPORT: "INI",
    DocKind.OLA: "OLA",
    DocKind.APPROVAL: "APR",
    DocKind.DELIVERY: "DEL",
    DocKind.SERVICE_REPORT: "SR",
    DocKind.REVIEW_RECORD: "RR",
    DocKind.NONCONFORMITY_REPORT: "NCR",
    DocKind.IMPROVEMENT_PLAN: "SIP",
    DocKind.SLA_REVIEW: "SLR",
    DocKind.CHANGE_REQUEST: "CHG",
    DocKind.ADDITIONAL_SLA: "ASLA",
    DocKind.TERMINATION_REQUEST: "TRM",
    DocKind.NOTICE: "NOT",
    DocKind.EXTENSION_APPROVAL: "EXT",
    DocKind.CUSTOMER_REPLY: "REP",
    DocKind.RELEASE_INFRASTRUCTURE: "REL-I",
    DocKind.RELEASE_PEOPLE: "REL-P",
    DocKind.RELEASE_SUPPLIER: "REL-S",
    DocKind.BUDGET_ACCOUNTING: "BUD",
    DocKind.SERVICE_SUMMARY: "SUM",
    DocKind.ARCHIVE: "ARC",
    DocKind.PROJECT_CLASS: "CLS",
    DocKind.WITHDRAWAL: "WDR",
    DocKind.HANDOVER: "HND",
}

#: kinds issued as drafts: a redraft withdraws the previous draft, signing puts it in effect
DRAFT_KINDS: frozenset[DocKind] = frozenset(
    {DocKind.REQUIREMENT_DRAFT, DocKind.SLA, DocKind.ADDITIONAL_SLA}
)

#: records of one occurrence (a review, a notice): a later one does not supersede them
RECORD_KINDS: frozenset[DocKind] = frozenset(
    {
        DocKind.REJECTION,
        DocKind.APPROVAL,
        DocKind.DELIVERY,
        DocKind.SERVICE_REPORT,
        DocKind.REVIEW_RECORD,
        DocKind.NONCONFORMITY_REPORT,
        DocKind.IMPROVEMENT_PLAN,
        DocKind.SLA_REVIEW,
        DocKind.CHANGE_REQUEST,
        DocKind.TERMINATION_REQUEST,
        DocKind.NOTICE,
        DocKind.EXTENSION_APPROVAL,
        DocKind.CUSTOMER_REPLY,
        DocKind.PROJECT_CLASS,
        DocKind.WITHDRAWAL,
        DocKind.HANDOVER,
    }
)

#: issuing a kind supersedes these other kinds too (M2's final specification replaces M1's draft)
SUPERSEDES: dict[DocKind, tuple[DocKind, ...]] = {
    DocKind.REQUIREMENT_FINAL: (DocKind.REQUIREMENT_DRAFT,),
}

#: signing puts the latest draft of these kinds in effect, under this title
SIGNED_NAMES: dict[DocKind, tuple[str, str]] = {
    DocKind.SLA: ("Service level agreement", "服务级别协议"),
    DocKind.ADDITIONAL_SLA: ("Additional SLA (signed)", "附加服务级别协议（已签订）"),
}


def signed(kind: DocKind, status: DocStatus, title: str = "") -> bool:
    """Whether a document of a drafted kind (SLA, additional SLA) was signed: in effect or
    superseded, or archived under the title signing gave it."""
    names = SIGNED_NAMES.get(kind)
    if names is None:
        return False
    if status in (DocStatus.IN_EFFECT, DocStatus.SUPERSEDED):
        return True
    return status is DocStatus.ARCHIVED and title.startswith(f"{names[0]} ·")


def doc_name(kind: DocKind, status: DocStatus, locale: str, title: str = "") -> str:
    """A document's name as its status reads: the signed SLA is "Service level agreement";
    the draft label is for drafts (and drafts withdrawn by a redraft) only."""
    if signed(kind, status, title):
        en, zh = SIGNED_NAMES[kind]
        return zh if locale.lower().startswith("zh") else en
    return kind.label(locale)


def doc_label(
    kind: DocKind, status: DocStatus, locale: str, title: str = "", subject: str = ""
) -> str:
    """The name with what the document is about, if it is one of several ("OLA: DBA",
    "OLA：DBA" with Chinese's full-width colon)."""
    name = doc_name(kind, status, locale, title)
    if not subject:
        return name
    return f"{name}{'：' if locale.lower().startswith('zh') else ': '}{subject}"


def doc_number(agreement_id: str, kind: DocKind, version: int, subject_no: int = 0) -> str:
    """`SLA-2026-0005/SLA/v2`; a per-department or per-contract document adds its ordinal
    (`SLA-2026-0005/OLA-2/v1`)."""
    base = DOC_CODES.get(kind, kind.value.upper())
    code = base if not subject_no else f"{base}-{subject_no}"
    return f"{agreement_id}/{code}/v{version}"


def initial_status(kind: DocKind) -> DocStatus:
    return DocStatus.DRAFT if kind in DRAFT_KINDS else DocStatus.IN_EFFECT


def replaced_status(old: DocStatus) -> DocStatus:
    """What an earlier version becomes when a new one of its kind is issued."""
    return DocStatus.WITHDRAWN if old is DocStatus.DRAFT else DocStatus.SUPERSEDED


def parse_kind(text: str) -> DocKind | None:
    """A kind by value (`sla`), code (`SLA`, `ola`) or None."""
    t = text.strip()
    for k in DocKind:
        if t.lower() in (k.value, DOC_CODES[k].lower()):
            return k
    return None
