"""Everything a user reads exists in English and Simplified Chinese."""

from __future__ import annotations

import re

from jinja2 import meta

from bot.i18n import LOCALES, _env, catalogue, t

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_key_exists_in_both_languages() -> None:
    en, zh = set(catalogue("en")), set(catalogue("zh-CN"))
    assert en == zh, f"only in en: {sorted(en - zh)}; only in zh-CN: {sorted(zh - en)}"


def test_templates_use_the_same_variables_in_both_languages() -> None:
    for key in catalogue("en"):
        names = []
        for loc in LOCALES:
            ast = _env().parse(catalogue(loc)[key])
            names.append(meta.find_undeclared_variables(ast))
        assert names[0] == names[1], f"{key}: {names}"


def test_chinese_is_chinese_and_english_is_english() -> None:
    for key, text in catalogue("en").items():
        assert not CJK.search(text), f"en {key} has Chinese text"
    neutral = 0
    for key, text in catalogue("zh-CN").items():
        stripped = re.sub(r"\{[{%].*?[%}]\}", "", text)
        if not CJK.search(stripped):
            neutral += 1
            assert not re.search(r"[a-z]{4,}", re.sub(r"`[^`]*`|\*[^*]*\*", "", stripped)), (
                f"zh-CN {key} looks untranslated: {text!r}"
            )
    assert neutral < 20


def test_missing_values_are_errors_not_blanks() -> None:
    import pytest
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        t("done_action", "en", step="M2")
    assert t("done_action", "zh-CN", step="M2", agreement="SLA-1", next="M3").startswith("已完成")
