"""The serve workers' garbage-collector pauses, as their /metrics report them (api/collector.py).

Each scrape is answered by one worker: fresh connections are spread over the workers by the kernel
(SO_REUSEPORT), and a worker is told apart by its `qianbao_worker_pid`.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from .http_client import HttpConnection

PAUSES = "qianbao_gc_pause_seconds"


@dataclass
class WorkerPauses:
    """One worker's collections since it started: how many, their total, and how many took 10 ms / 50 ms or more."""

    collections: int = 0
    total_s: float = 0.0
    over_10ms: int = 0
    over_50ms: int = 0

    def add(self, other: WorkerPauses) -> None:
        """Count another server's worker in (rounds run on fresh servers)."""
        self.collections += other.collections
        self.total_s += other.total_s
        self.over_10ms += other.over_10ms
        self.over_50ms += other.over_50ms


def parse(text: str) -> tuple[str | None, WorkerPauses]:
    """(the worker's process id, its pauses) from one /metrics page."""
    worker, pauses, below = None, WorkerPauses(), {"0.01": 0.0, "0.05": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "qianbao_worker_pid":
                worker = str(int(sample.value))
            elif sample.name == f"{PAUSES}_count":
                pauses.collections += int(sample.value)
            elif sample.name == f"{PAUSES}_sum":
                pauses.total_s += sample.value
            elif sample.name == f"{PAUSES}_bucket" and sample.labels.get("le") in below:
                below[sample.labels["le"]] += sample.value
    pauses.over_10ms = pauses.collections - int(below["0.01"])
    pauses.over_50ms = pauses.collections - int(below["0.05"])
    return worker, pauses


async def scrape_workers(port: int, workers: int, attempts_per_worker: int = 8) -> list[WorkerPauses]:
    """Each worker's pauses (as many workers as answered within the attempts)."""
    seen: dict[str, WorkerPauses] = {}
    for _ in range(workers * attempts_per_worker):
        conn = HttpConnection("127.0.0.1", port)
        try:
            status, body = await conn.request("GET", "/metrics")
        finally:
            conn.close()
        if status != 200:
            break  # /metrics behind a token or refused: nothing to report
        worker, pauses = parse(body.decode())
        seen.setdefault(worker or "?", pauses)
        if len(seen) >= workers:
            break
    return list(seen.values())


def describe(per_worker: list[WorkerPauses]) -> str:
    """One line per worker."""
    if not per_worker:
        return "  (no worker answered /metrics)"
    return "\n".join(
        f"  worker {n}: {p.collections} collections, {p.total_s * 1000:.0f} ms in all,"
        f" {p.over_10ms} of 10 ms or more, {p.over_50ms} of 50 ms or more"
        for n, p in enumerate(per_worker, 1))
