"""`qianbao serve --workers N` spreads keep-alive connections over its workers (api/balanced_workers.py)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from api.balanced_workers import reuseport_sockets
from tests.conftest import backend
from tests.integration.separate_database import migrated_database
from tests.live_server import live_server

CLIENTS = 32


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of the sockets on 127.0.0.1:port in a /proc/net/tcp state (01 established, 0A listening)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def _established_by_process(port: int, pids: list[int]) -> dict[int, int]:
    """Established connections accepted on 127.0.0.1:port, counted by the process holding each (from /proc)."""
    inodes = _sockets(port, "01")
    counts: dict[int, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink().as_posix()
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                counts[pid] = counts.get(pid, 0) + 1
    return counts


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_sockets_share_one_port_and_port_zero_picks_one_for_all():
    sockets = reuseport_sockets("127.0.0.1", 0, 3, 16)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == 1 and ports != {0}
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in sockets)
    finally:
        for s in sockets:
            s.close()


@pytest.mark.skipif(backend() != "postgres", reason="several workers need PostgreSQL")
async def test_a_burst_of_keep_alive_clients_lands_on_every_worker(tmp_path):
    async with migrated_database(tmp_path) as url:
        with live_server(url, tmp_path, workers=2) as server:
            await asyncio.sleep(2)  # both workers serving, not only the first to answer /readyz

            async def client() -> asyncio.StreamWriter:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: qianbao\r\n\r\n")
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200"), head
                return writer

            writers = await asyncio.gather(*(client() for _ in range(CLIENTS)))  # all at once: a burst
            try:
                workers = [pid for pid in _children(server.process.pid)
                           if any(f.name.isdigit() for f in Path(f"/proc/{pid}/fd").iterdir())]
                counts = _established_by_process(server.port, workers)
                listening = _sockets(server.port, "0A")
            finally:
                for writer in writers:
                    writer.close()
    assert len(listening) == 2, listening  # one listening socket per worker, not one shared by both
    assert sum(counts.values()) == CLIENTS, counts
    # By the kernel's hash each worker gets about half; under 6 of 32 on one side happens about once in 10,000 runs.
    assert len(counts) == 2 and min(counts.values()) >= 6, counts
