"""bench/transfer_bench/database: the benchmark's database URLs (the admin database beside the measured one)."""

from __future__ import annotations

from bench.transfer_bench.database import database_of, with_database
from bench.transfer_bench.lock_waits import LockSampler


def test_another_database_on_the_same_server_keeps_credentials_port_and_options():
    url = "postgresql://bench:pw@db.internal:6543/qianbao_bench?sslmode=disable"
    assert with_database(url, "postgres") == "postgresql://bench:pw@db.internal:6543/postgres?sslmode=disable"
    assert database_of(url) == "qianbao_bench"


def test_the_lock_sampler_watches_the_measured_database_from_database_postgres():
    sampler = LockSampler("postgresql://postgres@127.0.0.1:5432/qianbao_bench_1?application_name=bench")
    assert sampler.database == "qianbao_bench_1"
    assert sampler.admin_dsn == "postgresql://postgres@127.0.0.1:5432/postgres?application_name=bench"
