"""The posting plan: the balanced legs of one money movement, built by pure functions.

Nothing here reads the database. `build_plan` takes what planning found out
(the wallets as last known, the amount, the fee, the bank's accounts, the
compliance decision) and returns what the backend will write: the legs,
which balance per asset (currency) or raise, and each wallet account's net
change. A new money kind is a new `TransactionKind` with an entry in
`_PRINCIPAL_LEGS`; nothing else in the engine changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from models.enums import TransactionKind
from services.compliance.posting_checks import ComplianceCheck
from services.db.wallet_rows import LockedWallet, WalletFacts
from services.fees.charging import NO_FEE, Fee
from services.fees.merchant_fee import MERCHANT
from services.ledger.entries import Leg, balanced_legs, move
from services.ledger.request import CrossCurrency, PostingRequest


@dataclass(frozen=True)
class BankAccounts:
    """The bank's own accounts a posting may need, in its currency (None where the posting needs none)."""

    settlement: int | None = None  # money entering or leaving the wallet system
    fee_revenue: int | None = None  # the bank's part of a fee
    partner_revenue: int | None = None  # the partner's share of a fee
    # A sandbox partner's own test-money account (services.system_accounts.sandbox_account_id): it mints
    # sandboxFund's money and stands in for the settlement and fee revenue accounts in its other postings.
    sandbox: int | None = None
    # A merchant's fee (charged on a payment, given back on a refund): the bank's part and the merchant's partner's.
    merchant_fee_revenue: int | None = None
    merchant_partner_revenue: int | None = None
    # An FX conversion: the bank's FX position in the sell and the buy currency, and its FX revenue in the buy
    # currency (a sandbox partner's sandbox accounts in those currencies instead).
    fx_position_sell: int | None = None
    fx_position_buy: int | None = None
    fx_revenue: int | None = None


@dataclass(frozen=True)
class FundedParts:
    """Ledger accounts that are not wallets taking part of a posting's amount in a wallet's place (issue 15 coupons).

    A PAYMENT: each pays its part of the amount to the merchant for the payer (a coupon campaign's budget account
    funding a discount): the payer pays the amount less the parts, the merchant receives the whole amount.
    A REFUND: each takes back its part of what the merchant gives back (the discount returns to its budget).
    COUPON_FUNDING, POINTS_FUNDING: they receive the whole amount from the paying wallet (a campaign's budget, a
    points programme's reserve being funded); POINTS_RELEASE: the one part pays the whole amount to the wallet.
    These accounts keep no locked balance (their balance is the sum of their entries): what they may pay is
    guarded by the service's own locked row (a campaign's budget row, services.coupons.reserving).
    """

    parts: tuple[tuple[int, int], ...]  # (ledger account id, positive minor units)

    @property
    def total_minor(self) -> int:
        """The sum of the parts."""
        return sum(amount for _, amount in self.parts)


@dataclass(frozen=True)
class PostingPlan:
    """What a posting will write, decided before it locks anything."""

    facts: dict[uuid.UUID, WalletFacts]
    currency: str
    amount_minor: int
    fee: Fee
    legs: list[Leg]
    deltas: dict[int, int]  # net change of each wallet account's balance
    compliance: ComplianceCheck
    fields: dict[int, str]  # wallet account -> the input field that named its wallet
    merchant_fee: Fee = NO_FEE  # the merchant's fee on its settlement wallet (negative: given back)
    buy_currency: str | None = None  # an FX conversion's buy side (None: a single-currency posting)
    buy_amount_minor: int | None = None

    @property
    def receiving_currency(self) -> str:
        """The currency the receiving wallet is credited in (an FX conversion's buy currency), for its maximum balance."""
        return self.buy_currency or self.currency

    @property
    def single_currency(self) -> bool:
        """Whether every leg is in the posting's currency (every kind but FX_CONVERSION)."""
        return all(leg.currency == self.currency for leg in self.legs)

    @property
    def breakdown(self) -> dict:
        """The fee breakdown stored with the transaction: the payer's fee, and the merchant's under "merchant"."""
        if self.merchant_fee.decision.rule is None and not self.merchant_fee.fee_minor:
            return self.fee.breakdown
        return {**self.fee.breakdown, MERCHANT: self.merchant_fee.breakdown}

    @property
    def hold_minor(self) -> int:
        """What a held posting reserves on the payer wallet: its whole debit, fee included."""
        return max(-min(self.deltas.values(), default=0), 0)

    @property
    def held_legs(self) -> list[list[int]]:
        """The legs a held posting will post on release: [[account id, signed amount], ...]."""
        if not self.single_currency:
            # A cross-currency transfer's legs are in two currencies: each leg keeps its own (services.ledger.held).
            return [[leg.account_id, leg.amount_minor, leg.currency] for leg in self.legs]  # type: ignore[list-item]
        return [[leg.account_id, leg.amount_minor] for leg in self.legs]


@dataclass(frozen=True)
class PlanInputs:
    """Everything planning learned, as plain values."""

    kind: TransactionKind
    facts: dict[uuid.UUID, WalletFacts]
    source: LockedWallet | None
    target: LockedWallet | None
    from_field: str
    to_field: str
    currency: str
    amount_minor: int
    fee: Fee
    accounts: BankAccounts
    compliance: ComplianceCheck
    reversing: tuple[tuple[int, int], ...] = ()  # REVERSAL: the original's entries, to post negated
    merchant_fee: Fee = NO_FEE  # PAYMENT: the merchant's fee; REFUND: what is given back of it (negative)
    fx: CrossCurrency | None = None  # FX_CONVERSION: the buy side its quote locked in
    funded: FundedParts | None = None  # PAYMENT, REFUND, COUPON_FUNDING: non-wallet accounts in a wallet's place
    clearing_account_id: int | None = None  # PAYMENT to a DEFERRED merchant: its clearing account in its wallet's place

    @property
    def merchant_side(self) -> int:
        """The account a payment credits: a DEFERRED merchant's clearing account, else the receiving wallet's."""
        assert self.target is not None
        return self.clearing_account_id if self.clearing_account_id is not None else self.target.account_id



def standing_accounts(plan: PostingPlan, req: PostingRequest) -> list[int]:
    """The wallet accounts whose customers' standing a posting checks: those it moves, in account order, and a
    DEFERRED merchant's settlement wallet, checked but neither credited nor locked (its clearing account is)."""
    accounts = sorted(plan.deltas)
    if req.clearing_account_id is not None and req.to_wallet_id in plan.facts:
        accounts.append(plan.facts[req.to_wallet_id].account_id)
    return accounts

def _settlement(accounts: BankAccounts) -> int:
    if accounts.settlement is None:
        raise AssertionError("a top-up or withdrawal is planned with the bank's settlement account")
    return accounts.settlement


def _top_up(i: PlanInputs) -> list[Leg]:
    assert i.target is not None
    return move(debit_account_id=_settlement(i.accounts), credit_account_id=i.target.account_id,
                amount_minor=i.amount_minor, currency=i.currency)


def _transfer(i: PlanInputs) -> list[Leg]:
    assert i.source is not None and i.target is not None
    if i.fx is not None:
        # A transfer to a wallet in another currency (services.fx.transfers): the conversion's own legs, through the
        # FX position accounts and FX revenue, so there is one FX posting path.
        return _fx_conversion(i)
    return move(debit_account_id=i.source.account_id, credit_account_id=i.target.account_id,
                amount_minor=i.amount_minor, currency=i.currency)


def _sandbox_fund(i: PlanInputs) -> list[Leg]:
    assert i.target is not None
    if i.accounts.sandbox is None:
        raise AssertionError("test money is minted only from a sandbox partner's own sandbox account")
    return move(debit_account_id=i.accounts.sandbox, credit_account_id=i.target.account_id,
                amount_minor=i.amount_minor, currency=i.currency)


def _withdrawal(i: PlanInputs) -> list[Leg]:
    assert i.source is not None
    if i.fx is not None:
        # An international transfer (services.cross_border.transfers): paid out abroad in the quote's buy currency.
        return _fx_payout(i)
    return move(debit_account_id=i.source.account_id, credit_account_id=_settlement(i.accounts),
                amount_minor=i.amount_minor, currency=i.currency)


def _rail_return(i: PlanInputs) -> list[Leg]:
    """A rail undid a settled transfer: a withdrawal's money comes back to its wallet, a top-up's leaves it again."""
    if i.source is not None:
        return _withdrawal(i)
    return _top_up(i)


def _reversal(i: PlanInputs) -> list[Leg]:
    """The exact opposite of the original's entries (principal and fee alike), account by account."""
    if not i.reversing:
        raise AssertionError("a reversal is planned with the original transaction's entries")
    return [Leg(account_id=account_id, amount_minor=-amount, currency=i.currency) for account_id, amount in i.reversing]


def _fx_conversion(i: PlanInputs) -> list[Leg]:
    """Sell wallet to the bank's FX position in the sell currency; the FX position in the buy currency to the buy
    wallet, the spread (mid buy amount - customer's buy amount) to FX revenue. Each currency balances on its own."""
    assert i.source is not None and i.target is not None and i.fx is not None
    a, fx = i.accounts, i.fx
    if a.fx_position_sell is None or a.fx_position_buy is None:
        raise AssertionError("an FX conversion is planned with the FX position accounts of both currencies")
    legs = [
        Leg(account_id=i.source.account_id, amount_minor=-i.amount_minor, currency=i.currency),
        Leg(account_id=a.fx_position_sell, amount_minor=i.amount_minor, currency=i.currency),
        Leg(account_id=a.fx_position_buy, amount_minor=-fx.mid_buy_minor, currency=fx.buy_currency),
        Leg(account_id=i.target.account_id, amount_minor=fx.buy_amount_minor, currency=fx.buy_currency),
    ]
    spread = fx.mid_buy_minor - fx.buy_amount_minor
    if spread:
        assert a.fx_revenue is not None
        legs.append(Leg(account_id=a.fx_revenue, amount_minor=spread, currency=fx.buy_currency))
    return legs


def _funded_split(i: PlanInputs) -> tuple[int, list[tuple[int, int]]]:
    """The wallet's own part of the amount and the funded parts (the wallet always keeps at least one minor unit)."""
    parts = list(i.funded.parts) if i.funded is not None else []
    own = i.amount_minor - sum(amount for _, amount in parts)
    if own <= 0 or any(amount <= 0 for _, amount in parts):
        raise AssertionError("funded parts are positive and leave the wallet a positive part of the amount")
    return own, parts


def _payment(i: PlanInputs) -> list[Leg]:
    """A transfer's legs to the merchant's side (its wallet, or a DEFERRED merchant's clearing account); with funded
    parts (coupon discounts) the payer pays the amount less them and each funding account pays its part, so the
    merchant always receives the whole amount."""
    assert i.source is not None and i.target is not None
    if i.funded is None:
        return move(debit_account_id=i.source.account_id, credit_account_id=i.merchant_side,
                    amount_minor=i.amount_minor, currency=i.currency)
    own, parts = _funded_split(i)
    return [Leg(account_id=i.source.account_id, amount_minor=-own, currency=i.currency),
            *(Leg(account_id=a, amount_minor=-amount, currency=i.currency) for a, amount in parts),
            Leg(account_id=i.merchant_side, amount_minor=i.amount_minor, currency=i.currency)]


def _refund(i: PlanInputs) -> list[Leg]:
    """A transfer's legs; with funded parts the merchant gives back the whole amount, the payer receiving what it
    paid of it and each funding account (a coupon campaign's budget) its discount."""
    if i.funded is None:
        return _transfer(i)
    assert i.source is not None and i.target is not None
    own, parts = _funded_split(i)
    return [Leg(account_id=i.source.account_id, amount_minor=-i.amount_minor, currency=i.currency),
            *(Leg(account_id=a, amount_minor=amount, currency=i.currency) for a, amount in parts),
            Leg(account_id=i.target.account_id, amount_minor=own, currency=i.currency)]


def _funding(i: PlanInputs) -> list[Leg]:
    """A funding wallet to one account that is not a wallet's (a campaign's COUPON_BUDGET, a programme's
    POINTS_RESERVE), for the whole amount: the funded part."""
    assert i.source is not None
    if i.funded is None or len(i.funded.parts) != 1 or i.funded.total_minor != i.amount_minor:
        raise AssertionError("a funding names its one funded account for the whole amount")
    return move(debit_account_id=i.source.account_id, credit_account_id=i.funded.parts[0][0],
                amount_minor=i.amount_minor, currency=i.currency)


def _release(i: PlanInputs) -> list[Leg]:
    """Funding given back: the one funded account pays the whole amount to the receiving wallet."""
    assert i.target is not None
    if i.funded is None or len(i.funded.parts) != 1 or i.funded.total_minor != i.amount_minor:
        raise AssertionError("a release names its one funded account for the whole amount")
    return move(debit_account_id=i.funded.parts[0][0], credit_account_id=i.target.account_id,
                amount_minor=i.amount_minor, currency=i.currency)


def _fx_payout(i: PlanInputs) -> list[Leg]:
    """A withdrawal at an FX quote: the wallet pays the sell amount to the FX position in the sell currency; the FX
    position in the buy currency pays the buy amount out through the settlement account of the buy currency, and the
    spread to FX revenue. Each currency balances on its own (a conversion's legs, with settlement as the receiver)."""
    assert i.source is not None and i.fx is not None
    a, fx = i.accounts, i.fx
    if a.fx_position_sell is None or a.fx_position_buy is None:
        raise AssertionError("an FX payout is planned with the FX position accounts of both currencies")
    legs = [
        Leg(account_id=i.source.account_id, amount_minor=-i.amount_minor, currency=i.currency),
        Leg(account_id=a.fx_position_sell, amount_minor=i.amount_minor, currency=i.currency),
        Leg(account_id=a.fx_position_buy, amount_minor=-fx.mid_buy_minor, currency=fx.buy_currency),
        # The settlement account here is the buy currency's (services.ledger.planning): the money leaves in it.
        Leg(account_id=_settlement(a), amount_minor=fx.buy_amount_minor, currency=fx.buy_currency),
    ]
    spread = fx.mid_buy_minor - fx.buy_amount_minor
    if spread:
        assert a.fx_revenue is not None
        legs.append(Leg(account_id=a.fx_revenue, amount_minor=spread, currency=fx.buy_currency))
    return legs


# The principal legs of each money kind: the whole difference between kinds.
_PRINCIPAL_LEGS: dict[TransactionKind, Callable[[PlanInputs], list[Leg]]] = {
    TransactionKind.TOP_UP: _top_up,
    TransactionKind.TRANSFER: _transfer,
    TransactionKind.WITHDRAWAL: _withdrawal,
    # A closing wallet's balance to another wallet of its customer: a transfer's legs (walletClose).
    TransactionKind.SWEEP: _transfer,
    # Test money into a sandbox partner's wallet, from that partner's sandbox account (sandboxFund).
    TransactionKind.SANDBOX_FUND: _sandbox_fund,
    # A payer's wallet to a merchant's settlement wallet, across partners (services.payments.paying).
    # (with a coupon campaign's funded discount: services.coupons)
    TransactionKind.PAYMENT: _payment,
    # A merchant's settlement wallet back to the payer's wallet (services.payments.refunds).
    TransactionKind.REFUND: _refund,
    # A posted transaction undone by bank staff: its entries negated, fee included (services.ledger.reversal).
    TransactionKind.REVERSAL: _reversal,
    # A settled rail transfer returned by the bank (services.rails.outcomes): the principal only, no fee.
    TransactionKind.RAIL_RETURN: _rail_return,
    # One customer's wallet to its wallet in another currency, at an FX quote (services.fx.conversion).
    TransactionKind.FX_CONVERSION: _fx_conversion,
    # A coupon campaign's budget into its COUPON_BUDGET account (services.coupons.campaigns).
    TransactionKind.COUPON_FUNDING: _funding,
    # Earned points' value into their programme's POINTS_RESERVE, and back when they expire or are clawed back
    # (services.points.reserve).
    TransactionKind.POINTS_FUNDING: _funding,
    TransactionKind.POINTS_RELEASE: _release,
    # A DEFERRED merchant's settlement: its clearing account pays what its payments put there to its settlement
    # wallet (services.merchants.settlement).
    TransactionKind.MERCHANT_SETTLEMENT: _release,
}


def needs_settlement(kind: TransactionKind) -> bool:
    """Whether the kind moves money across the wallet system's edge (through the settlement account)."""
    return kind in (TransactionKind.TOP_UP, TransactionKind.WITHDRAWAL, TransactionKind.RAIL_RETURN)


def needs_bank_side(kind: TransactionKind, fee_minor: int) -> bool:
    """Whether any leg of the posting is on a bank-side account (settlement, fee revenue, or a sandbox account)."""
    # An FX conversion's other side is the bank's FX position (a sandbox partner's sandbox accounts instead).
    return needs_settlement(kind) or kind in (TransactionKind.SANDBOX_FUND, TransactionKind.FX_CONVERSION) or fee_minor != 0


def fee_legs(fee: Fee, payer_account_id: int, currency: str, fee_revenue: int | None,
             partner_revenue: int | None) -> list[Leg]:
    """The fee's entries: the payer pays, the bank's fee revenue (and the partner's share) receive.

    A negative fee (a merchant fee given back on refund) runs the same legs the other way.
    Fee revenue accounts keep no locked balance column: their balance is the
    sum of their entries, so fee-bearing postings never queue behind them.
    """
    if fee.fee_minor == 0:
        return []
    legs = [Leg(account_id=payer_account_id, amount_minor=-fee.fee_minor, currency=currency)]
    if fee.share_minor:
        assert partner_revenue is not None
        legs.append(Leg(account_id=partner_revenue, amount_minor=fee.share_minor, currency=currency))
    if fee.fee_minor - fee.share_minor:
        assert fee_revenue is not None
        legs.append(Leg(account_id=fee_revenue, amount_minor=fee.fee_minor - fee.share_minor, currency=currency))
    return legs


def _merchant_fee_legs(i: PlanInputs) -> list[Leg]:
    """The merchant's fee on its settlement wallet: the receiving wallet of a payment, the paying one of a refund."""
    if i.merchant_fee.fee_minor == 0:
        return []
    merchant = {TransactionKind.PAYMENT: i.target, TransactionKind.REFUND: i.source}.get(i.kind)
    if merchant is None:
        raise AssertionError("a merchant fee is planned on a payment or a refund only")
    # A DEFERRED merchant's payment pays the fee out of its clearing account: it settles the amount less the fee.
    account = i.merchant_side if i.kind is TransactionKind.PAYMENT else merchant.account_id
    return fee_legs(i.merchant_fee, account, i.currency, i.accounts.merchant_fee_revenue,
                    i.accounts.merchant_partner_revenue)


def balance_deltas(legs: list[Leg], wallet_accounts: set[int]) -> dict[int, int]:
    """The net change of each wallet account's stored balance (fee legs included)."""
    deltas: dict[int, int] = {}
    for leg in legs:
        if leg.account_id in wallet_accounts:
            deltas[leg.account_id] = deltas.get(leg.account_id, 0) + leg.amount_minor
    return deltas


def build_plan(i: PlanInputs) -> PostingPlan:
    """The balanced legs (principal and fee) and each wallet account's net change; raises if they do not balance."""
    payer = i.source or i.target
    assert payer is not None
    legs = balanced_legs(
        _PRINCIPAL_LEGS[i.kind](i)
        + fee_legs(i.fee, payer.account_id, i.currency, i.accounts.fee_revenue, i.accounts.partner_revenue)
        + _merchant_fee_legs(i)
    )
    wallets = [w for w in (i.source, i.target) if w is not None]
    fields = {w.account_id: field for w, field in ((i.source, i.from_field), (i.target, i.to_field)) if w is not None}
    return PostingPlan(
        facts=i.facts, currency=i.currency, amount_minor=i.amount_minor, fee=i.fee, legs=legs,
        deltas=balance_deltas(legs, {w.account_id for w in wallets}), compliance=i.compliance, fields=fields,
        merchant_fee=i.merchant_fee,
        buy_currency=i.fx.buy_currency if i.fx else None, buy_amount_minor=i.fx.buy_amount_minor if i.fx else None,
    )
