"""Announcements between worker processes: "something changed, forget what you remembered".

A service that changes access or fee rules calls `announce(channel)` after
saving; every process's subscribers for that channel run at once in this
process, and in the other workers through PostgreSQL NOTIFY. A process may
remember answers only while `reliable()` says it hears every announcement:
on SQLite (one serving process) always, on PostgreSQL while its LISTEN
connection is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable

from tortoise import connections

from services.db.availability import log_job_failure
from services.db.sql import execute, is_postgres

log = logging.getLogger("qianbao.changes")
_subscribers: dict[str, list[Callable[[], None]]] = defaultdict(list)
_listening = False


def subscribe(channel: str, forget: Callable[[], None]) -> None:
    """Run `forget` whenever `channel` is announced (here or in another worker)."""
    _subscribers[channel].append(forget)


def _deliver(channel: str) -> None:
    for forget in _subscribers.get(channel, []):
        forget()


def _deliver_all() -> None:
    for channel in list(_subscribers):
        _deliver(channel)


def reliable() -> bool:
    """Whether this process hears every announcement (so remembering is safe)."""
    return _listening or not is_postgres(connections.get("default"))


async def announce(channel: str) -> None:
    """Tell every process that what `channel` covers has changed."""
    _deliver(channel)
    conn = connections.get("default")
    if is_postgres(conn):
        await execute(conn, "SELECT pg_notify($1, '')", [channel])


async def listen(dsn: str) -> None:
    """Run forever: hold a LISTEN connection for every subscribed channel."""
    global _listening
    import asyncpg

    while True:
        connection = None
        try:
            connection = await asyncpg.connect(dsn)
            lost = asyncio.Event()
            for channel in list(_subscribers):
                await connection.add_listener(channel, lambda _c, _p, ch, _payload: _deliver(ch))
            connection.add_termination_listener(lambda *_: lost.set())
            _deliver_all()  # anything remembered before we listened may be stale
            _listening = True
            await lost.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep trying; meanwhile nothing is remembered
            # The database away is one line (expected during an outage); anything else keeps its traceback.
            log_job_failure(log, "change listener (nothing is remembered until it is back)", exc)
        finally:
            _listening = False
            _deliver_all()
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(Exception):
                    await connection.close()
        await asyncio.sleep(2.0)
