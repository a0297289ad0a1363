"""Engines and sessions. Engines are made on demand, never at import time."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker] = {}


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def get_engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                _ensure_sqlite_dir(url)
                engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                # No pre-ping (a round trip per checkout): a connection broken by a database
                # restart fails once (503 + Retry-After), and the pool is then invalidated.
                engine = create_engine(url, pool_size=5, max_overflow=10, pool_recycle=1800)
            _engines[url] = engine
            _factories[url] = sessionmaker(bind=engine, expire_on_commit=False)
        return engine


def _ensure_sqlite_dir(url: str) -> None:
    """The embedded database's folder (0700) and file (0600, created empty: SQLite takes an
    empty file as an empty database, and gives its -wal and -shm files the same mode)."""
    import os
    from pathlib import Path

    from ..config import make_private_dir

    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:" and not path.startswith("file:"):
        make_private_dir(Path(path).parent)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass


def session_factory(url: str) -> sessionmaker:
    get_engine(url)
    return _factories[url]


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Drop pooled connections (call after fork: children must not share sockets)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
