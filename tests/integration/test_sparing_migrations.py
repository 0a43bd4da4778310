"""models.migration_base.SparingMigration builds exactly the schema Tortoise's own Migration.apply builds.

Both migrate a new SQLite file in a subprocess (the pytest process keeps one ORM context, see STACK.md): once as
shipped, once with every migration's apply put back to Tortoise's. The schemas are compared as multisets of their
definition lines (sqlite_master), because Tortoise itself orders some columns differently from run to run (the
points_program's one-to-one account columns come out of a set). The same comparison on PostgreSQL (pg_dump
--schema-only) was made by hand when SparingMigration landed: identical but for that column order.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import backend

ROOT = Path(__file__).resolve().parents[2]

MIGRATE_AND_DESCRIBE = textwrap.dedent("""
    import asyncio, json, sqlite3, sys
    from api.db import apply_migrations
    if sys.argv[2] == "tortoise":
        from tortoise import migrations
        from models.migration_base import SparingMigration
        SparingMigration.apply = migrations.Migration.apply
    asyncio.run(apply_migrations("sqlite://" + sys.argv[1]))
    rows = sqlite3.connect(sys.argv[1]).execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'tortoise_migrations'").fetchall()
    lines = sorted(f"{kind} {name} {table}: {line.strip().rstrip(',')}"
                   for kind, name, table, sql in rows for line in (sql or "").splitlines())
    print(json.dumps(lines))
""")


def _schema(path: Path, mode: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", MIGRATE_AND_DESCRIBE, str(path), mode], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(backend() != "sqlite", reason="a state-machine property of Tortoise: checked once, on SQLite")
def test_the_sparing_migrations_build_the_schema_tortoise_builds(tmp_path):
    sparing = _schema(tmp_path / "sparing.sqlite3", "sparing")
    stock = _schema(tmp_path / "tortoise.sqlite3", "tortoise")
    assert len(sparing) > 900  # every table, column, index and trigger of the migrations (1,027 lines at 0042)
    assert sparing == stock
