"""Storage: SQLAlchemy engines for SQLite (WAL, default) or PostgreSQL (``DATABASE_URL``).

SQLite has one writer at a time. Write transactions start with ``BEGIN IMMEDIATE`` so two
gunicorn workers never deadlock upgrading a read lock; they wait (busy_timeout) instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateColumn

from . import notify_models  # noqa: F401  (registers the notification tables)
from .models import Base

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
INIT_LOCK_ID = 230521  # PostgreSQL advisory lock held while creating tables
RETRY_SECONDS = 20.0  # how long a transaction is retried while the database is away
PING_IDLE_SECONDS = 2.0  # a pooled PostgreSQL connection idle this long is pinged first
log = logging.getLogger(__name__)
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """A lost or refused connection (database restarting), not a bad statement."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        message = str(exc.orig or exc).lower()
        return not any(word in message for word in ("syntax", "no such table", "no such column"))
    return False


def retrying(work: Callable[[], T], seconds: float = RETRY_SECONDS) -> T:
    """Run ``work`` again while the database is unreachable (at most ``seconds``).

    Only for work that is safe to repeat: a submission carries its own fingerprint or
    idempotency key, so a commit whose answer was lost is found, not filed twice."""
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        try:
            return work()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning("database unreachable (%s), retrying in %.2f s", type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


# How the next PostgreSQL transaction begins: None for a read (no BEGIN at all), else the
# advisory lock to take with BEGIN (0: none). Any use outside ``Database.read`` is a
# transaction (``engine.begin()`` included).
_BEGIN: ContextVar[int | None] = ContextVar("yikatong_begin", default=0)
_DATABASES: weakref.WeakSet[Database] = weakref.WeakSet()


def _forget_all_connections() -> None:
    """In a forked child (a gunicorn worker after --preload): a pool is per process, so
    drop the inherited connections without closing the parent's sockets."""
    for database in list(_DATABASES):
        database.forget_connections()


os.register_at_fork(after_in_child=_forget_all_connections)


def _postgres_engine(url: str) -> Engine:
    """PostgreSQL, with the round trips a request needs and no more.

    psycopg runs in autocommit and the transaction is ours: a write transaction sends its
    BEGIN (with its advisory lock, if any) in one round trip; a read runs its statements
    without BEGIN and COMMIT (under READ COMMITTED each statement sees its own snapshot
    either way). ``commit()`` and ``rollback()`` still end an open transaction: psycopg
    decides by the connection's transaction status."""
    engine = create_engine(url, pool_size=5, max_overflow=10, isolation_level="AUTOCOMMIT")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        lock = _BEGIN.get()
        if lock is None:
            return  # a read: autocommit statements
        # no parameters: psycopg sends it as a simple query, so BEGIN and the lock travel
        # together (through SQLAlchemy, so a lost connection is seen as a disconnect)
        conn.exec_driver_sql(f"BEGIN; SELECT pg_advisory_xact_lock({int(lock)})" if lock else "BEGIN")

    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Pre-ping, but only a connection that sat idle in the pool for ``PING_IDLE_SECONDS``.

    ``pool_pre_ping`` costs a round trip on every checkout (one in four of a submission's).
    A connection used a moment ago is almost surely alive; if the server did go away in
    between, the statement fails as a disconnect, SQLAlchemy invalidates the whole pool,
    and ``retrying`` runs the transaction again on a fresh connection (submissions and
    citizens' lookups are retried; see ``is_transient``)."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # a new connection, or one used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("ping failed")


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean psycopg 3 (psycopg2 is not installed)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_sqlite_url(instance_path: str) -> str:
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'complaints.sqlite3'}"


class Database:
    """Engines and sessions; ``write()`` for changes, ``read()`` for queries."""

    def __init__(self, url: str, sqlite_synchronous: str = "FULL"):
        self.url = normalise_url(url)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.read_engine = self._sqlite_engine("BEGIN", sqlite_synchronous)
            self.write_engine = self._sqlite_engine("BEGIN IMMEDIATE", sqlite_synchronous)
        else:
            self.read_engine = self.write_engine = _postgres_engine(self.url)
        _DATABASES.add(self)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._thread_lock = threading.Lock()
        self._lock_path = f"{make_url(self.url).database}.writelock" if self.is_sqlite else None
        self._lock_fd: int | None = None
        self._lock_pid = 0

    def forget_connections(self) -> None:
        self.read_engine.dispose(close=False)
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose(close=False)

    def _sqlite_engine(self, begin: str, synchronous: str) -> Engine:
        engine = create_engine(self.url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql(begin)

        return engine

    @contextlib.contextmanager
    def write(self, lock: int | None = None) -> Iterator[Session]:
        """A session in one write transaction, committed on success.

        ``lock``: on PostgreSQL, the transaction starts holding this advisory lock (sent
        with its BEGIN: no extra round trip), so what it reads next is read under the lock."""
        token = _BEGIN.set(lock or 0)
        try:
            with self._writer_lock(), self._write() as session, session.begin():
                yield session
        finally:
            _BEGIN.reset(token)

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """SQLite: queue writers on a file lock (woken at once) rather than letting them
        poll SQLite's busy handler, whose sleeps make the latency tail long."""
        if self._lock_path is None or self._lock_path.startswith(":memory:"):
            yield
            return
        with self._thread_lock:
            fd = self._lock_file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_file(self) -> int:
        if self._lock_fd is None or self._lock_pid != os.getpid():  # fresh after fork
            assert self._lock_path is not None
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        return self._lock_fd

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        token = _BEGIN.set(None)
        try:
            with self._read() as session, session.begin():
                yield session
        finally:
            _BEGIN.reset(token)

    def query(self, work: Callable[[Session], T]) -> T:
        """``work`` in a read transaction, run again while the database is unreachable
        (a read is always safe to repeat): citizens' lookups see no error once it is back."""
        def attempt() -> T:
            with self.read() as session:
                return work(session)
        return retrying(attempt)

    def init(self) -> None:
        """Create missing tables and the audit log's append-only triggers (idempotent)."""
        with self.write_engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": INIT_LOCK_ID})
            Base.metadata.create_all(conn)
            _add_missing_columns(conn)
            for statement in SQLITE_TRIGGERS if self.is_sqlite else POSTGRES_TRIGGERS:
                conn.exec_driver_sql(statement)

    def dispose(self) -> None:
        self.read_engine.dispose()
        self.write_engine.dispose()
        if self._lock_fd is not None and self._lock_pid == os.getpid():
            os.close(self._lock_fd)
            self._lock_fd = None


def _add_missing_columns(conn) -> None:  # type: ignore[no-untyped-def]
    """Columns added to a model after its table was created (nullable or with a server
    default): ``ALTER TABLE … ADD COLUMN`` for each. Tables are never reshaped."""
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                ddl = CreateColumn(column).compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
                log.warning("added column %s.%s", table.name, column.name)
        for index in table.indexes:
            index.create(conn, checkfirst=True)
