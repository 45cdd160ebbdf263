"""`/sla doc ID [kind] [vN]`: an agreement's documents, or one of them, as an ephemeral reply.

Without a kind the reply lists the documents (number, version, status); with one it shows that
document's issued text in the workspace's language (the latest version unless `vN` names one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.blocks.kit import MAX_MESSAGE_BLOCKS, Block, context, escape, section
from bot.flows.documents import DocKind, parse_kind
from bot.i18n import t
from store.db import Database
from store.doc_queries import DocRow, DocText, document_text, list_documents, select_documents

CHUNK = 2800  # characters of document text per section (Slack allows 3000)
_VERSION = re.compile(r"^v(\d{1,4})$", re.I)


class DocArgsError(ValueError):
    """`/sla doc` arguments that name no kind or version (the message is the i18n key)."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(key)
        self.key, self.value = key, value


@dataclass(frozen=True)
class DocRequest:
    kind: DocKind | None
    version: int | None


def parse_doc_args(args: list[str]) -> DocRequest:
    """`[kind] [vN]` in either order."""
    kind: DocKind | None = None
    version: int | None = None
    for a in args:
        m = _VERSION.match(a)
        if m:
            version = int(m[1])
            continue
        k = parse_kind(a)
        if k is None:
            raise DocArgsError("doc_unknown_kind", a)
        kind = k
    return DocRequest(kind, version)


def load(db: Database, agreement_id: str, req: DocRequest, locale: str) -> list[DocText]:
    """The texts of the kind (the SLA without one) and version the reply shows; NotFound
    for an unknown agreement, DocArgsError for a kind or version it does not have."""
    rows = list_documents(db, agreement_id)
    kind = req.kind or DocKind.SLA
    if not any(r.kind is kind for r in rows):
        raise DocArgsError("doc_no_kind", kind.label(locale))
    if req.version is not None and not any(
        r.kind is kind and r.version == req.version for r in rows
    ):
        raise DocArgsError("doc_no_version", f"v{req.version}")
    return [document_text(db, d, locale) for d in select_documents(rows, kind, req.version)]


def list_blocks(rows: list[DocRow], agreement_id: str, locale: str) -> tuple[str, list[Block]]:
    if not rows:
        text = t("doc_none", locale, id=agreement_id)
        return text, [section(text)]
    title = t("doc_list_title", locale, id=agreement_id, count=len(rows))
    lines = [line(r, locale) for r in rows]
    blocks: list[Block] = [section(f"*{title}*")]
    for i in range(0, len(lines), 20):
        blocks.append(section("\n".join(lines[i : i + 20])))
    blocks.append(context(t("doc_hint", locale, id=agreement_id)))
    return title, blocks[:MAX_MESSAGE_BLOCKS]


def line(r: DocRow, locale: str) -> str:
    return t(
        "doc_line",
        locale,
        number=r.number,
        name=escape(r.name(locale)),
        version=r.version,
        status=r.status.label(locale),
        issued=r.issued_on.isoformat() if r.issued_on else "-",
    )


def text_blocks(texts: list[DocText], locale: str) -> tuple[str, list[Block]]:
    """Each document: its line (number, status), then its text as issued, preformatted."""
    blocks: list[Block] = []
    for tx in texts:
        blocks.append(section(f"*{line(tx.doc, locale)}*"))
        body = escape(tx.body)
        for i in range(0, len(body), CHUNK):
            blocks.append(section(f"```{body[i : i + CHUNK]}```"))
        blocks.append(context(t("doc_formats", locale, sha=tx.sha256[:16], number=tx.doc.number)))
    title = ", ".join(tx.doc.number for tx in texts)
    return title, blocks[:MAX_MESSAGE_BLOCKS]
