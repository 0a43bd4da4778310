"""Several uvicorn workers that share connections evenly: one SO_REUSEPORT listening socket per worker.

uvicorn's own supervisor hands every worker the same listening socket. The
worker whose event loop wakes first accepts every connection waiting (asyncio
accepts up to a hundred at a time), so a burst of keep-alive clients landed 15
to 1 on one worker of two and the second added little. With one socket per
worker bound with SO_REUSEPORT, the kernel spreads new connections over the
sockets by a hash of their addresses, so each worker gets its share.

The parent keeps every socket open for the life of the server: a worker that
dies is replaced on the same socket, and connections that arrived for it wait
in that socket's backlog meanwhile instead of being refused.
"""

from __future__ import annotations

import socket

from uvicorn import Config
from uvicorn.supervisors.multiprocess import STARTUP_FAILURE, Multiprocess, Process, logger


def reuseport_sockets(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    """`count` listening sockets on one address, each with SO_REUSEPORT (port 0: the first one's port for all)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        sock.listen(backlog)
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


class BalancedMultiprocess(Multiprocess):
    """uvicorn's supervisor (health checks, restarts, signals), with worker i always on socket i."""

    def __init__(self, config: Config, per_worker: list[socket.socket]) -> None:
        super().__init__(config, sockets=per_worker)
        self.per_worker = per_worker

    def _process(self, idx: int) -> Process:
        return Process(self.config, [self.per_worker[idx]])

    def init_processes(self) -> None:
        """Start one worker per socket."""
        for idx in range(self.processes_num):
            process = self._process(idx)
            process.start()
            self.processes.append(process)

    def restart_all(self) -> None:
        """Replace each worker on its own socket, the new one serving before the old one retires (SIGHUP)."""
        for idx, old_process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new_process = self._process(idx)
            new_process.start()
            if not new_process.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new_process.kill()
                new_process.join()
                if not self.should_exit.is_set():
                    logger.error(f"New child process [{new_process.pid}] was not ready in time; "
                                 f"keeping worker [{old_process.pid}] and aborting the restart.")
                return
            old_process.terminate()
            old_process.join()
            self.processes[idx] = new_process

    def keep_subprocess_alive(self) -> None:
        """Replace a dead or hung worker on the same socket (stop everything if it never started)."""
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            process = self._process(idx)
            process.start()
            self.processes[idx] = process


def run_balanced(config: Config) -> None:
    """Run config.workers workers of config.app, each accepting on its own SO_REUSEPORT socket."""
    sockets = reuseport_sockets(config.host, config.port, config.workers, config.backlog)
    try:
        BalancedMultiprocess(config, sockets).run()
    finally:
        for sock in sockets:
            sock.close()
