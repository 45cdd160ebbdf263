"""The part of a thread reply that shows what a redraft changed (M4 again before M5 signs,
C2 again before C3): the two drafts' numbers, a field-by-field table (old → new, labels in the
reader's language) and a compact unified diff of the rendered text."""

from __future__ import annotations

from bot.blocks.kit import Block, context, section
from bot.flows.process import ACTION_BY_ID
from bot.flows.redraft import text_diff
from bot.i18n import escape, t, truncate
from bot.render.redraft import change_rows
from store.redraft import Comparison

#: room for the diff inside one section (Slack's limit is 3000 characters)
_DIFF_CHARS = 2800


def redraft_blocks(c: Comparison, locale: str) -> list[Block]:
    """Blocks appended to the redraft's event reply."""
    step = ACTION_BY_ID[c.action].step
    head = t("redraft_title", locale, step=step, new=c.new_number or "-", old=c.old_number or "-")
    rows = change_rows(c.action, c.old_data, c.new_data, locale)
    lines = [
        t("redraft_row", locale, field=r.label, old=truncate(r.old, 300), new=truncate(r.new, 300))
        for r in rows
    ] or [t("redraft_no_fields", locale)]
    blocks: list[Block] = [section("\n".join([f"*{head}*", *lines]))]
    diff = text_diff(c.old_text, c.new_text)
    if diff:
        body = truncate(escape("\n".join(diff)), _DIFF_CHARS)
        blocks.append(context(t("redraft_diff", locale, old=c.old_number, new=c.new_number)))
        blocks.append(section(f"```{body}```"))
    return blocks
