"""The actions of an agreement in service (M11-M14): reviews, changes asked for, handovers."""

from __future__ import annotations

from bot.flows.behaviour import Effect as E
from bot.flows.behaviour import Prefill, ReviewClock
from bot.flows.documents import DocKind as D
from bot.flows.operation_forms import (
    M11Form,
    M12Form,
    M13Form,
    M14Form,
    WithdrawForm,
)
from bot.flows.process_model import (
    ACTIVE_ONLY,
    BACK_IN_SERVICE,
    Action,
    Branch,
    Status,
    When,
)
from bot.flows.roles import Role

S = Status
R = Role

RUNNING: tuple[Action, ...] = (
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
        standing_in=ACTIVE_ONLY,
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
        standing_in=ACTIVE_ONLY,
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
        standing_in=ACTIVE_ONLY,
        command="change",
    ),
    Action(
        "M13.withdraw",
        "M13",
        "Withdraw the change",
        "撤回服务级别变更",
        (R.SLM,),
        WithdrawForm,
        BACK_IN_SERVICE,
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
        standing_in=ACTIVE_ONLY,
        command="terminate",
    ),
    Action(
        "M14.withdraw",
        "M14",
        "Withdraw the termination",
        "撤回服务级别协议终止",
        (R.SLM,),
        WithdrawForm,
        BACK_IN_SERVICE,
        outputs=(D.WITHDRAWAL,),
        standing_in=frozenset({S.TERMINATING}),
        closes=("T1", "T2", "T2.deem"),
        only_while=("T1", "T2", "T2.deem"),
    ),
)
