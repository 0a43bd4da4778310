"""tests/integration/separate_database.migrated_database: a migrated copy of the session's template, independent of
every other copy, and as `qianbao migrate` leaves a database (a second migrate has nothing to apply)."""

from __future__ import annotations

from tests.integration.separate_database import migrated_database, query, table_names
from tests.live_server import cli


async def test_each_copy_is_migrated_and_independent_of_the_others(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with migrated_database(tmp_path / "a") as first, migrated_database(tmp_path / "b") as second:
        assert first != second
        tables = await table_names(first)
        assert {"partner", "wallet", "account", "ledger_entry", "ledger_transaction"} <= tables
        assert await table_names(second) == tables
        cli("partner", "create", "--name", "Only in the first copy", "--database-url", first, cwd=tmp_path)
        named = "SELECT COUNT(*) FROM partner WHERE name = 'Only in the first copy'"
        assert (await query(first, named))[0][0] == 1
        assert (await query(second, named))[0][0] == 0
        applied = "SELECT COUNT(*) FROM tortoise_migrations"
        before = (await query(second, applied))[0][0]
        assert before > 40  # every migration file, 0001 to the newest
        cli("migrate", "--database-url", second, cwd=tmp_path)
        assert (await query(second, applied))[0][0] == before
