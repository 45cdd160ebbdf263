"""The change actions (C1-C4): catalogue update, additional SLA, supplier changes."""

from __future__ import annotations

from bot.flows.behaviour import Effect as E
from bot.flows.behaviour import Prefill
from bot.flows.change_forms import C1Form, C2Form, C3Form, C4Form
from bot.flows.documents import DocKind as D
from bot.flows.process_model import (
    Action,
    Branch,
    Status,
    VersionEffect,
    When,
    done_then,
)
from bot.flows.roles import Role

S = Status
R = Role

CHANGING: tuple[Action, ...] = (
    Action(
        "C1",
        "C1",
        "Update the catalogue",
        "更新服务目录",
        (R.SLM,),
        C1Form,
        done_then("C2"),
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
)
