"""services.statements against the database (SQLite or PostgreSQL, whichever the suite runs on): a statement's
figures reconcile with the ledger for random periods of a generated history, and its files render it."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import timedelta

import pytest
from pypdf import PdfReader

from models import Account, Customer, Entry, Transaction
from services.customer_pii import open_contact, seal_contact
from services.db.sql import as_datetime
from services.errors import Forbidden, NotFound, ValidationFailed
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.statements.csv_export import BOM, HEADER, statement_csv
from services.statements.owner import holder_name
from services.statements.pdf_export import statement_pdf
from services.statements.statement import statement_lines, wallet_statement
from tests.integration.service_support import holder, new_partner

SEED = 20261204


def ref(wallet_id: uuid.UUID) -> str:
    return f"W:{wallet_id}"


async def history(rng: random.Random, moves: int = 40, *, fees: bool = False):
    """A partner with three wallets that saw `moves` random top-ups, transfers and withdrawals (with fees if asked)."""
    partner = await new_partner("stmt")
    if fees:
        for kind, terms in (("TRANSFER", {"fixed_minor": 100, "rate_bps": 50}), ("TOP_UP", {"fixed_minor": 10}),
                            ("WITHDRAWAL", {"fixed_minor": 200})):
            await create_rule(terms={"partner_id": partner.partner_id, "kind": kind, "currency": "CNY", **terms},
                              created_by="test:statements")
    wallets = [await holder(partner) for _ in range(3)]
    for w in wallets:
        await post_top_up(principal=partner, wallet_id=w.wallet_id, amount="500.00", idempotency_key=f"seed-{w.wallet_id}")
    for n in range(moves):
        a, b = rng.sample(wallets, 2)
        amount = f"{rng.randint(1, 2000) / 100:.2f}"
        pick = rng.random()
        if pick < 0.5:
            await post_transfer(principal=partner, from_wallet_id=a.wallet_id, to_wallet_id=b.wallet_id, amount=amount,
                                idempotency_key=f"t-{n}", memo=rng.choice([None, "午饭 lunch", "rent"]))
        elif pick < 0.75:
            await post_top_up(principal=partner, wallet_id=a.wallet_id, amount=amount, idempotency_key=f"u-{n}")
        else:
            await post_withdrawal(principal=partner, wallet_id=a.wallet_id, amount=amount, idempotency_key=f"w-{n}")
    return partner, wallets


async def entries_of(account_id: int) -> list[tuple]:
    """The account's entries as (created_at, amount), straight from the ORM."""
    rows = await Entry.filter(account_id=account_id).order_by("id").values_list("created_at", "amount_minor")
    return [(as_datetime(at), amount) for at, amount in rows]


async def test_statement_totals_equal_ledger_sums_for_random_periods(database_url):
    rng = random.Random(SEED)
    partner, wallets = await history(rng)
    for w in wallets:
        entries = await entries_of(w.account_id)
        times = sorted({at for at, _ in entries})
        balance = (await Account.get(id=w.account_id)).balance_minor
        for _ in range(6):
            start = rng.choice(times) + timedelta(microseconds=rng.choice([-1, 0, 1]))
            end = max(start + timedelta(microseconds=1), rng.choice(times) + timedelta(microseconds=rng.choice([0, 1])))
            statement = await wallet_statement(partner, w.wallet_id, start, end)
            lines = [line async for line in statement.stream()]
            assert statement.opening_minor == sum(a for at, a in entries if at < start)
            assert statement.closing_minor == sum(a for at, a in entries if at < end)  # the balance at `to`
            assert statement.opening_minor + sum(line.amount_minor for line in lines) == statement.closing_minor
            assert len(lines) == sum(total.count for total in statement.totals)
            running = statement.opening_minor
            for line in lines:
                running += line.amount_minor
                assert line.running_balance_minor == running and start <= line.at < end
        whole = await wallet_statement(partner, w.wallet_id, times[0], times[-1] + timedelta(seconds=1))
        assert (whole.opening_minor, whole.closing_minor) == (0, balance)


async def test_each_line_is_the_transactions_effect_and_fees_are_the_wallets_own(database_url):
    partner, wallets = await history(random.Random(SEED + 5), moves=30, fees=True)
    for w in wallets:
        times = sorted({at for at, _ in await entries_of(w.account_id)})
        statement = await wallet_statement(partner, w.wallet_id, times[0], times[-1] + timedelta(seconds=1))
        lines = [line async for line in statement.stream()]
        txs = {t.id: t for t in await Transaction.filter(id__in=[line.transaction_id for line in lines])}
        for line in lines:
            tx = txs[line.transaction_id]
            paid_by_wallet = tx.from_wallet_id == w.wallet_id or (tx.from_wallet_id is None and tx.to_wallet_id == w.wallet_id)
            fee = tx.fee_minor if paid_by_wallet else 0
            gross = -tx.amount_minor if tx.from_wallet_id == w.wallet_id else tx.amount_minor
            assert (line.amount_minor, line.fee_minor) == (gross - fee, fee), tx.kind
        assert statement.total_fees_minor == sum(line.fee_minor for line in lines) > 0
        assert statement.closing_minor == (await Account.get(id=w.account_id)).balance_minor
        by_kind = {total.kind: total for total in statement.totals}
        for kind, total in by_kind.items():
            mine = [line for line in lines if line.kind == kind]
            assert (total.count, total.amount_minor, total.fee_minor) == (
                len(mine), sum(line.amount_minor for line in mine), sum(line.fee_minor for line in mine))


async def test_pages_of_lines_continue_the_running_balance(database_url):
    partner, wallets = await history(random.Random(SEED + 1), moves=25)
    w = wallets[0]
    times = sorted({at for at, _ in await entries_of(w.account_id)})
    statement = await wallet_statement(partner, w.wallet_id, times[1], times[-1] + timedelta(seconds=1))
    streamed = [line async for line in statement.stream()]
    paged, after = [], None
    while True:
        page = await statement_lines(statement, first=3, after=after)
        paged += page.items
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert paged == streamed and len(streamed) > 3
    with pytest.raises(ValidationFailed):
        await statement_lines(statement, first=3, after="not-a-cursor")


async def test_streaming_in_small_pages_gives_the_same_lines(database_url):
    from services.statements.lines import stream_lines
    partner, wallets = await history(random.Random(SEED + 2), moves=15)
    w = wallets[1]
    times = sorted({at for at, _ in await entries_of(w.account_id)})
    statement = await wallet_statement(partner, w.wallet_id, times[0], times[-1] + timedelta(seconds=1))
    by_two = [line async for line in stream_lines(w.account_id, w.wallet_id, statement.period, 0, page=2)]
    assert by_two == [line async for line in statement.stream()]


async def test_scope_and_bad_ranges(database_url):
    partner, wallets = await history(random.Random(SEED + 3), moves=2)
    other = await new_partner("stmt")
    start = as_datetime("2026-01-01T00:00:00+00:00")
    assert start is not None
    with pytest.raises(NotFound):
        await wallet_statement(other, wallets[0].wallet_id, start, start + timedelta(days=1))
    with pytest.raises(NotFound):
        await wallet_statement(partner, uuid.uuid4(), start, start + timedelta(days=1))
    no_scope = type(partner)(kind="partner", subject="x", partner_id=partner.partner_id, scopes=frozenset({"wallets:read"}))
    with pytest.raises(Forbidden):
        await wallet_statement(no_scope, wallets[0].wallet_id, start, start + timedelta(days=1))
    for a, b in ((start, start), (start, start - timedelta(days=1)), (start, start + timedelta(days=367)),
                 (start.replace(tzinfo=None), start + timedelta(days=1))):
        with pytest.raises(ValidationFailed):
            await wallet_statement(partner, wallets[0].wallet_id, a, b)


async def test_csv_round_trip_and_pdf_with_the_chinese_name(database_url):
    partner, wallets = await history(random.Random(SEED + 4), moves=12)
    w = wallets[0]
    await Customer.filter(id=w.customer_id).update(**await seal_contact(w.customer_id, {"display_name": "张伟"}))
    times = sorted({at for at, _ in await entries_of(w.account_id)})
    statement = await wallet_statement(partner, w.wallet_id, times[0], times[-1] + timedelta(seconds=1))
    lines = [line async for line in statement.stream()]
    raw = b"".join([chunk async for chunk in statement_csv(statement, ref)])
    assert raw.startswith(BOM.encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    body, footer = rows[1:1 + len(lines)], rows[1 + len(lines):]
    assert [(r[1], r[5], r[7]) for r in body] == [
        (str(line.transaction_id), f"{line.amount_minor / 100:.2f}", f"{line.running_balance_minor / 100:.2f}") for line in lines
    ]
    assert [r[2] for r in footer] == ["OPENING_BALANCE", "CLOSING_BALANCE", "TOTAL_FEES"]
    assert footer[1][7] == f"{statement.closing_minor / 100:.2f}"
    name = await holder_name(statement.wallet)
    assert name == "张伟"
    pdf = await statement_pdf(statement, holder=name, wallet_ref=ref)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # pypdf reads fpdf2's two-byte glyph codes a byte at a time and puts a NUL before each character; the
    # ToUnicode map itself is right (poppler's pdftotext reads the text plainly).
    squeezed = "".join(text.replace("\x00", "").split())
    assert "张伟" in squeezed and ref(w.wallet_id) in squeezed
    assert f"{statement.closing_minor / 100:.2f}" in squeezed


async def test_the_holder_is_the_kyc_legal_name_once_approved(database_url):
    import hashlib

    from auth.principal import Principal
    from auth.roles import permissions_of
    from services.kyc.application import DocumentIn, KycApplication
    from services.kyc.review import review_kyc
    from services.kyc.submission import submit_kyc

    partner, wallets = await history(random.Random(SEED + 6), moves=1)
    w = wallets[0]
    times = sorted({at for at, _ in await entries_of(w.account_id)})
    statement = await wallet_statement(partner, w.wallet_id, times[0], times[-1] + timedelta(seconds=1))
    assert await holder_name(statement.wallet) == (await open_contact(await Customer.get(id=w.customer_id))).display_name
    digest = hashlib.sha256(b"id card").hexdigest()
    submitted = await submit_kyc(principal=partner, customer_id=w.customer_id, application=KycApplication(
        legal_name="欧阳娜娜", date_of_birth="1990-06-01", nationality="CN", id_type="passport", id_number="E98765432",
        address="1 Tea Road, Hangzhou", documents=[DocumentIn(type="passport", sha256=digest, file_name="id.pdf")]))
    compliance = Principal(kind="staff", subject=str(uuid.UUID(int=12)), partner_id=None, role="compliance",
                           scopes=permissions_of("compliance"))
    await review_kyc(principal=compliance, submission_id=submitted.id, decision="APPROVE", reason="ok", tier=3)
    name = await holder_name(statement.wallet)
    assert name == "欧阳娜娜"
    pdf = await statement_pdf(statement, holder=name, wallet_ref=ref)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "欧阳娜娜" in "".join(text.replace("\x00", "").split())
