"""The backup and restore drill (ops/backup_drill.py, issue 19 item 9) runs end to end on PostgreSQL: a backup taken
under load restores into a fresh database that verifies and holds every transfer acknowledged before it started."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import backend

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(backend() != "postgres", reason="pg_dump and pg_restore: the drill is for PostgreSQL")
def test_a_backup_under_load_restores_verified_with_every_acknowledged_transfer(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development",
               QIANBAO_DRILL_DATABASE_URL=os.environ["QIANBAO_TEST_DATABASE_URL"])
    result = subprocess.run(
        [sys.executable, str(ROOT / "ops" / "backup_drill.py"), "--wallets", "6", "--writers", "4", "--warmup", "2",
         "--after", "0.5"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.rstrip().endswith("backup drill: PASSED")
    assert "ok: qianbao ledger verify on the restored copy" in out and "ok: qianbao audit verify on the restored copy" in out
    held = re.search(r"holds (\d+) of the (\d+) transfers acknowledged before the backup started", out)
    assert held and held.group(1) == held.group(2) and int(held.group(2)) > 0, out
    assert "Traceback" not in out + result.stderr
