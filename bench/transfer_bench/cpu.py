"""CPU accounting from /proc: seconds of CPU per party (client, server, PostgreSQL, everything else)."""

from __future__ import annotations

import os
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process from /proc, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    ppid = int(rest[1])
    utime, stime = int(rest[11]), int(rest[12])
    return comm, ppid, (utime + stime) / _CLK_TCK


def cpu_snapshot(server_pid: int | None, db_name: str) -> dict[str, float]:
    """CPU seconds used so far by this process, the server's process tree, the PostgreSQL
    backends connected to the benchmark database, and the whole machine."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    server_tree: set[int] = set()
    if server_pid is not None and server_pid in stats:
        server_tree.add(server_pid)
        grew = True
        while grew:
            grew = False
            for pid, (_, ppid, _) in stats.items():
                if ppid in server_tree and pid not in server_tree:
                    server_tree.add(pid)
                    grew = True
    t = os.times()
    return {
        "client": t.user + t.system,
        "server": sum(stats[p][2] for p in server_tree),
        "postgres": sum(cpu for pid, (comm, _, cpu) in stats.items() if comm.startswith("postgres") and _serves(pid, db_name)),
        "machine": _machine_busy(),
    }


def _serves(pid: int, db_name: str) -> bool:
    """Whether a postgres process is a backend of our database (its title names the database)."""
    try:
        return db_name.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat, idle and iowait excluded)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(fields[:8]) - fields[3] - fields[4]) / _CLK_TCK


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per party over an interval; "other" is everything else on the machine
    (other people's processes: a benchmark on a shared machine is only as quiet as they are)."""
    d = {k: after[k] - before.get(k, 0.0) for k in after}
    machine = d.pop("machine", 0.0)
    d["other"] = max(0.0, machine - sum(d.values()))
    return d
