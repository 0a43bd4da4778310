"""Planning a posting: everything decided before any lock, from cached facts and the other domains' answers.

Reads the wallets' unchanging facts (services.db.wallet_rows), checks who may
move them and in which currency, asks the fee engine what the posting costs
(the same function feeQuote answers with), finds the bank's accounts it
needs, asks compliance what applies, then hands the lot to the pure
`build_plan`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from auth.principal import Principal
from models.enums import AccountKind
from services.compliance.posting_checks import check_compliance
from services.db.wallet_rows import wallet_facts
from services.fees.charging import Fee, fee_for
from services.ledger.plan import BankAccounts, PlanInputs, PostingPlan, build_plan, needs_settlement
from services.ledger.request import CheckedRequest
from services.ledger.rules import check_customer_token, common_currency, locked_or_missing
from services.money import parse_amount
from services.system_accounts import partner_revenue_account_id, system_account_id


async def _bank_accounts(checked: CheckedRequest, fee: Fee, partner_id: object, currency: str) -> BankAccounts:
    """The bank's accounts this posting's legs need (created once per currency; the settlement one exists already)."""
    settlement = None
    if needs_settlement(checked.req.kind):
        settlement = await system_account_id(AccountKind.SETTLEMENT, currency, create=False)
    fee_revenue = partner_revenue = None
    if fee.fee_minor:
        fee_revenue = await system_account_id(AccountKind.FEE_REVENUE, currency)
        if fee.share_minor:
            partner_revenue = await partner_revenue_account_id(partner_id, currency)
    return BankAccounts(settlement=settlement, fee_revenue=fee_revenue, partner_revenue=partner_revenue)


async def plan_posting(principal: Principal, checked: CheckedRequest) -> PostingPlan:
    """Wallets, currency, amount, fee, compliance and the balanced legs, all before any lock."""
    req = checked.req
    facts = await wallet_facts(principal.partner_id, req.wallet_ids)
    known = {w: f.as_locked(w) for w, f in facts.items()}
    source = locked_or_missing(known, req.from_wallet_id, req.from_field)
    target = locked_or_missing(known, req.to_wallet_id, req.to_field)
    check_customer_token(principal, req, source, target)
    currency = common_currency(source, target, checked.currency, req)
    amount_minor = parse_amount(req.amount_text, currency)
    # The same function feeQuote answers with: the charge is what was quoted.
    fee = await fee_for(
        principal=principal, kind=req.kind.value, amount_minor=amount_minor, currency=currency,
        from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
    )
    accounts = await _bank_accounts(checked, fee, principal.partner_id, currency)
    compliance = await check_compliance(
        kind=req.kind, source=source, target=target, amount_minor=amount_minor, currency=currency,
        at=datetime.now(timezone.utc), from_field=req.from_field, to_field=req.to_field,
    )
    return build_plan(PlanInputs(
        kind=req.kind, facts=facts, source=source, target=target, from_field=req.from_field, to_field=req.to_field,
        currency=currency, amount_minor=amount_minor, fee=fee, accounts=accounts, compliance=compliance,
    ))
