"""Importing settlement files: outcomes applied once through the rails' one handler, every disagreement an exception."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import ReconciliationException, RailTransfer, SettlementFile, Transaction
from services import clock
from services.ledger.verify import verify_ledger
from services.reconciliation.importing import import_settlement_file
from services.reconciliation.settlement_file import SettlementFileInvalid
from tests.integration.settlement_support import csv_file, funded_holder, private_rail, submitted


def _day(offset: int = 0) -> str:
    return (clock.now().date() + timedelta(days=offset)).isoformat()


async def _kinds(rail: str) -> list[tuple[str, str | None]]:
    rows = await ReconciliationException.filter(rail=rail).order_by("kind", "reference").values_list("kind", "reference")
    return [(kind, reference) for kind, reference in rows]


async def test_a_file_settles_fails_and_returns_and_reports_every_disagreement(database_url):
    rail = private_rail()
    principal, who = await funded_holder("500.00")
    settles = await submitted(principal, who, "OUT", "10.00", rail)
    fails = await submitted(principal, who, "OUT", "20.00", rail)
    returns = await submitted(principal, who, "IN", "30.00", rail)
    wrong_amount = await submitted(principal, who, "OUT", "40.00", rail)
    missing = await submitted(principal, who, "OUT", "1.00", rail)
    today = _day()
    content = csv_file(
        f"{settles.rail_reference},10.00,CNY,{today},SETTLED,",
        f"{fails.rail_reference},20.00,CNY,{today},FAILED,R01",
        f"{returns.rail_reference},30.00,CNY,{today},SETTLED,",
        f"{returns.rail_reference},30.00,CNY,{today},RETURNED,R02",
        f"{wrong_amount.rail_reference},40.01,CNY,{today},SETTLED,",
        f"nobody-knows-this,5.00,CNY,{today},SETTLED,",
        f"{settles.rail_reference},10.00,CNY",
        "bad-amount,1.234,CNY,2026-01-01,SETTLED,",
        reason=True,
    )
    report = await import_settlement_file(content=content, name="day.csv", rail=rail, as_of=clock.now().date() + timedelta(days=1))
    assert not report.already_imported and report.lines == 8
    assert report.counts == {"applied": 4, "AMOUNT_MISMATCH": 1, "UNKNOWN_REFERENCE": 1, "MALFORMED_LINE": 2,
                             "MISSING_FROM_FILE": 1}
    statuses = {t.id: t.status for t in await RailTransfer.filter(rail=rail)}
    assert statuses == {settles.id: "SETTLED", fails.id: "FAILED", returns.id: "RETURNED",
                        wrong_amount.id: "SUBMITTED", missing.id: "SUBMITTED"}
    assert (await RailTransfer.get(id=fails.id)).reason_code == "R01"
    assert (await Transaction.get(id=(await RailTransfer.get(id=returns.id)).return_transaction_id)).kind == "RAIL_RETURN"
    assert await _kinds(rail) == [
        ("AMOUNT_MISMATCH", wrong_amount.rail_reference), ("MALFORMED_LINE", "bad-amount"),
        ("MALFORMED_LINE", settles.rail_reference),
        ("MISSING_FROM_FILE", missing.rail_reference), ("UNKNOWN_REFERENCE", "nobody-knows-this"),
    ]
    mismatch = await ReconciliationException.get(rail=rail, kind="AMOUNT_MISMATCH")
    assert (mismatch.expected_minor, mismatch.actual_minor, mismatch.currency, mismatch.line_number) == (4_000, 4_001, "CNY", 6)
    malformed = await ReconciliationException.get(rail=rail, kind="MALFORMED_LINE", line_number=8)
    assert malformed.line_text == f"{settles.rail_reference},10.00,CNY" and "columns" in malformed.detail
    assert (await verify_ledger()).ok

    # The same bytes again: "already imported", nothing written.
    again = await import_settlement_file(content=content, name="day-again.csv", rail=rail)
    assert again.already_imported and again.new_exceptions == 0
    assert await SettlementFile.filter(rail=rail).count() == 1
    assert await ReconciliationException.filter(rail=rail).count() == 5

    # A corrected file that repeats lines: nothing applied twice, no exception duplicated, the fixed one settles.
    corrected = csv_file(
        f"{settles.rail_reference},10.00,CNY,{today},SETTLED,",
        f"{wrong_amount.rail_reference},40.01,CNY,{today},SETTLED,",
        f"nobody-knows-this,5.00,CNY,{today},SETTLED,",
        f"{missing.rail_reference},1.00,CNY,{today},SETTLED,",
        reason=True,
    )
    fixed = await import_settlement_file(content=corrected, name="day-corrected.csv", rail=rail)
    assert fixed.counts == {"unchanged": 1, "applied": 1, "AMOUNT_MISMATCH": 1, "UNKNOWN_REFERENCE": 1}
    assert fixed.new_exceptions == 0
    assert await ReconciliationException.filter(rail=rail).count() == 5
    assert (await RailTransfer.get(id=missing.id)).status == "SETTLED"
    assert (await verify_ledger()).ok


async def test_status_conflicts_and_a_return_we_never_saw_settle(database_url):
    rail = private_rail()
    principal, who = await funded_holder("500.00")
    failed = await submitted(principal, who, "OUT", "10.00", rail)
    unseen = await submitted(principal, who, "OUT", "15.00", rail)
    today = _day()
    await import_settlement_file(content=csv_file(f"{failed.rail_reference},10.00,CNY,{today},FAILED"), name="a.csv",
                                 rail=rail)
    report = await import_settlement_file(content=csv_file(
        f"{failed.rail_reference},10.00,CNY,{today},SETTLED",  # we have FAILED
        f"{unseen.rail_reference},15.00,CNY,{today},RETURNED",  # settled then returned: both applied, once
    ), name="b.csv", rail=rail)
    assert report.counts == {"STATUS_CONFLICT": 1, "applied": 1}
    conflict = await ReconciliationException.get(rail=rail, kind="STATUS_CONFLICT")
    assert (conflict.our_status, conflict.file_status) == ("FAILED", "SETTLED")
    returned = await RailTransfer.get(id=unseen.id)
    assert returned.status == "RETURNED" and returned.settled_at is not None
    assert (await verify_ledger()).ok


async def test_missing_from_file_follows_the_latest_value_date(database_url):
    rail = private_rail()
    principal, who = await funded_holder("500.00")
    listed = await submitted(principal, who, "OUT", "10.00", rail)
    unlisted = await submitted(principal, who, "OUT", "11.00", rail)
    # Value date today: a transfer submitted today is not yet expected on the file.
    today = await import_settlement_file(content=csv_file(f"{listed.rail_reference},10.00,CNY,{_day()},SETTLED"),
                                         name="today.csv", rail=rail)
    assert "MISSING_FROM_FILE" not in today.counts
    # Value date tomorrow: it was submitted before that day and is still SUBMITTED.
    tomorrow = await import_settlement_file(content=csv_file(f"{listed.rail_reference},10.00,CNY,{_day(1)},SETTLED"),
                                            name="tomorrow.csv", rail=rail)
    assert tomorrow.counts == {"unchanged": 1, "MISSING_FROM_FILE": 1}
    assert await _kinds(rail) == [("MISSING_FROM_FILE", unlisted.rail_reference)]


@pytest.mark.parametrize("content", [
    b"",
    b"ref,amount,currency,value_date,status\nx,1.00,CNY,2026-01-01,SETTLED\n",
    b"reference,amount,currency,value_date\n",
    b"\xff\xfe not utf-8",
])
async def test_a_file_with_a_wrong_header_is_refused_whole(database_url, content):
    rail = private_rail()
    with pytest.raises(SettlementFileInvalid):
        await import_settlement_file(content=content, name="bad.csv", rail=rail)
    assert await SettlementFile.filter(rail=rail).count() == 0
    assert await ReconciliationException.filter(rail=rail).count() == 0


async def test_a_resolved_exception_frees_its_key_so_the_same_problem_found_again_is_new(database_url):
    from auth.principal import Principal
    from services.audit import Actor, AuditNote
    from services.errors import Forbidden, ReconciliationStateConflict
    from services.reconciliation.exceptions import get_exception, list_exceptions, resolve_exception

    officer = Principal(kind="staff", subject="officer-1", partner_id=None, role="compliance",
                        scopes=frozenset({"reconciliation:read", "reconciliation:write"}))
    analyst = Principal(kind="staff", subject="analyst-1", partner_id=None, role="analyst",
                        scopes=frozenset({"reconciliation:read"}))
    note = AuditNote(actor=Actor(kind="staff", id="officer-1"), operation="reconciliationExceptionResolve")
    rail = private_rail()
    line = f"ghost,2.00,CNY,{_day()},SETTLED"
    await import_settlement_file(content=csv_file(line), name="one.csv", rail=rail)
    [open_one] = (await list_exceptions(principal=analyst, first=10, after=None, rail=rail, status="OPEN")).items
    assert (open_one.kind, open_one.reference, open_one.actual_minor) == ("UNKNOWN_REFERENCE", "ghost", 200)
    with pytest.raises(Forbidden):
        await resolve_exception(principal=analyst, exception_id=open_one.id, reason="not mine", audit=note)
    done = await resolve_exception(principal=officer, exception_id=open_one.id, reason="a test line of the rail",
                                   audit=note)
    assert (done.status, done.resolved_by, done.audited) == ("RESOLVED", "officer-1", True)
    with pytest.raises(ReconciliationStateConflict):
        await resolve_exception(principal=officer, exception_id=open_one.id, reason="again", audit=note)
    # Another file with the same line: the resolved exception freed its key, so this is a new one.
    await import_settlement_file(content=csv_file(line, f"other,1.00,CNY,{_day()},SETTLED"), name="two.csv", rail=rail)
    assert await ReconciliationException.filter(rail=rail, reference="ghost").count() == 2
    assert (await get_exception(principal=analyst, exception_id=open_one.id)).status == "RESOLVED"


async def test_the_settlement_commands(tmp_path):
    from tests.integration.separate_database import migrated_database
    from tests.integration.test_cli import assert_clean_failure, qianbao

    day = _day()
    good = tmp_path / "rail-day.csv"
    good.write_bytes(csv_file(f"nobody,1.00,CNY,{day},SETTLED", "broken,1.2.3,CNY,2026-01-01,SETTLED"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"ref,amount\nx,1\n")
    async with migrated_database(tmp_path) as url:
        first = qianbao("settlement", "import", str(good), "--database-url", url, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "2 lines imported for rail simulated" in first.stdout
        assert "UNKNOWN_REFERENCE: 1" in first.stdout and "MALFORMED_LINE: 1" in first.stdout
        again = qianbao("settlement", "import", str(good), "--database-url", url, cwd=tmp_path)
        assert again.returncode == 0 and "already imported" in again.stdout
        refused = qianbao("settlement", "import", str(bad), "--database-url", url, cwd=tmp_path)
        assert "the header must be" in assert_clean_failure(refused)
        report = qianbao("settlement", "report", "--date", day, "--database-url", url, cwd=tmp_path)
        assert report.returncode == 0 and "no rail movement" in report.stdout
        wrong_day = qianbao("settlement", "report", "--date", "2026-02-30", "--database-url", url, cwd=tmp_path)
        assert wrong_day.returncode != 0 and "YYYY-MM-DD" in wrong_day.stderr
