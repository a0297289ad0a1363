"""Schemathesis against /api/v1/openapi.json, every documented operation: no 5xx, responses
match the schema (embedded app, SQLite; positive and negative generation). The driver is
tests/fuzz.py; tests/integration/test_openapi_fuzz_pg.py runs it on PostgreSQL."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

from tests import fuzz  # noqa: E402

EXAMPLES = {"positive": 25, "negative": 15}


@pytest.fixture(scope="module")
def operations(hostile_env):
    ops = fuzz.operations(hostile_env["app"])
    assert len(ops) >= 8, list(ops)
    return ops


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_no_5xx_and_schema_conformant(operations, hostile_env, mode):
    env = {"client": hostile_env["client"], "site": hostile_env["a"], "ids": hostile_env["a_ids"]}
    failures, stats = fuzz.fuzz(env, operations, mode, EXAMPLES[mode.value])
    print(f"\nschemathesis ({mode.value}, SQLite): {stats}")
    assert stats["server_errors"] == 0, stats
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
