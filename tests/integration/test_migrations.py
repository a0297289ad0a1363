"""Migrations have one head and match the models (on PostgreSQL)."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db.migrate import current_heads
from service.db.session import get_engine
from service.db.tables import Base


def test_one_head(pg_url):
    assert len(current_heads(pg_url)) == 1


def test_schema_matches_models(pg_url):
    with get_engine(pg_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff


def test_sqlite_migrates_too(sqlite_settings):
    with get_engine(sqlite_settings.database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff
