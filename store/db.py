"""Engines and transactions: SQLite by default (a file, WAL mode), PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from store.zone import service_country

DEFAULT_DATABASE_URL = "sqlite:///slm-bot.db"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: the time zone when none is configured (Settings.timezone's default)
DEFAULT_TZ = "Asia/Shanghai"


class Database:
    """One database: a write engine (serialised on SQLite) and a read engine."""

    def __init__(
        self,
        url: str = DEFAULT_DATABASE_URL,
        *,
        echo: bool = False,
        timezone: str = DEFAULT_TZ,
        country: str | None = None,
    ) -> None:
        self.url = normalise_url(url)
        #: the company's time zone (SLM_TIMEZONE): the calendar day documents are dated with;
        #: every session carries it in `session.info["timezone"]`
        self.timezone = timezone
        #: the country whose public holidays the service calendars keep (SLM_COUNTRY); every
        #: session carries it in `session.info["country"]`
        self.country = (country or "").strip().upper() or service_country()
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        if self.is_sqlite:
            db = parsed.database or ""
            if db and db != ":memory:" and not db.startswith("file:"):
                Path(db).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            self.engine = self._sqlite_engine(immediate=True, echo=echo)
            self.read_engine = self._sqlite_engine(immediate=False, echo=echo)
        else:
            self.engine = create_engine(
                self.url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20
            )
            # Reads run in autocommit: under READ COMMITTED each statement sees its own
            # snapshot inside a transaction too, so BEGIN and ROLLBACK would only add two
            # round trips to every read (a `/sla show` runs nine statements).
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def _sqlite_engine(self, *, immediate: bool, echo: bool) -> Engine:
        eng = create_engine(
            self.url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn: Any) -> None:
            # Writers take the write lock up front: no SQLITE_BUSY on lock upgrade, and a
            # second writer waits and then reads the first one's result.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return eng

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction for one use case: commits on success, rolls back on any error."""
        info = {"timezone": self.timezone, "country": self.country}
        with Session(self.engine, expire_on_commit=False, info=info) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        info = {"timezone": self.timezone, "country": self.country}
        with (
            Session(self.read_engine, expire_on_commit=False, info=info) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read_conn(self) -> Iterator[Connection]:
        """A plain connection in one read transaction (cheaper than a Session: hot reads)."""
        with self.read_engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine.pool is not self.engine.pool:  # SQLite's own read engine
            self.read_engine.dispose()

    def ping(self) -> bool:
        try:
            with self.read_engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:  # any driver error means "not reachable"
            return False


def on_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run `fn` once `session`'s transaction has committed (never when it rolls back): what
    counts a change (a metric) counts only changes that happened."""
    event.listen(session, "after_commit", lambda _s: fn(), once=True)
