"""Watchlist files (CSV) into the database, and the database into each worker's screening index.

A file replaces, in one transaction, every entry of the list ids it names
(other lists stay), then announces the change on CHANNEL so that every
worker rebuilds its index. A file with one bad row loads nothing.

Each process keeps one ScreeningIndex. While it hears every announcement
(services.change_feed.reliable()) it trusts the index, re-checking a cheap
fingerprint of the table (row count, highest and summed id) every
_RECHECK_S seconds anyway: a `qianbao watchlist load` run on SQLite is
another process, whose announcement reaches only itself. While announcements
may be missed, the fingerprint is checked before every use; the index is
rebuilt only when the fingerprint changed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from models import WatchlistEntry
from services.caches import WATCHLIST_CHANNEL as CHANNEL, WATCHLIST_INDEX
from services.change_feed import announce, reliable
from services.errors import ValidationFailed
from services.db.sql import execute, fetch, is_postgres
from services.screening.matcher import ScreeningIndex, WatchlistRecord

HEADER = ("list_id", "name", "aliases", "date_of_birth", "country")
MAX_NAME_LEN = 300
MAX_LIST_ID_LEN = 64
MAX_ALIASES = 100
_REPORTED_PROBLEMS = 5
_RECHECK_S = 10.0
_LOAD_LOCK_KEY = 0x5142_5741_5443_48  # "QBWATCH": one load at a time, so two loads of a list never interleave
_BUILD_IN_THREAD = 2000  # entries: build bigger indexes off the event loop
_LIST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_DATE = re.compile(r"\d{4}(-\d{2}-\d{2})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class WatchlistFileInvalid(ValidationFailed):
    """A watchlist file that cannot be loaded; `line` is the first bad line (1 = the header)."""

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class LoadReport:
    """What a load did, per list id in the file."""

    entries: dict[str, int] = field(default_factory=dict)  # entries now on each list
    replaced: dict[str, int] = field(default_factory=dict)  # entries each list held before
    names: int = 0  # names and aliases loaded

    @property
    def total(self) -> int:
        """Entries loaded, over every list in the file."""
        return sum(self.entries.values())


def _text(value: str, what: str, limit: int, *, required: bool) -> str | None:
    """A stripped text cell, None when empty and optional (ValueError says what is wrong with it)."""
    text = value.strip()
    if not text:
        if required:
            raise ValueError(f"{what} is required")
        return None
    if len(text) > limit:
        raise ValueError(f"{what} must be at most {limit} characters")
    if _CONTROL.search(text):
        raise ValueError(f"{what} must not contain control characters")
    return text


def _row(cells: list[str]) -> WatchlistRecord:
    """One validated data row (ValueError says what is wrong with it)."""
    if len(cells) != len(HEADER):
        raise ValueError(f"expected {len(HEADER)} fields, found {len(cells)}")
    list_id = _text(cells[0], "list_id", MAX_LIST_ID_LEN, required=True)
    if not _LIST_ID.fullmatch(list_id):
        raise ValueError("list_id may hold only letters, digits and . _ : - (starting with a letter or digit)")
    name = _text(cells[1], "name", MAX_NAME_LEN, required=True)
    aliases = [_text(a, "each alias", MAX_NAME_LEN, required=False) for a in cells[2].split(";")]
    aliases = list(dict.fromkeys(a for a in aliases if a and a != name))
    if len(aliases) > MAX_ALIASES:
        raise ValueError(f"at most {MAX_ALIASES} aliases per entry")
    born = cells[3].strip() or None
    if born is not None:
        if not _DATE.fullmatch(born):
            raise ValueError(f"date_of_birth must be YYYY-MM-DD or YYYY, not {born!r}")
        if len(born) == 10:
            try:
                date.fromisoformat(born)
            except ValueError:
                raise ValueError(f"date_of_birth {born!r} is not a calendar date") from None
    country = cells[4].strip().upper() or None
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ValueError(f"country must be two letters (ISO 3166-1 alpha-2), not {cells[4].strip()!r}")
    return WatchlistRecord(id=0, list_id=list_id, name=name, aliases=tuple(aliases), date_of_birth=born, country=country)


def _decode(raw: bytes, where: str) -> str:
    """The file's text (UTF-8, a byte-order mark allowed); WatchlistFileInvalid names the line of a bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise WatchlistFileInvalid(f"{where} line {line}: not UTF-8 text", line=line) from None


def read_watchlist_csv(path: str | Path) -> list[WatchlistRecord]:
    """Every entry of a watchlist CSV file, validated; WatchlistFileInvalid names the first bad line."""
    where = Path(path).name
    reader = csv.reader(io.StringIO(_decode(Path(path).read_bytes(), where), newline=""))
    problems: list[tuple[int, str]] = []
    records: list[WatchlistRecord] = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header) != HEADER:
            raise WatchlistFileInvalid(f"{where} line 1: the header must be {','.join(HEADER)}", line=1)
        start = reader.line_num + 1
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                try:
                    records.append(_row(cells))
                except ValueError as exc:
                    problems.append((start, str(exc)))
            start = reader.line_num + 1  # a quoted field may span lines: report where the row began
    except csv.Error as exc:
        problems.append((reader.line_num, f"not valid CSV ({exc})"))
    if problems:
        shown = "; ".join(f"line {n}: {why}" for n, why in problems[:_REPORTED_PROBLEMS])
        more = f"; and {len(problems) - _REPORTED_PROBLEMS} more bad rows" if len(problems) > _REPORTED_PROBLEMS else ""
        raise WatchlistFileInvalid(f"{where} {shown}{more}; nothing was loaded", line=problems[0][0])
    return records


async def load_watchlist_csv(path: str | Path) -> LoadReport:
    """Replace every entry of the list ids in a CSV file, in one transaction; announce the change to every worker."""
    records = read_watchlist_csv(path)
    list_ids = sorted({r.list_id for r in records})
    if not list_ids:
        return LoadReport()
    async with in_transaction() as conn:
        if is_postgres(conn):
            await execute(conn, "SELECT pg_advisory_xact_lock($1)", [_LOAD_LOCK_KEY])
        before = await (
            WatchlistEntry.filter(list_id__in=list_ids).using_db(conn)
            .group_by("list_id").annotate(n=Count("id")).values_list("list_id", "n")
        )
        await WatchlistEntry.filter(list_id__in=list_ids).using_db(conn).delete()
        await WatchlistEntry.bulk_create(
            [WatchlistEntry(list_id=r.list_id, name=r.name, aliases=list(r.aliases), date_of_birth=r.date_of_birth,
                            country=r.country) for r in records],
            batch_size=500, using_db=conn,
        )
    await announce(CHANNEL)
    counts: dict[str, int] = {list_id: 0 for list_id in list_ids}
    for r in records:
        counts[r.list_id] += 1
    return LoadReport(
        entries=counts, replaced={list_id: dict(before).get(list_id, 0) for list_id in list_ids},
        names=sum(1 + len(r.aliases) for r in records),
    )


async def remove_watchlists(list_ids: list[str]) -> int:
    """Delete every entry of the given list ids; announce; return how many entries went."""
    removed = await WatchlistEntry.filter(list_id__in=list_ids).delete()
    await announce(CHANNEL)
    return removed


@dataclass
class _Cached:
    index: ScreeningIndex
    fingerprint: tuple[int, int, int]
    checked_at: float


_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None


def forget_index() -> None:
    """Drop this process's index (a watchlist changed); the next screening rebuilds it."""
    WATCHLIST_INDEX.clear()  # bumps its generation, so a build that raced the change is not kept


async def _fingerprint(conn: BaseDBAsyncClient) -> tuple[int, int, int]:
    """Row count, highest id and sum of ids of the watchlist table: one cheap aggregate query."""
    # A replaced list gets new ids (never reused: AUTOINCREMENT / a sequence), so
    # any load or removal changes the count, the highest id or the sum of ids.
    rows = await fetch(conn, "SELECT COUNT(*) AS n, MAX(id) AS top, SUM(id) AS total FROM watchlist_entry", [])
    row = rows[0]
    return int(row["n"] or 0), int(row["top"] or 0), int(row["total"] or 0)


def _rebuild_lock() -> asyncio.Lock:
    """This event loop's lock for rebuilding the index (one lock per loop: a lock is bound to the loop it waits on)."""
    global _lock
    loop = asyncio.get_running_loop()
    if _lock is None or _lock[0] is not loop:
        _lock = (loop, asyncio.Lock())
    return _lock[1]


async def current_index(*, using_db: BaseDBAsyncClient | None = None) -> ScreeningIndex:
    """This process's screening index of every watchlist entry, rebuilt when the lists changed."""
    cached, now = WATCHLIST_INDEX.get("index"), time.monotonic()
    if cached is not None and reliable() and now - cached.checked_at < _RECHECK_S:
        return cached.index
    conn = using_db or connections.get("default")
    generation = WATCHLIST_INDEX.generation
    fingerprint = await _fingerprint(conn)  # read before the rows: a later change then shows as a new fingerprint
    if cached is not None and cached.fingerprint == fingerprint:
        cached.checked_at = now
        return cached.index
    # One rebuild at a time: requests arriving meanwhile wait for it instead of each building their own.
    async with _rebuild_lock():
        cached = WATCHLIST_INDEX.get("index")
        if cached is not None and cached.fingerprint == fingerprint:
            return cached.index
        rows = await WatchlistEntry.all().using_db(conn).order_by("id").values_list(
            "id", "list_id", "name", "aliases", "date_of_birth", "country"
        )
        records = [WatchlistRecord(id=i, list_id=lst, name=n, aliases=tuple(a or ()), date_of_birth=d, country=c)
                   for i, lst, n, a, d, c in rows]
        # Normalising ten thousand names takes a moment: do it off the event loop.
        big = len(records) > _BUILD_IN_THREAD
        index = await asyncio.to_thread(ScreeningIndex, records) if big else ScreeningIndex(records)
        if generation == WATCHLIST_INDEX.generation:  # no announcement while we read: the index may be remembered
            WATCHLIST_INDEX.put("index", _Cached(index=index, fingerprint=fingerprint, checked_at=now))
        return index
