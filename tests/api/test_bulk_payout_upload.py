"""POST /bulk-payouts/{walletId}.csv: a 10,000-line file (too large for a GraphQL body) uploaded as bytes, then
executed with bulkPayoutExecute; bad uploads refused with a stable code and nothing stored."""

from __future__ import annotations

from models import Transaction
from models.bulk_payout import BulkPayout, BulkPayoutLine
from schema.common.relay import global_id_to_uuid
from tests.api.test_bulk_payout_api import _business, _execute, _lines, _payees
from tests.factories import next_id


async def _upload(client, wallet: str, body: bytes, *, mode: str = "PARTIAL", key: str | None = None,
                  token: str | None = None, headers: dict | None = None):
    return await client.http.post(
        f"/bulk-payouts/{wallet}.csv", params={"mode": mode, "idempotencyKey": key or next_id("upl")}, content=body,
        headers={"Authorization": f"Bearer {token or client.token}", "Content-Type": "text/csv", **(headers or {})})


async def test_a_ten_thousand_line_file_is_uploaded_over_http_and_a_small_one_is_paid(clients):
    a = await clients.partner()
    _, wallet = await _business(a, balance="500.00")
    p1, p2 = await _payees(a, 2)
    # 10,000 distinct lines (one reference each): about 650 KB, more than a GraphQL body may carry.
    rows = "".join(f"{p1 if n % 2 else p2},0.01,run 7 line {n}\n" for n in range(10_000))
    body = ("\ufeffbeneficiary,amount,reference\n" + rows).encode("utf-8")
    assert len(body) > 256 * 1024
    key = next_id("upl")
    created = await _upload(a, wallet, body, key=key)
    assert created.status_code == 201, created.text
    batch = created.json()["bulkPayout"]
    assert (batch["lineCount"], batch["validCount"], batch["invalidCount"]) == (10_000, 10_000, 0)
    assert batch["status"] == "READY" and batch["replayed"] is False
    again = await _upload(a, wallet, body, key=key)  # a retry of the upload answers the same batch
    assert again.status_code == 200 and again.json()["bulkPayout"]["id"] == batch["id"]
    assert await BulkPayout.filter(id=global_id_to_uuid(batch["id"], "BulkPayout")).count() == 1
    assert await BulkPayoutLine.filter(bulk_payout_id=global_id_to_uuid(batch["id"], "BulkPayout")).count() == 10_000

    small = await _upload(a, wallet, f"beneficiary,amount,reference\n{p1},12.34,rent\n{p2},0.66,tip\n".encode())
    assert small.status_code == 201, small.text
    small_id = small.json()["bulkPayout"]["id"]
    done = await _execute(a, small_id, next_id("ex"))
    assert done["userErrors"] == [] and done["bulkPayout"]["paidCount"] == 2
    assert done["bulkPayout"]["paid"]["amount"] == "13.00"
    assert [line["status"] for line in await _lines(a, small_id)] == ["PAID", "PAID"]


async def test_bad_uploads_are_refused_with_a_code_and_nothing_is_stored(clients):
    a, b = await clients.partner(), await clients.partner()
    reader = await clients.partner(token_scopes=["customers:read"])
    _, wallet = await _business(a)
    (payee,) = await _payees(a, 1)
    good = f"beneficiary,amount,reference\n{payee},1.00,x\n"
    before = (await BulkPayout.all().count(), await Transaction.all().count())

    latin1 = await _upload(a, wallet, f"beneficiary,amount,reference\n{payee},1.00,Müller\n".encode("latin-1"))
    assert latin1.status_code == 400 and latin1.json()["error"]["code"] == "BULK_FILE_ENCODING"
    assert latin1.json()["error"]["field"] == ["file"]
    huge = await _upload(a, wallet, b"x" * (2 * 1024 * 1024 + 1))
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "BULK_TOO_MANY_LINES"
    too_many = "beneficiary,amount,reference\n" + "".join(f"{payee},0.01,r{n}\n" for n in range(10_001))
    refused = await _upload(a, wallet, too_many.encode())
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "BULK_TOO_MANY_LINES"
    other_partner = await _upload(b, wallet, good.encode())  # another partner's wallet answers like a missing one
    assert other_partner.status_code == 404 and other_partner.json()["error"]["code"] == "NOT_FOUND"
    bad_mode = await _upload(a, wallet, good.encode(), mode="SOMETIMES")
    assert bad_mode.status_code == 400 and bad_mode.json()["error"]["code"] == "VALIDATION"
    no_key = await a.http.post(f"/bulk-payouts/{wallet}.csv", content=good.encode(),
                               headers={"Authorization": f"Bearer {a.token}"})
    assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "VALIDATION"
    scope = await _upload(reader, wallet, good.encode())
    assert scope.status_code == 403 and scope.json()["error"]["code"] == "FORBIDDEN"
    anonymous = await a.http.post(f"/bulk-payouts/{wallet}.csv", content=good.encode())
    assert anonymous.status_code == 401
    wrong_suffix = await a.http.post(f"/bulk-payouts/{wallet}.xlsx", content=good.encode(),
                                     headers={"Authorization": f"Bearer {a.token}"})
    assert wrong_suffix.status_code == 404
    assert (await BulkPayout.all().count(), await Transaction.all().count()) == before
