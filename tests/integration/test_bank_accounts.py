"""services.funding bank accounts: link (per-country rules, encrypted, deduplicated), verify, review, remove, use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import AuditEvent, Customer, DomainEvent
from models.funding import BankAccount
from services.audit import Actor, AuditNote
from services.errors import (
    AlreadyLinked, Forbidden, FundingSourceNotUsable, FundingSourceStateConflict, InvalidBankAccount, NotFound,
    UnsupportedCountry, VerificationFailed, VerificationLocked,
)
from services.funding import queries
from services.funding.bank_linking import link_bank_account
from services.funding.bank_verification import remove_bank_account, review_bank_account, verify_bank_account
from services.funding.micro_deposits import seed_micro_deposits
from services.funding.usable import usable_bank_account, usable_funding_source
from services.customer_pii import open_contact
from services.pii import decrypt_value, pii_context
from tests.integration.merchant_support import customer_token, staff
from tests.integration.service_support import holder, new_partner

IBAN = "DE89370400440532013000"


async def _link(partner, owner, **overrides):
    customer = await Customer.get(id=owner.customer_id)
    args = {"country": "DE", "bank_code": None, "account_number": None, "iban": IBAN,
            "holder_name": (await open_contact(customer)).display_name, **overrides}
    return await link_bank_account(principal=partner, customer_id=owner.customer_id, **args)


def _amounts(row: BankAccount) -> list[str]:
    return [str(Decimal(m) / 100) for m in row.micro_deposits]


async def test_an_iban_account_is_stored_encrypted_masked_and_waits_for_micro_deposits(database_url):
    seed_micro_deposits(7)
    partner = await new_partner("ba-link")
    owner = await holder(partner)
    record = await _link(partner, owner, iban="DE89 3704 0044 0532 0130 00")
    assert (record.status, record.masked_number, record.bank_code, record.currency) == (
        "PENDING_VERIFICATION", "•••• 3000", "COBADEFFXXX", "EUR")
    row = await BankAccount.get(id=record.id)
    assert IBAN not in row.number_enc and row.number_enc.startswith("pii1.")
    assert await decrypt_value(row.number_enc, context=pii_context("bank_account", "number_enc", row.id)) == IBAN
    assert all(1 <= m <= 99 for m in row.micro_deposits)
    event = await DomainEvent.get(type="bank_account.linked", object_id=str(record.id))
    assert event.payload == {"bankAccountId": str(record.id), "customerId": str(owner.customer_id),
                             "maskedNumber": "•••• 3000", "status": "PENDING_VERIFICATION"}
    seed_micro_deposits(None)


@pytest.mark.parametrize("overrides, error, field", [
    ({"iban": "DE89370400440532013001"}, InvalidBankAccount, ["iban"]),  # bad check digits
    ({"iban": "DE8937040044053201300"}, InvalidBankAccount, ["iban"]),  # wrong length
    ({"country": "US", "iban": None, "bank_code": "011000016", "account_number": "123456"}, InvalidBankAccount, ["bankCode"]),
    ({"country": "US", "iban": None, "bank_code": "011000015", "account_number": "123"}, InvalidBankAccount, ["accountNumber"]),
    ({"country": "CN", "iban": None, "bank_code": "10210009999", "account_number": "6222021234567890"}, InvalidBankAccount, ["bankCode"]),
    ({"country": "CN", "iban": None, "bank_code": "102100099996", "account_number": "622202123"}, InvalidBankAccount, ["accountNumber"]),
    ({"country": "JP", "iban": None, "bank_code": "0001", "account_number": "1234567"}, UnsupportedCountry, ["country"]),
])
async def test_bad_accounts_are_refused_with_a_stable_code_and_nothing_is_stored(database_url, overrides, error, field):
    partner = await new_partner("ba-bad")
    owner = await holder(partner)
    before = await BankAccount.all().count()
    with pytest.raises(error) as caught:
        await _link(partner, owner, **overrides)
    assert caught.value.field == field
    assert await BankAccount.all().count() == before


async def test_us_and_cn_accounts_link(database_url):
    partner = await new_partner("ba-uscn")
    owner = await holder(partner)
    us = await _link(partner, owner, country="US", iban=None, bank_code="011000015", account_number="000123456789")
    cn = await _link(partner, owner, country="CN", iban=None, bank_code="102100099996", account_number="6222021234567890")
    assert (us.currency, us.bank_code, us.masked_number) == ("USD", "011000015", "•••• 6789")
    assert (cn.currency, cn.bank_code, cn.masked_number) == ("CNY", "102100099996", "•••• 7890")


async def test_the_same_account_twice_is_already_linked_until_removed(database_url):
    partner = await new_partner("ba-dup")
    owner = await holder(partner)
    first = await _link(partner, owner)
    with pytest.raises(AlreadyLinked):
        await _link(partner, owner, iban="de89 3704 0044 0532 0130 00")
    await remove_bank_account(principal=partner, bank_account_id=first.id)
    assert (await _link(partner, owner)).status == "PENDING_VERIFICATION"


async def test_right_micro_deposits_verify_and_three_wrong_answers_lock(database_url):
    partner = await new_partner("ba-md")
    owner = await holder(partner)
    token = customer_token(partner, owner.customer_id)
    good = await _link(partner, owner)
    row = await BankAccount.get(id=good.id)
    verified = await verify_bank_account(principal=token, bank_account_id=good.id, amounts=list(reversed(_amounts(row))))
    assert verified.status == "VERIFIED" and (await usable_bank_account(token, good.id)).id == good.id
    assert await DomainEvent.filter(type="bank_account.verified", object_id=str(good.id)).count() == 1

    bad = await _link(partner, owner, country="US", iban=None, bank_code="011000015", account_number="12345678")
    with pytest.raises(FundingSourceNotUsable):
        await usable_bank_account(partner, bad.id)
    for tries_left in (2, 1):
        with pytest.raises(VerificationFailed, match=f"{tries_left} tries left"):
            await verify_bank_account(principal=partner, bank_account_id=bad.id, amounts=["1.00", "1.00"])
    with pytest.raises(VerificationLocked):
        await verify_bank_account(principal=partner, bank_account_id=bad.id, amounts=["1.00", "1.00"])
    assert (await BankAccount.get(id=bad.id)).status.value == "LOCKED"
    assert await DomainEvent.filter(type="bank_account.locked", object_id=str(bad.id)).count() == 1
    row = await BankAccount.get(id=bad.id)
    with pytest.raises(VerificationLocked):  # even the right answer now
        await verify_bank_account(principal=partner, bank_account_id=bad.id, amounts=_amounts(row))


async def test_instant_verification_both_ways(database_url):
    partner = await new_partner("ba-inst")
    owner = await holder(partner)
    ok = await _link(partner, owner, country="US", iban=None, bank_code="011000015", account_number="12345678",
                     method="INSTANT")
    assert ok.status == "VERIFIED" and ok.verified_at is not None
    before = await BankAccount.all().count()
    with pytest.raises(VerificationFailed):
        await _link(partner, owner, country="US", iban=None, bank_code="011000015", account_number="12340000",
                    method="INSTANT")
    assert await BankAccount.all().count() == before


async def test_a_holder_name_mismatch_needs_review_then_staff_approve_or_reject(database_url):
    partner = await new_partner("ba-rev")
    owner = await holder(partner)
    pending = await _link(partner, owner, holder_name="Completely Different Person")
    assert pending.status == "NEEDS_REVIEW" and pending.name_match_score < 0.85
    with pytest.raises(FundingSourceStateConflict):
        await verify_bank_account(principal=partner, bank_account_id=pending.id, amounts=["0.01", "0.02"])
    officer = staff("compliance")
    note = AuditNote(actor=Actor(kind="staff", id=officer.subject), operation="bankAccountReview")
    with pytest.raises(Forbidden):
        await review_bank_account(principal=staff("support"), bank_account_id=pending.id, decision="APPROVE",
                                  reason="looks fine", audit=note)
    approved = await review_bank_account(principal=officer, bank_account_id=pending.id, decision="APPROVE",
                                         reason="joint account, documents seen", audit=note)
    assert approved.status == "PENDING_VERIFICATION" and approved.audited
    assert await AuditEvent.filter(operation="bankAccountReview", object_id=str(pending.id)).count() == 1

    other = await _link(partner, owner, country="CN", iban=None, bank_code="102100099996",
                        account_number="6222021234567890", holder_name="Someone Else Entirely")
    rejected = await review_bank_account(principal=officer, bank_account_id=other.id, decision="REJECT",
                                         reason="not the customer's account", audit=note)
    assert rejected.status == "REJECTED" and rejected.status_reason == "not the customer's account"
    with pytest.raises(FundingSourceStateConflict):
        await review_bank_account(principal=officer, bank_account_id=other.id, decision="APPROVE", reason="again",
                                  audit=note)


async def test_another_partner_sees_nothing_and_staff_read_everything(database_url):
    partner, other = await new_partner("ba-vis"), await new_partner("ba-vis2")
    owner = await holder(partner)
    record = await _link(partner, owner)
    with pytest.raises(NotFound):
        await queries.get_bank_account(principal=other, bank_account_id=record.id)
    with pytest.raises(NotFound):
        await usable_bank_account(other, record.id)
    with pytest.raises(NotFound):
        await verify_bank_account(principal=other, bank_account_id=record.id, amounts=["0.01", "0.02"])
    assert (await queries.get_bank_account(principal=staff("support"), bank_account_id=record.id)).id == record.id
    page = await queries.list_bank_accounts(principal=customer_token(partner, owner.customer_id),
                                            customer_id=owner.customer_id)
    assert [r.id for r in page.items] == [record.id]
    stranger = await holder(partner)
    with pytest.raises(NotFound):
        await queries.get_bank_account(principal=customer_token(partner, stranger.customer_id), bank_account_id=record.id)


async def test_a_rail_gets_only_a_verified_account_of_the_wallet_customer_in_its_currency(database_url):
    partner = await new_partner("ba-rail")
    owner = await holder(partner)
    record = await _link(partner, owner, country="CN", iban=None, bank_code="102100099996",
                         account_number="6222021234567891", method="INSTANT")
    source = await usable_funding_source(partner, "BANK_ACCOUNT", record.id, customer_id=owner.customer_id,
                                         currency="CNY")
    assert (source.kind, source.id, source.customer_id) == ("BANK_ACCOUNT", record.id, owner.customer_id)
    with pytest.raises(FundingSourceNotUsable):
        await usable_funding_source(partner, "BANK_ACCOUNT", record.id, customer_id=owner.customer_id, currency="USD")
    other = await holder(partner)
    with pytest.raises(FundingSourceNotUsable):
        await usable_funding_source(partner, "BANK_ACCOUNT", record.id, customer_id=other.customer_id, currency="CNY")


async def test_the_fingerprint_is_keyed_and_the_name_match_uses_the_customer_name(database_url):
    from services.funding.events import bank_account_event
    from services.funding.fingerprint import account_fingerprint
    from services.funding.holder_name import NAME_MATCH_THRESHOLD, customer_name, holder_score
    from services.funding.records import BankAccountRecord

    fingerprint = account_fingerprint("DE", IBAN)
    assert fingerprint == account_fingerprint("DE", IBAN) != account_fingerprint("AT", IBAN)
    assert IBAN not in fingerprint and len(fingerprint) == 64
    partner = await new_partner("ba-fp")
    owner = await holder(partner)
    customer = await Customer.get(id=owner.customer_id)
    name = (await open_contact(customer)).display_name
    assert name.startswith("Holder ") and await customer_name(customer) == name  # no approved KYC: the display name
    assert await holder_score(customer, name.upper()) >= NAME_MATCH_THRESHOLD
    record = await _link(partner, owner)
    row = await BankAccount.get(id=record.id)
    assert row.number_fingerprint == fingerprint and BankAccountRecord.from_row(row).masked_number == "•••• 3000"
    assert callable(bank_account_event)
