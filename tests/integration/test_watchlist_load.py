"""Loading watchlist CSV files: validation, replacement by list id, the per-worker index, and the CLI.

Every test uses list ids of its own and removes them at the end, so that no
other test's customers are screened against these (fictional) names.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from models import WatchlistEntry
from services.screening import watchlist
from services.screening.watchlist import (
    WatchlistFileInvalid, current_index, load_watchlist_csv, read_watchlist_csv, remove_watchlists,
)
from tests.integration.separate_database import migrated_database, query
from tests.integration.test_cli import assert_clean_failure, qianbao

HEADER = "list_id,name,aliases,date_of_birth,country\n"
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "watchlist" / "example.csv"


@pytest_asyncio.fixture
async def list_ids(database_url) -> AsyncIterator[Callable[[], str]]:
    """Makes list ids unique to this test; removes their entries afterwards."""
    made: list[str] = []

    def new() -> str:
        made.append(f"T-WL-{secrets.token_hex(4)}")
        return made[-1]

    yield new
    await remove_watchlists(made)


async def settle() -> None:
    """Let announcements of earlier loads arrive: PostgreSQL delivers NOTIFY to the listener asynchronously."""
    await asyncio.sleep(0.2)


def write(tmp_path: Path, body: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


async def names_on(list_id: str) -> list[str]:
    return sorted(await WatchlistEntry.filter(list_id=list_id).values_list("name", flat=True))


async def test_a_load_stores_every_entry_with_its_aliases_and_reports_counts(tmp_path, list_ids):
    lst = list_ids()
    path = write(tmp_path, f"{lst},Ottokar Vrzalinsky,Отокар Врзалинский;Otokar Wrzalinski,1961-02-03,at\n"
                           f"{lst},Quelvarra Ostmarine Bunkering LLC,,,\n"
                           f"{lst},Brunhilde Sarnowitz-Eckl,,1955,\n")
    report = await load_watchlist_csv(path)
    assert report.entries == {lst: 3} and report.replaced == {lst: 0} and report.total == 3 and report.names == 5
    row = await WatchlistEntry.get(list_id=lst, name="Ottokar Vrzalinsky")
    assert row.aliases == ["Отокар Врзалинский", "Otokar Wrzalinski"]
    assert (row.date_of_birth, row.country) == ("1961-02-03", "AT")
    found = (await current_index()).match("Otokar Vrzalinski")
    assert found is not None and (found.list_id, found.entry_id) == (lst, row.id)


async def test_a_load_replaces_only_the_list_ids_in_its_file(tmp_path, list_ids):
    first, second = list_ids(), list_ids()
    await load_watchlist_csv(write(tmp_path, f"{first},Ulrike Dambrowska-Feist,,,\n{first},Hartwig Obenaus-Klemm,,,\n"
                                             f"{first},Ivo Strnadel-Pomm,,,\n{second},Wendelin Tscharrer,,,\n"))
    report = await load_watchlist_csv(write(tmp_path, f"{first},Eulalia Protzenko-Brandt,,,\n", "again.csv"))
    assert report.entries == {first: 1} and report.replaced == {first: 3}
    assert await names_on(first) == ["Eulalia Protzenko-Brandt"]
    assert await names_on(second) == ["Wendelin Tscharrer"]
    index = await current_index()
    assert index.match("Hartwig Obenaus-Klemm") is None  # replaced, so no longer screened
    assert index.match("Eulalia Protzenko Brandt") is not None


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("{lst},,,,", "name is required"),
        ("{lst},   ,,,", "name is required"),
        ("{lst}," + "N" * 301 + ",,,", "name must be at most 300"),
        ("{lst},Some Name," + "A" * 301 + ",,", "alias must be at most 300"),
        ("," + "Some Name,,,", "list_id is required"),
        ("L" * 65 + ",Some Name,,,", "list_id must be at most 64"),
        ("bad list,Some Name,,,", "list_id may hold only"),
        ("{lst},Some Name,,1968-13-01,", "not a calendar date"),
        ("{lst},Some Name,,14.03.1968,", "YYYY-MM-DD or YYYY"),
        ("{lst},Some Name,,68,", "YYYY-MM-DD or YYYY"),
        ("{lst},Some Name,,,RUS", "two letters"),
        ("{lst},Some Name,,,R1", "two letters"),
        ("{lst},Some Name,,", "expected 5 fields, found 4"),
        ("{lst},Some Name,,,,extra", "expected 5 fields, found 6"),
    ],
)
async def test_a_file_with_one_bad_row_loads_nothing_and_names_its_line(tmp_path, list_ids, row, problem):
    lst = list_ids()
    await load_watchlist_csv(write(tmp_path, f"{lst},Leopold Quastenbrink,,,\n"))
    body = f"{lst},Amalia Fenzlhuber,,,\n{lst},Casimir Ordelt,,1970,DE\n" + row.format(lst=lst) + f"\n{lst},Ernst Vlach,,,\n"
    path = write(tmp_path, body, "bad.csv")
    with pytest.raises(WatchlistFileInvalid) as raised:
        await load_watchlist_csv(path)
    assert raised.value.line == 4  # the header is line 1
    assert "bad.csv line 4: " in raised.value.message and problem in raised.value.message
    assert "nothing was loaded" in raised.value.message
    assert await names_on(lst) == ["Leopold Quastenbrink"]


def test_every_bad_row_is_named_by_the_line_it_starts_on(tmp_path):
    # A quoted field may span lines: the rows after it keep their real line numbers.
    body = 'L1,"Two\nLines",,,\nL1,,,,\nL1,Good,,1970-02-30,\n'
    with pytest.raises(WatchlistFileInvalid) as raised:
        read_watchlist_csv(write(tmp_path, body))
    assert raised.value.line == 2
    assert ("line 2: name must not contain control characters; line 4: name is required;"
            " line 5: date_of_birth '1970-02-30' is not a calendar date") in raised.value.message


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (b"", 1, "the header must be list_id,name,aliases,date_of_birth,country"),
        (b"id,name,aliases,dob,country\nL1,X,,,\n", 1, "the header must be"),
        (HEADER.encode() + b"L1,Ren\xe9 Latin1,,,\n", 2, "not UTF-8"),
    ],
)
def test_a_wrong_header_or_encoding_is_refused(tmp_path, content, line, problem):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(WatchlistFileInvalid) as raised:
        read_watchlist_csv(path)
    assert raised.value.line == line and problem in raised.value.message


def test_the_example_list_is_valid_and_fictional_sized():
    records = read_watchlist_csv(EXAMPLE)
    assert 35 <= len(records) <= 60
    assert len({r.list_id for r in records}) >= 1 and all(r.list_id.startswith("QB-EXAMPLE") for r in records)
    assert any(any("а" <= ch <= "я" for alias in r.aliases for ch in alias.lower()) for r in records)  # Cyrillic aliases


async def test_the_index_is_rebuilt_after_an_announced_load_and_kept_otherwise(tmp_path, list_ids):
    lst = list_ids()
    await settle()
    before = await current_index()
    assert await current_index() is before  # nothing changed: the same index
    await load_watchlist_csv(write(tmp_path, f"{lst},Gottfried Malinczak-Heyn,,,\n"))
    after = await current_index()
    assert after is not before
    assert after.match("Gottfried Malinczak Heyn") is not None


async def test_requests_arriving_during_a_rebuild_share_it(tmp_path, list_ids):
    lst = list_ids()
    await load_watchlist_csv(write(tmp_path, f"{lst},Kunigunde Reschauer-Plotz,,,\n"))
    await settle()
    watchlist.forget_index()
    built = await asyncio.gather(*(current_index() for _ in range(6)))
    assert len({id(index) for index in built}) == 1
    assert built[0].match("Kunigunde Reschauer Plotz") is not None


async def test_a_change_nobody_announced_is_seen_through_the_fingerprint(list_ids, monkeypatch):
    lst = list_ids()
    await settle()
    await current_index()
    # Another process wrote the table and its announcement never arrived (no PostgreSQL listener, or a
    # CLI run on SQLite): while announcements are unreliable, every use compares the table's fingerprint.
    await WatchlistEntry.create(list_id=lst, name="Theodora Wlaschek-Amrein", aliases=[])
    monkeypatch.setattr(watchlist, "reliable", lambda: False)
    index = await current_index()
    assert index.match("Theodora Wlaschek Amrein") is not None
    assert await current_index() is index  # unchanged fingerprint: no rebuild
    monkeypatch.undo()
    # A reliable process re-checks the fingerprint now and then too.
    await WatchlistEntry.filter(list_id=lst).delete()
    monkeypatch.setattr(watchlist, "_RECHECK_S", 0.0)
    assert (await current_index()).match("Theodora Wlaschek Amrein") is None


async def test_the_cli_loads_a_file_prints_counts_and_audits(tmp_path):
    async with migrated_database(tmp_path) as url:
        result = qianbao("watchlist", "load", str(EXAMPLE), "--database-url", url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "list QB-EXAMPLE-SANCTIONS: 32 entries loaded, 0 replaced" in result.stdout
        assert "41 entries" in result.stdout
        again = qianbao("watchlist", "load", str(EXAMPLE), "--database-url", url, cwd=tmp_path)
        assert "32 entries loaded, 32 replaced" in again.stdout
        assert (await query(url, "SELECT COUNT(*) FROM watchlist_entry"))[0][0] == 41

        bad = tmp_path / "bad.csv"
        bad.write_text(HEADER + "QB-EXAMPLE-SANCTIONS,Only One,,,\nQB-EXAMPLE-SANCTIONS,Bad Country,,,RUS\n")
        refused = qianbao("watchlist", "load", str(bad), "--database-url", url, cwd=tmp_path)
        assert refused.returncode == 1
        line = assert_clean_failure(refused)
        assert "bad.csv line 3" in line and "nothing was loaded" in line
        missing = qianbao("watchlist", "load", str(tmp_path / "nope.csv"), "--database-url", url, cwd=tmp_path)
        assert missing.returncode == 1 and "cannot read" in assert_clean_failure(missing)
        assert (await query(url, "SELECT COUNT(*) FROM watchlist_entry"))[0][0] == 41

        audited = await query(url, "SELECT outcome, actor_kind, detail FROM audit_event WHERE operation = 'watchlistLoad'"
                                   " ORDER BY id")
        assert [(r[0], r[1]) for r in audited] == [("OK", "cli"), ("OK", "cli"), ("VALIDATION", "cli"), ("UNREADABLE", "cli")]
        assert "QB-EXAMPLE-SANCTIONS=32(was 32)" in audited[1][2]


async def test_removing_a_list_takes_its_names_out_of_screening(tmp_path, list_ids):
    lst = list_ids()
    await load_watchlist_csv(write(tmp_path, f"{lst},Reinhold Fastlinger-Oud,,,\n"))
    assert (await current_index()).match("Reinhold Fastlinger-Oud") is not None
    assert await remove_watchlists([lst]) == 1
    assert (await current_index()).match("Reinhold Fastlinger-Oud") is None
