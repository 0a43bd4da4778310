"""Planning a posting: everything decided before any lock, from cached facts and the other domains' answers.

Reads the wallets' unchanging facts (services.db.wallet_rows), checks who may
move them and in which currency, asks the fee engine what the posting costs
(the same function feeQuote answers with), finds the bank's accounts it
needs, asks compliance what applies (strong customer authentication first),
then hands the lot to the pure `build_plan`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auth.principal import Principal
from services import clock
from models.enums import AccountKind, TransactionKind
from services.compliance.posting_checks import check_compliance
from services.compliance.sweep_checks import check_reversal, check_sweep
from services.compliance.strong_auth_check import check_strong_authentication
from services.business.payout_guard import check_business_payout
from services.fx.compliance import check_conversion, check_cross_currency_transfer
from services.db.wallet_rows import wallet_facts, wallet_facts_of
from services.fees.charging import NO_FEE, Fee, fee_for
from services.fees.merchant_fee import merchant_fee_for
from services.ledger.plan import BankAccounts, PlanInputs, PostingPlan, build_plan, needs_bank_side, needs_settlement
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.rules import check_customer_token, common_currency, conversion_currency, locked_or_missing
from services.money import parse_amount
from services.errors import NotFound
from services.partners.environment import is_sandbox_partner, partner_environment
from services.scoping import of_partner
from services.system_accounts import partner_revenue_account_id, sandbox_account_id, system_account_id


DRY_RUN_ACCOUNTS = BankAccounts(settlement=-1, fee_revenue=-1, partner_revenue=-2, merchant_fee_revenue=-1,
                                merchant_partner_revenue=-3, fx_position_sell=-4, fx_position_buy=-5, fx_revenue=-6)


async def _bank_accounts(checked: CheckedRequest, fee: Fee, merchant_fee: Fee, partner_id: Any,
                         currency: str) -> BankAccounts:
    """The bank's accounts this posting's legs need (created once per currency; the settlement one exists already).

    A sandbox partner's postings never touch the bank's settlement or fee
    revenue accounts: its own sandbox account takes their place (and mints
    sandboxFund's money), so test money stays apart from real money.
    """
    kind = checked.req.kind
    sandbox = None
    # A payment's partners share one environment (a sandbox code is never payable with live money), so the
    # caller's tells whether the bank's side is real or test money.
    # (A cross-currency transfer's other side is the FX position, as a conversion's: services.fx.transfers.)
    if (needs_bank_side(kind, fee.fee_minor or merchant_fee.fee_minor) or checked.req.fx is not None) and await is_sandbox_partner(partner_id):
        sandbox = await sandbox_account_id(partner_id, currency)
    settlement = None
    if needs_settlement(kind) and checked.req.fx is not None:
        # An international transfer (a WITHDRAWAL at an FX quote) leaves the bank in the currency bought.
        buy = checked.req.fx.buy_currency
        settlement = await sandbox_account_id(partner_id, buy) if sandbox else await system_account_id(
            AccountKind.SETTLEMENT, buy, create=False)
    elif needs_settlement(kind):
        settlement = sandbox or await system_account_id(AccountKind.SETTLEMENT, currency, create=False)
    fee_revenue, partner_revenue = await _revenue_accounts(fee, partner_id, currency, sandbox)
    merchant_revenue, merchant_partner = await _revenue_accounts(merchant_fee, partner_id, currency, sandbox)
    accounts = BankAccounts(settlement=settlement, fee_revenue=fee_revenue, partner_revenue=partner_revenue,
                            sandbox=sandbox, merchant_fee_revenue=merchant_revenue, merchant_partner_revenue=merchant_partner)
    fx = checked.req.fx
    if fx is None:
        return accounts
    return replace(accounts, **await _fx_accounts(partner_id, currency, fx.buy_currency, sandbox is not None))


async def _fx_accounts(partner_id: Any, sell: str, buy: str, sandbox: bool) -> dict[str, int]:
    """An FX conversion's bank side: the FX position in both currencies and FX revenue in the buy currency.

    Created once per currency (outside the posting's transaction). A sandbox partner's own sandbox account of
    each currency takes the place of all three, so test money never reaches the bank's FX position.
    """
    if sandbox:
        sell_side, buy_side = await sandbox_account_id(partner_id, sell), await sandbox_account_id(partner_id, buy)
        return {"fx_position_sell": sell_side, "fx_position_buy": buy_side, "fx_revenue": buy_side}
    return {
        "fx_position_sell": await system_account_id(AccountKind.FX_POSITION, sell),
        "fx_position_buy": await system_account_id(AccountKind.FX_POSITION, buy),
        "fx_revenue": await system_account_id(AccountKind.FX_REVENUE, buy),
    }


async def _revenue_accounts(fee: Fee, partner_id: Any, currency: str, sandbox: int | None) -> tuple[int | None, int | None]:
    """The bank's fee revenue account and the fee's partner's revenue account this fee needs (None: not needed)."""
    if not fee.fee_minor:
        return None, None
    fee_revenue = sandbox or await system_account_id(AccountKind.FEE_REVENUE, currency)
    partner_revenue = None
    if fee.share_minor:
        # The fee's partner: the one whose schedule decided it (a merchant's, or a payer's of another partner).
        partner_revenue = await partner_revenue_account_id(fee.partner_id or partner_id, currency)
    return fee_revenue, partner_revenue


async def _facts(principal: Principal, req: PostingRequest) -> dict:
    """The facts of the wallets the request names: the caller's own, and a wallet of another partner only when a
    service named that partner (a merchant's settlement wallet; a payer's wallet behind a collected payment code)."""
    if req.to_partner_id is None and req.from_partner_id is None:
        return await wallet_facts(principal.partner_id, req.wallet_ids)
    return await wallet_facts_of([
        (wallet_id, partner_id or principal.partner_id)
        for wallet_id, partner_id in ((req.from_wallet_id, req.from_partner_id), (req.to_wallet_id, req.to_partner_id))
        if wallet_id is not None
    ])


async def _one_environment(principal: Principal, req: PostingRequest) -> None:
    """A posting across partners stays in one environment: test money never pays, nor is paid by, real money.

    The services check it first (a sandbox code is unknown to a live payer); this is the engine's own guard.
    The other partner's wallet is then NOT_FOUND, as any wallet the caller may not name.
    """
    own = await partner_environment(principal.partner_id)
    for other, field in ((req.from_partner_id, req.from_field), (req.to_partner_id, req.to_field)):
        if other is not None and not of_partner(principal.partner_id, other) and await partner_environment(other) != own:
            raise NotFound("wallet not found", field=[field])


# Kinds that never charge a fee: a reversal (its legs give the original's fee back), and a points programme's own
# money moving between its funding wallet and its reserve (services.points.reserve).
# A DEFERRED merchant's settlement moves what its payments already paid, their fees taken: it charges nothing either.
_FEELESS = frozenset({TransactionKind.REVERSAL, TransactionKind.POINTS_FUNDING, TransactionKind.POINTS_RELEASE,
                      TransactionKind.MERCHANT_SETTLEMENT})


async def plan_posting(principal: Principal, checked: CheckedRequest) -> PostingPlan:
    """Wallets, currency, amount, fee, compliance and the balanced legs, all before any lock."""
    req = checked.req
    await _one_environment(principal, req)
    facts = await _facts(principal, req)
    known = {w: f.as_locked(w) for w, f in facts.items()}
    source = locked_or_missing(known, req.from_wallet_id, req.from_field)
    target = locked_or_missing(known, req.to_wallet_id, req.to_field)
    check_customer_token(principal, req, source, target)
    # An FX conversion's wallets hold two currencies: the quote's sell (the posting's currency) and buy ones.
    # (An FX payout abroad, a WITHDRAWAL at a quote, has no receiving wallet: its paying wallet's currency is sold.)
    currency = conversion_currency(source, target, checked.currency, req) if req.fx and target else common_currency(
        source, target, checked.currency, req)
    amount_minor = parse_amount(req.amount_text, currency)
    payer = source or target
    assert payer is not None
    # STEP_UP_REQUIRED before any fee, limit or write: nothing is counted, the key stays unused.
    await check_strong_authentication(
        principal, kind=req.kind, customer_id=payer.customer_id, amount_minor=amount_minor, currency=currency
    )
    # Maker-checker (issue 16): a business member's role, and APPROVAL_REQUIRED above the business's threshold.
    await check_business_payout(principal, kind=req.kind, customer_id=payer.customer_id, amount_minor=amount_minor,
                                currency=currency, awaiting_approval=req.awaiting_approval)
    # The same function feeQuote answers with: the charge is what was quoted. A reversal charges nothing: its
    # legs already give the original's fee back.
    # An FX conversion charges the fee its quote showed (services.fx.pricing), not one decided again now.
    fee = req.fx.fee if req.fx is not None else NO_FEE if req.kind in _FEELESS else await fee_for(
        principal=principal, kind=req.kind.value, amount_minor=amount_minor, currency=currency,
        from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id, payer_partner_id=req.from_partner_id,
        merchant=req.merchant, route=req.funding_route,
    )
    merchant_fee = req.merchant_fee_return or NO_FEE
    if req.merchant is not None:
        merchant_fee = await merchant_fee_for(req.merchant, amount_minor=amount_minor, currency=currency,
                                              payer_wallet_id=req.from_wallet_id)
    # A dry run creates nothing, not even a bank account a first posting in a currency would create:
    # its legs are never written, so placeholder account ids serve.
    accounts = DRY_RUN_ACCOUNTS if req.dry_run else await _bank_accounts(
        checked, fee, merchant_fee, principal.partner_id, currency)
    # A sweep (walletClose) stays with its customer: not an outgoing payment (services.compliance.sweep_checks).
    check = {TransactionKind.SWEEP: check_sweep, TransactionKind.REVERSAL: check_reversal,
             TransactionKind.RAIL_RETURN: check_reversal,
             # A points programme's own money between its funding wallet and its reserve (services.points.reserve):
             # no customer is paid, and nothing would decide a held one (its funding claim is already written).
             TransactionKind.POINTS_FUNDING: check_reversal, TransactionKind.POINTS_RELEASE: check_reversal,
             # A merchant's own payments, already checked when paid, reaching its settlement wallet.
             TransactionKind.MERCHANT_SETTLEMENT: check_reversal,
             # A conversion between one customer's own wallets is not an outgoing payment (services.fx.compliance).
             TransactionKind.FX_CONVERSION: check_conversion}.get(req.kind, check_compliance)
    if req.fx is not None and req.kind is TransactionKind.TRANSFER:
        # A transfer to a wallet in another currency: a transfer's checks, the receiver's in its own currency.
        check = check_cross_currency_transfer
    compliance = await check(
        kind=req.kind, source=source, target=target, amount_minor=amount_minor, currency=currency,
        at=clock.now(), from_field=req.from_field, to_field=req.to_field, dry_run=req.dry_run,
    )
    if req.pending_on_rail or req.awaiting_approval:
        # The one hold lifecycle: HELD until the rail settles (release) or fails (reject), as an AML hold is;
        # a payout request's until a second member approves it (release) or it is rejected or expires (reject).
        compliance = replace(compliance, hold=True)
    return build_plan(PlanInputs(
        kind=req.kind, facts=facts, source=source, target=target, from_field=req.from_field, to_field=req.to_field,
        currency=currency, amount_minor=amount_minor, fee=fee, accounts=accounts, compliance=compliance,
        reversing=req.reversing, merchant_fee=merchant_fee, fx=req.fx, funded=req.funded,
        clearing_account_id=req.clearing_account_id if req.kind is TransactionKind.PAYMENT else None,
    ))
