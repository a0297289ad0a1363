"""The `colombe` group: database problems a new user meets become one-line errors.

A fresh data folder before `colombe db upgrade` (or `colombe serve`, which migrates in
embedded mode), or a PostgreSQL server that is not reachable, used to end every command in
a SQLAlchemy traceback. Other database errors keep their traceback: they are bugs to report.
"""
from __future__ import annotations

import click

MISSING_SCHEMA = ("no such table", "undefinedtable", "does not exist")
UNREACHABLE = ("unable to open database file", "connection refused", "could not connect", "could not translate host",
               "connection failed", "name or service not known")


def _shown_url() -> str:
    from sqlalchemy.engine import make_url

    from ..config import Settings

    try:
        url = Settings.read("database_url")
        if not url:  # embedded: the SQLite file in the data folder
            return f"sqlite:///{Settings.read('data_dir').expanduser().resolve() / 'colombe.db'}"
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "COLOMBE_DATABASE_URL"


def database_problem(exc: Exception) -> str | None:
    """A one-line explanation of `exc` when it is a missing schema or an unreachable server."""
    text = f"{type(getattr(exc, 'orig', None)).__name__} {getattr(exc, 'orig', exc)}".lower()
    if any(s in text for s in MISSING_SCHEMA) and ("table" in text or "relation" in text):
        return (f"the database ({_shown_url()}) has no Colombe tables yet: run `colombe db upgrade` "
                "(`colombe serve` does it in embedded mode)")
    if any(s in text for s in UNREACHABLE):
        detail = str(getattr(exc, "orig", exc)).strip()
        first = detail.splitlines()[0][:200] if detail else type(exc).__name__
        return f"cannot reach the database ({_shown_url()}): {first}; check COLOMBE_DATABASE_URL"
    return None


class ColombeGroup(click.Group):
    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            problem = database_problem(exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from None
