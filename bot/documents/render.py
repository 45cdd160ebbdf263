"""Documents as text: Markdown from `templates/documents/<locale>/<kind>.md.j2` (Jinja2,
`StrictUndefined`: a missing value fails the render, never prints an empty string), a
standalone printable HTML page from the Markdown, and PDF through WeasyPrint when installed."""

from __future__ import annotations

import functools
import hashlib
import html
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.documents.md_html import to_html_body
from bot.flows.documents import DocKind

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "documents"
LOCALES = ("en", "zh-CN")
FORMATS = ("md", "html", "pdf")


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the system libraries it needs) is not installed."""


def norm_locale(locale: str) -> str:
    return "zh-CN" if locale.lower().startswith("zh") else "en"


def _date(value: Any, locale: str) -> str:
    if value in (None, ""):
        return "-"
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if locale == "zh-CN":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _money(value: Any) -> str:
    if value in (None, ""):
        return "-"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _pct(value: Any) -> str:
    """`99.900` -> `99.9 %`."""
    if value in (None, "", "-"):
        return "-"
    try:
        d = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(value)
    return f"{d:f} %"


def _lines(value: Any) -> list[str]:
    """A form's list or multi-line text as a list of non-empty lines."""
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if isinstance(v, dict) and "department" in v:
                out.append(f"{v['department']}: {v['text']}")
            else:
                out.append(str(v))
        return out
    return [ln.strip() for ln in str(value).splitlines() if ln.strip()]


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|") if value not in (None, "") else "-"


def _user(value: Any) -> str:
    return f"@{value}" if value else "-"


def _status(value: Any, locale: str) -> str:
    """A document or SLA version status in words."""
    from bot.flows.documents import DocStatus

    try:
        return DocStatus(str(value)).label(locale)
    except ValueError:
        return str(value)


@functools.cache
def env(locale: str) -> Environment:
    loc = norm_locale(locale)
    e = Environment(
        loader=FileSystemLoader([str(TEMPLATES / loc), str(TEMPLATES)]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    e.filters["d"] = lambda v: _date(v, loc)
    e.filters["money"] = _money
    e.filters["pct"] = _pct
    e.filters["lines"] = _lines
    e.filters["cell"] = _cell
    e.filters["user"] = _user
    e.filters["status"] = lambda v: _status(v, loc)
    return e


def template_name(kind: DocKind) -> str:
    return f"{kind.value}.md.j2"


def render_markdown(kind: DocKind, locale: str, context: dict[str, Any]) -> str:
    """The document's Markdown in one language; raises on any missing value."""
    # a kind without its own template yet (a new output) renders as a generic record
    names = [template_name(kind), "_record.md.j2"]
    text = env(locale).select_template(names).render(**context)
    return tidy(text)


def _block_start(prev: str, ln: str) -> bool:
    """A heading, or a table's first row, needs a blank line before it."""
    if not prev.strip():
        return False
    if ln.startswith("#") or prev.startswith("#"):
        return True
    return ln.startswith("|") and not prev.startswith("|")


def tidy(text: str) -> str:
    """Blank lines around headings and tables, at most one in a row, one newline at the end."""
    lines: list[str] = []
    for raw in text.splitlines():
        ln = raw.rstrip()
        if lines and _block_start(lines[-1], ln):
            lines.append("")
        if ln or (lines and lines[-1]):
            lines.append(ln)
    return "\n".join(lines).strip() + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans",
  "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; line-height: 1.5; color: #1d1c1d;
  max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 18pt; border-bottom: 2px solid #1d1c1d; padding-bottom: .2em; }
h2 { font-size: 13pt; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { border: 1px solid #bbb; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
blockquote { color: #555; border-left: 3px solid #ccc; margin-left: 0; padding-left: 1em; }
@media print { body { margin: 0; max-width: none; } }
"""


def to_html(markdown: str, *, title: str, locale: str) -> str:
    """A standalone, printable HTML page (no external resources)."""
    body = to_html_body(markdown)
    lang = "zh-CN" if norm_locale(locale) == "zh-CN" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


def pdf_available() -> str | None:
    """None when PDF output works here, else why not (shown to the user)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"PDF needs WeasyPrint and Pango ({type(exc).__name__}: {exc})"
    return None


def to_pdf(page: str) -> bytes:
    """The HTML page as PDF (WeasyPrint; Chinese needs a CJK font such as fonts-noto-cjk)."""
    why = pdf_available()
    if why is not None:
        raise PdfUnavailable(why)
    import weasyprint

    pdf = weasyprint.HTML(string=page).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
