"""Writes of many rows in one statement, on PostgreSQL and SQLite alike."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Sequence

from sqlalchemy import JSON, Table, Text, bindparam, cast, column, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table):
    """INSERT with the dialect's ON CONFLICT support (PostgreSQL or SQLite)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {name!r}")


# ---- Bulk writes: one statement per batch ---------------------------------------------
#
# On PostgreSQL the rows travel as one JSON document read by `json_to_recordset`: the
# statement stays short and the same whatever the batch size (a multi-row VALUES statement
# of 500 rows costs the driver ~30 ms to parse and the server a new plan; arrays of text
# cost the driver ~50 ms to escape), and JSON columns are serialised once, with the rest.
# Elsewhere (SQLite, embedded mode) executemany is already cheap.

def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _recordset(table: Table, rows: list[dict]):
    """The rows (same keys in each) as `json_to_recordset(:rows) AS v(name type, ...)`,
    typed like the table's columns."""
    names = list(rows[0])
    document = json.dumps(rows, default=_json_default, allow_nan=False)
    return func.json_to_recordset(cast(bindparam("rows", document, type_=Text), JSON)).table_valued(
        *(column(name, table.c[name].type) for name in names)).render_derived(name="v", with_types=True)


def bulk_insert(session: Session, stmt, rows: list[dict], returning: Sequence = (), **same_for_all) -> list:
    """Run an INSERT statement (plain, or with ON CONFLICT) for many rows at once: each row
    with its own values (same keys in every row), plus `same_for_all` column values.
    Returns the `returning` columns of the inserted rows."""
    if not rows:
        return []
    if _is_postgresql(session):
        table = stmt.table
        source = _recordset(table, rows)
        constants = [bindparam(f"c_{name}", value, type_=table.c[name].type) for name, value in same_for_all.items()]
        stmt = stmt.from_select([*rows[0], *same_for_all], select(source, *constants))
        if returning:
            stmt = stmt.returning(*returning)
        result = session.execute(stmt)
    else:
        if returning:
            stmt = stmt.returning(*returning, sort_by_parameter_order=True)
        result = session.execute(stmt, [{**row, **same_for_all} for row in rows])
    return result.all() if returning else []


def bulk_update(session: Session, table: Table, rows: list[dict], key: str = "id", **same_for_all) -> None:
    """UPDATE many rows of `table` by `key`, each with its own values (same keys in every
    row), plus `same_for_all` column values."""
    if not rows:
        return
    if _is_postgresql(session):
        source = _recordset(table, rows)
        values = {name: source.c[name] for name in rows[0] if name != key}
        session.execute(update(table).where(table.c[key] == source.c[key]).values(**values, **same_for_all))
    else:
        stmt = update(table).where(table.c[key] == bindparam("b_key")).values(**same_for_all)
        session.execute(stmt, [{("b_key" if k == key else k): v for k, v in row.items()} for row in rows])
