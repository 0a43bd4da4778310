"""Planning a posting: everything decided before any lock, from cached facts and the other domains' answers.

Reads the wallets' unchanging facts (services.db.wallet_rows), checks who may
move them and in which currency, asks the fee engine what the posting costs
(the same function feeQuote answers with), finds the bank's accounts it
needs, asks compliance what applies (strong customer authentication first),
then hands the lot to the pure `build_plan`.
"""

from __future__ import annotations

from typing import Any

from auth.principal import Principal
from services import clock
from models.enums import AccountKind, TransactionKind
from services.compliance.posting_checks import check_compliance
from services.compliance.sweep_checks import check_reversal, check_sweep
from services.compliance.strong_auth_check import check_strong_authentication
from services.db.wallet_rows import wallet_facts
from services.fees.charging import NO_FEE, Fee, fee_for
from services.ledger.plan import BankAccounts, PlanInputs, PostingPlan, build_plan, needs_bank_side, needs_settlement
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.rules import check_customer_token, common_currency, locked_or_missing
from services.money import parse_amount
from services.partners.environment import is_sandbox_partner
from services.system_accounts import partner_revenue_account_id, sandbox_account_id, system_account_id


DRY_RUN_ACCOUNTS = BankAccounts(settlement=-1, fee_revenue=-1, partner_revenue=-2)


async def _bank_accounts(checked: CheckedRequest, fee: Fee, partner_id: Any, currency: str) -> BankAccounts:
    """The bank's accounts this posting's legs need (created once per currency; the settlement one exists already).

    A sandbox partner's postings never touch the bank's settlement or fee
    revenue accounts: its own sandbox account takes their place (and mints
    sandboxFund's money), so test money stays apart from real money.
    """
    kind = checked.req.kind
    sandbox = None
    if needs_bank_side(kind, fee.fee_minor) and await is_sandbox_partner(partner_id):
        sandbox = await sandbox_account_id(partner_id, currency)
    settlement = None
    if needs_settlement(kind):
        settlement = sandbox or await system_account_id(AccountKind.SETTLEMENT, currency, create=False)
    fee_revenue = partner_revenue = None
    if fee.fee_minor:
        fee_revenue = sandbox or await system_account_id(AccountKind.FEE_REVENUE, currency)
        if fee.share_minor:
            partner_revenue = await partner_revenue_account_id(partner_id, currency)
    return BankAccounts(settlement=settlement, fee_revenue=fee_revenue, partner_revenue=partner_revenue, sandbox=sandbox)


async def _facts(principal: Principal, req: PostingRequest) -> dict:
    """The facts of the wallets the request names: the caller's own, and a wallet of another partner only when a
    service named that partner (a merchant's settlement wallet; a payer's wallet behind a collected payment code)."""
    if req.to_partner_id is None and req.from_partner_id is None:
        return await wallet_facts(principal.partner_id, req.wallet_ids)
    facts: dict = {}
    for wallet_id, partner_id in ((req.from_wallet_id, req.from_partner_id), (req.to_wallet_id, req.to_partner_id)):
        if wallet_id is not None:
            facts.update(await wallet_facts(partner_id or principal.partner_id, [wallet_id]))
    return facts


async def plan_posting(principal: Principal, checked: CheckedRequest) -> PostingPlan:
    """Wallets, currency, amount, fee, compliance and the balanced legs, all before any lock."""
    req = checked.req
    facts = await _facts(principal, req)
    known = {w: f.as_locked(w) for w, f in facts.items()}
    source = locked_or_missing(known, req.from_wallet_id, req.from_field)
    target = locked_or_missing(known, req.to_wallet_id, req.to_field)
    check_customer_token(principal, req, source, target)
    currency = common_currency(source, target, checked.currency, req)
    amount_minor = parse_amount(req.amount_text, currency)
    payer = source or target
    assert payer is not None
    # STEP_UP_REQUIRED before any fee, limit or write: nothing is counted, the key stays unused.
    await check_strong_authentication(
        principal, kind=req.kind, customer_id=payer.customer_id, amount_minor=amount_minor, currency=currency
    )
    # The same function feeQuote answers with: the charge is what was quoted. A reversal charges nothing: its
    # legs already give the original's fee back.
    fee = NO_FEE if req.kind is TransactionKind.REVERSAL else await fee_for(
        principal=principal, kind=req.kind.value, amount_minor=amount_minor, currency=currency,
        from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
    )
    # A dry run creates nothing, not even a bank account a first posting in a currency would create:
    # its legs are never written, so placeholder account ids serve.
    accounts = DRY_RUN_ACCOUNTS if req.dry_run else await _bank_accounts(checked, fee, principal.partner_id, currency)
    # A sweep (walletClose) stays with its customer: not an outgoing payment (services.compliance.sweep_checks).
    check = {TransactionKind.SWEEP: check_sweep, TransactionKind.REVERSAL: check_reversal}.get(req.kind, check_compliance)
    compliance = await check(
        kind=req.kind, source=source, target=target, amount_minor=amount_minor, currency=currency,
        at=clock.now(), from_field=req.from_field, to_field=req.to_field, dry_run=req.dry_run,
    )
    return build_plan(PlanInputs(
        kind=req.kind, facts=facts, source=source, target=target, from_field=req.from_field, to_field=req.to_field,
        currency=currency, amount_minor=amount_minor, fee=fee, accounts=accounts, compliance=compliance,
        reversing=req.reversing,
    ))
