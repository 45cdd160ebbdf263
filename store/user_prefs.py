"""Each person's own settings; today their language, chosen on App Home (audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.i18n import LOCALES
from store.db import Database
from store.models import AuditEvent, UserPreference, table_of

_PREF = table_of(UserPreference)


def chosen_locale(db: Database, user_id: str) -> str | None:
    """The language this person chose on App Home, if any."""
    with db.read_conn() as conn:
        value = conn.execute(
            select(_PREF.c.locale).where(_PREF.c.user_id == user_id)
        ).scalar_one_or_none()
    return str(value) if value else None


def choose_locale(db: Database, user_id: str, locale: str | None, *, now: datetime) -> bool:
    """Store (or, with None, forget: back to Slack's setting) this person's language, with its
    audit event, in one transaction. False when nothing changed."""
    if locale is not None and locale not in LOCALES:
        raise ValueError(f"unknown language {locale!r}; known: {', '.join(LOCALES)}")
    with db.write() as s:
        conn = s.connection()
        before = conn.execute(
            select(_PREF.c.locale).where(_PREF.c.user_id == user_id)
        ).scalar_one_or_none()
        if before == locale:
            return False
        conn.execute(delete(_PREF).where(_PREF.c.user_id == user_id))
        if locale is not None:
            conn.execute(_PREF.insert(), {"user_id": user_id, "locale": locale, "updated_at": now})
        s.add(
            AuditEvent(
                actor=user_id,
                at=now,
                action="user.locale",
                data={"locale": locale or "slack"},
                before={"locale": before},
                after={"locale": locale},
            )
        )
    return True
