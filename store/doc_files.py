"""Issued documents as files: the Markdown exactly as issued, or a standalone HTML page or a
PDF made from it (with the document's current status above the text)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.documents.render import norm_locale, to_html, to_pdf
from bot.flows.documents import DocKind
from store.db import Database
from store.doc_queries import DocRow, document_text

MIME = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
_STATUS = {"en": "Status", "zh-CN": "状态"}
_HASH = {"en": "SHA-256 of the issued text", "zh-CN": "签发文本的SHA-256"}
_BUNDLE = {
    "en": "archive of every document (zip, with index)",
    "zh-CN": "全部文档归档（zip，含索引）",
}


@dataclass(frozen=True)
class DocFile:
    name: str
    mime: str
    content: bytes


def render_file(db: Database, doc: DocRow, locale: str, fmt: str) -> DocFile:
    """`fmt` is md, html or pdf; PdfUnavailable when PDF support is missing here."""
    loc = norm_locale(locale)
    text = document_text(db, doc, loc)
    name = doc.filename(loc, fmt)
    if fmt == "md":
        return DocFile(name, MIME[fmt], text.body.encode("utf-8"))
    banner = (
        f"> {_STATUS[loc]}: **{doc.status.label(loc)}** · {doc.number} · "
        f"{_HASH[loc]}: `{text.sha256[:16]}…`\n\n"
    )
    page = to_html(banner + text.body, title=f"{doc.number} {doc.name(loc)}", locale=loc)
    if fmt == "html":
        return DocFile(name, MIME[fmt], page.encode("utf-8"))
    return DocFile(name, MIME[fmt], to_pdf(page))


def slack_uploads(db: Database, ids: list[int], locale: str) -> list[dict[str, object]]:
    """The `file_uploads` of slack_sdk's files_upload_v2 for documents a step issued: the
    Markdown as issued, in the workspace's language."""
    from store.doc_queries import documents_by_id

    out: list[dict[str, object]] = []
    for doc in documents_by_id(db, ids):
        f = render_file(db, doc, locale, "md")
        title = f"{doc.number} · {doc.name(locale)}"
        out.append({"content": f.content, "filename": f.name, "title": title})
        if doc.kind is DocKind.SERVICE_REPORT:
            out += _trend_chart(db, doc, locale)
    return out


def bundle_upload(db: Database, agreement_id: str, locale: str) -> dict[str, object]:
    """T7's archive as one upload (files_upload_v2's `file_uploads` item)."""
    name, data = bundle(db, agreement_id)
    title = f"{agreement_id} · {_BUNDLE[norm_locale(locale)]}"
    return {"content": data, "filename": name, "title": title}


def _trend_chart(db: Database, doc: DocRow, locale: str) -> list[dict[str, object]]:
    """M11's service report comes with its trend chart (a PNG) when it has measured figures."""
    from bot.documents.chart import trend_png
    from bot.i18n import t
    from store.models import Document

    with db.read() as s:
        row = s.get(Document, doc.id)
        trend = ((row.data if row else {}).get("measured") or {}).get("trend") or []
    if not trend:
        return []
    title = str(t("chart_title", locale, agreement=doc.agreement_id))
    png = trend_png(trend, title=title, target_label=str(t("chart_target", locale)))
    name = doc.number.replace("/", "_") + ".trend.png"
    return [{"content": png, "filename": name, "title": f"{doc.number} · {title}"}]


def bundle(db: Database, agreement_id: str) -> tuple[str, bytes]:
    """Every document of an agreement, as issued in every language, in one zip with an index
    (`index.md`: number, name, status, date and SHA-256 of each file) - T7's archive."""
    import io
    import zipfile

    from bot.documents.render import LOCALES
    from store.doc_queries import list_documents

    rows = list_documents(db, agreement_id)
    aid = agreement_id.strip().upper()
    lines = [
        f"# {aid}: documents",
        "",
        "| Document | Name | Status | Issued | File | SHA-256 |",
        "|---|---|---|---|---|---|",
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for doc in rows:
            for loc in LOCALES:
                text = document_text(db, doc, loc)
                name = doc.filename(loc, "md")
                info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
                z.writestr(info, text.body.encode("utf-8"), zipfile.ZIP_DEFLATED)
                issued = doc.issued_on.isoformat() if doc.issued_on else "-"
                lines.append(
                    f"| {doc.number} | {doc.name(loc)} | {doc.status.label(loc)} | {issued} "
                    f"| {name} | {text.sha256} |"
                )
        info = zipfile.ZipInfo("index.md", date_time=(2000, 1, 1, 0, 0, 0))
        z.writestr(info, ("\n".join(lines) + "\n").encode("utf-8"), zipfile.ZIP_DEFLATED)
    return f"{aid}_documents.zip", buf.getvalue()
