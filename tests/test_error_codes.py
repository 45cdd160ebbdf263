"""Domain errors carry a code and parameters; each surface words them in the reader's language."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.flows.errors import (
    CODES,
    AlreadyDone,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from bot.flows.roles import Role
from bot.i18n import LOCALES, catalogue
from bot.render.errors import cli_error_text, error_text

ROOT = Path(__file__).resolve().parent.parent
_CJK = range(0x4E00, 0xA000)
ERRORS = {"DomainError", "InvalidTransition", "NotFound", "StaleVersion", "PermissionDenied"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_has_its_words_on_every_surface(locale: str) -> None:
    words = catalogue(locale)
    for code in CODES:
        if code != "form_invalid":
            assert f"cli_err_{code}" in words, (code, locale)
    slack = CODES - {"permission_denied", "already_done", "process_running", "agreement_closed"}
    for code in slack:
        assert f"err_{code}" in words, (code, locale)


def _samples() -> list[DomainError]:
    at = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)
    return [
        InvalidTransition(code="not_open", action="M4", step="M2", status="onboarding"),
        InvalidTransition(code="only_while", action="T1.withdraw", open=("T1.extension",)),
        InvalidTransition(code="unknown_action", action="M99"),
        InvalidTransition(
            code="reply_window",
            agreement="SLA-2026-0001",
            deadline="2026-03-09",
            reply_days=5,
            notice_on="2026-03-02",
        ),
        NotFound(code="no_agreement", agreement="SLA-2099-0001"),
        StaleVersion(code="moved_on", agreement="SLA-2026-0001", step="M5", status="onboarding"),
        PermissionDenied("M9.review", (Role.SLM,)),
        PermissionDenied(
            "M9.review", (Role.SLM,), reason="four_eyes", author_of="M9", roles=(Role.SLM,)
        ),
        PermissionDenied("role assignment", (Role.ADMIN,), reason="admin_only"),
        AlreadyDone("M3", "U_SLM", at),
    ]


@pytest.mark.parametrize("exc", _samples(), ids=lambda e: e.code)
def test_zh_cn_reads_chinese_and_english_reads_the_log_words(exc: DomainError) -> None:
    for render in (error_text, cli_error_text):
        zh = render(exc, "zh-CN")
        assert any(ord(ch) in _CJK for ch in zh), zh
        assert "{{" not in zh and "None" not in zh
        en = render(exc, "en")
        assert en and not any(ord(ch) in _CJK for ch in en)
    # the English words for people and the log text agree on what matters
    assert str(exc).split(":")[0].split(" ")[0] in cli_error_text(exc, "en") + str(exc)


def test_the_cli_keeps_the_ids_an_operator_types() -> None:
    exc = InvalidTransition(code="not_open", action="M4", step="M2", status="onboarding")
    assert str(exc) == "M4 is not open: the agreement is at M2 · Requirement assessment"
    assert cli_error_text(exc, "en") == str(exc)
    assert "M2 · 服务需求评估" in cli_error_text(exc, "zh-CN")
    assert "M4 · " in error_text(exc, "en") and "M4 · " in error_text(exc, "zh-CN")


def test_no_domain_error_is_raised_with_a_sentence() -> None:
    """Raise sites give a code and parameters, never a finished (English) sentence."""
    found = []
    for top in ("bot", "store"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.name == "errors.py" and path.parent.name == "flows":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in ERRORS - {"PermissionDenied"}
                    and node.args
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "PermissionDenied"
                    and any(k.arg == "detail" for k in node.keywords)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
