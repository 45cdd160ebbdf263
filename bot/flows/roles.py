"""Roles of the SLM process (process.md, "Roles") and their display names."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role a person may hold; a person may hold several."""

    SALES = "sales"
    SLM = "slm"
    OPS_LEAD = "ops_lead"
    SUPPLIER_MANAGER = "supplier_manager"
    CONTRACTS = "contracts"
    EXECUTIVE = "executive"
    SUPPORT_DEPT = "support_dept"
    ADMIN = "admin"

    @property
    def name_en(self) -> str:
        return ROLE_NAMES[self][0]

    @property
    def name_zh(self) -> str:
        return ROLE_NAMES[self][1]

    def label(self, locale: str) -> str:
        return self.name_zh if locale.lower().startswith("zh") else self.name_en


ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.SALES: ("Sales", "销售人员"),
    Role.SLM: ("Service level manager", "服务级别经理"),
    Role.OPS_LEAD: ("Operations lead", "运维服务负责人"),
    Role.SUPPLIER_MANAGER: ("Supplier manager", "供应商经理"),
    Role.CONTRACTS: ("Business management (contracts)", "经营管理部"),
    Role.EXECUTIVE: ("Executive", "公司高层"),
    Role.SUPPORT_DEPT: ("Support department", "支持部门"),
    Role.ADMIN: ("Administrator", "管理员"),
}


def parse_role(text: str) -> Role:
    """Parse a role id, tolerating case, dashes and spaces (`ops-lead`, `Ops Lead`)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "supplier": Role.SUPPLIER_MANAGER,
        "ops": Role.OPS_LEAD,
        "exec": Role.EXECUTIVE,
        "support": Role.SUPPORT_DEPT,
    }
    if key in aliases:
        return aliases[key]
    try:
        return Role(key)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {text!r}; known roles: {known}") from None
