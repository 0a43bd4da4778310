"""What one run measured, the measured window, and pooling of alternating rounds."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .pg_stats import Activity


@dataclass
class RunResult:
    name: str
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # successes completed inside the window
    errors: Counter = field(default_factory=Counter)  # inside the window
    successes_total: int = 0  # warm-up and tail included (compared with the database afterwards)
    reconnects: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU per party inside the window
    units: int = 0  # record_units runs: what was posted inside the window (a batch posts many per request)
    pg: Activity | None = None  # what PostgreSQL did inside the window (runs given the database's DSN)

    def record(self, started: float, done: float, error: str | None, window: Any) -> None:
        """Count one transfer; latencies and errors only when it finished inside the measured window."""
        if error is None:
            self.successes_total += 1
        if window.inside(done):
            if error is None:
                self.latencies_ms.append((done - started) * 1000)
            else:
                self.errors[error] += 1

    def record_units(self, started: float, done: float, units: int, error: str | None, window: Any) -> None:
        """Count one request that posted `units` (all of them on success; a refused batch item is an error)."""
        self.successes_total += units
        if window.inside(done):
            self.units += units
            if error is None:
                self.latencies_ms.append((done - started) * 1000)
            else:
                self.errors[error] += 1

    @property
    def rate(self) -> float:
        """Units posted per second (record_units runs), else successful requests per second."""
        return (self.units if self.units else self.ok) / self.duration_s if self.duration_s else 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def tps(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
        return ordered[index]


class Window:
    """The measured interval: [start, end) on time.perf_counter."""

    def __init__(self, warmup_s: float, duration_s: float) -> None:
        now = time.perf_counter()
        self.start = now + warmup_s
        self.end = self.start + duration_s

    def inside(self, t: float) -> bool:
        return self.start <= t < self.end


def merge_runs(runs: list[RunResult]) -> RunResult:
    merged = RunResult(runs[0].name)
    for r in runs:
        merged.duration_s += r.duration_s
        merged.latencies_ms += r.latencies_ms
        merged.errors.update(r.errors)
        merged.successes_total += r.successes_total
        merged.reconnects += r.reconnects
        merged.units += r.units
        for k, v in r.cpu.items():
            merged.cpu[k] = merged.cpu.get(k, 0.0) + v
        if r.pg is not None:
            merged.pg = merged.pg or Activity()
            merged.pg.add(r.pg)
    return merged
