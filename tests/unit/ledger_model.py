"""A pure in-memory reference model of the posting rules, and strategies for random operation sequences.

The model books every accepted request with the real pure functions
(services.ledger.entries.move, services.money, services.ledger.idempotency),
keeps a settlement account per currency, and predicts the outcome the posting
engine must give: accepted, replayed, or refused with a stable error code. The
unit property test checks the model's own invariants; the integration property
test replays the same sequences against the real services and database and
demands the same outcome and the same balances at every step.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import strategies as st

from services.ledger.entries import balanced_legs, move
from services.ledger.idempotency import canonical_amount, request_hash
from services.money import format_amount, parse_amount

# Three wallets in CNY and one in JPY: transfers between them can be refused
# for the wrong currency as well as for the same wallet or missing funds.
WALLET_CURRENCIES: tuple[str, ...] = ("CNY", "CNY", "CNY", "JPY")


@dataclass(frozen=True)
class TopUp:
    wallet: int
    amount_minor: int


@dataclass(frozen=True)
class Transfer:
    source: int
    target: int
    amount_minor: int


@dataclass(frozen=True)
class Withdrawal:
    wallet: int
    amount_minor: int


@dataclass(frozen=True)
class Replay:
    """Send an earlier accepted request again with its key (the amount maybe spelt differently)."""

    which: int
    respell: bool


@dataclass(frozen=True)
class Conflict:
    """Reuse an earlier accepted request's key with a different amount."""

    which: int


Operation = TopUp | Transfer | Withdrawal | Replay | Conflict


@dataclass(frozen=True)
class Request:
    """One call of the posting engine, in the terms the service takes (wallets by index)."""

    operation: str  # walletTopUp, transferCreate or withdrawalCreate
    key: str
    source: int | None
    target: int | None
    amount: str


@dataclass(frozen=True)
class Expected:
    code: str | None  # None: accepted
    replay_of: int | None = None  # the step whose transaction a replay returns


@dataclass
class LedgerModel:
    currencies: tuple[str, ...] = WALLET_CURRENCIES
    balances: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # account id -> minor units
    topped_up: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    withdrawn: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (fingerprint, step)
    accepted: list[tuple[int, Request]] = field(default_factory=list)  # fresh accepted requests, by step

    # Wallet i is account i; the settlement account of a currency has a negative id.
    def settlement(self, currency: str) -> int:
        return -1 - sorted(set(self.currencies)).index(currency)

    def wallet_balances(self) -> list[int]:
        return [self.balances[i] for i in range(len(self.currencies))]

    def request_for(self, op: Operation, step: int) -> Request | None:
        """The concrete request an operation sends at this step (None: nothing to replay yet)."""
        if isinstance(op, TopUp):
            return Request("walletTopUp", f"k{step}", None, op.wallet, self._text(op.amount_minor, op.wallet))
        if isinstance(op, Withdrawal):
            return Request("withdrawalCreate", f"k{step}", op.wallet, None, self._text(op.amount_minor, op.wallet))
        if isinstance(op, Transfer):
            return Request("transferCreate", f"k{step}", op.source, op.target, self._text(op.amount_minor, op.source))
        if not self.accepted:
            return None
        _, original = self.accepted[-1 - op.which % len(self.accepted)]  # counted back from the latest
        wallet = original.source if original.source is not None else original.target
        assert wallet is not None
        if isinstance(op, Replay):
            amount = _respelt(original.amount) if op.respell else original.amount
        else:
            amount = self._text(parse_amount(original.amount, self.currencies[wallet]) + 1, wallet)
        return Request(original.operation, original.key, original.source, original.target, amount)

    def apply(self, req: Request, step: int) -> Expected:
        """Book the request as the posting engine must, and return the outcome it must give."""
        if req.source is not None and req.source == req.target:
            return Expected("SAME_WALLET")
        fingerprint = request_hash(
            req.operation,
            {"from": req.source, "to": req.target, "amount": canonical_amount(req.amount), "memo": None, "currency": None},
        )
        if req.key in self.keys:
            claimed, original_step = self.keys[req.key]
            return Expected(None, replay_of=original_step) if claimed == fingerprint else Expected("IDEMPOTENCY_CONFLICT")
        if req.source is not None and req.target is not None and self.currencies[req.source] != self.currencies[req.target]:
            return Expected("CURRENCY_MISMATCH")
        wallet = req.source if req.source is not None else req.target
        assert wallet is not None
        currency = self.currencies[wallet]
        amount_minor = parse_amount(req.amount, currency)
        if req.source is not None and amount_minor > self.balances[req.source]:
            return Expected("INSUFFICIENT_FUNDS")
        debit = req.source if req.source is not None else self.settlement(currency)
        credit = req.target if req.target is not None else self.settlement(currency)
        for leg in balanced_legs(move(debit_account_id=debit, credit_account_id=credit, amount_minor=amount_minor, currency=currency)):
            self.balances[leg.account_id] += leg.amount_minor
        if req.operation == "walletTopUp":
            self.topped_up[currency] += amount_minor
        elif req.operation == "withdrawalCreate":
            self.withdrawn[currency] += amount_minor
        self.keys[req.key] = (fingerprint, step)
        self.accepted.append((step, req))
        return Expected(None)

    def invariant_problems(self) -> list[str]:
        """Every way the model's books are wrong (empty when they are right)."""
        problems = []
        for currency in sorted(set(self.currencies)):
            wallets = [i for i, c in enumerate(self.currencies) if c == currency]
            in_wallets = sum(self.balances[i] for i in wallets)
            if in_wallets != self.topped_up[currency] - self.withdrawn[currency]:
                problems.append(f"{currency}: wallets hold {in_wallets}, top-ups minus withdrawals is "
                                f"{self.topped_up[currency] - self.withdrawn[currency]}")
            if in_wallets + self.balances[self.settlement(currency)] != 0:
                problems.append(f"{currency}: the books do not sum to zero")
        problems += [f"wallet {i} is negative" for i in range(len(self.currencies)) if self.balances[i] < 0]
        return problems

    def _text(self, amount_minor: int, wallet: int) -> str:
        return format_amount(amount_minor, self.currencies[wallet])


def _respelt(amount: str) -> str:
    """The same amount with extra leading and trailing zeros: "12.5" -> "012.50", "15" -> "015.0"."""
    return "0" + amount + ("0" if "." in amount else ".0")


@st.composite
def operations(draw, wallets: int = len(WALLET_CURRENCIES), max_size: int = 25) -> list[Operation]:
    """Random sequences of top-ups, transfers, withdrawals, replays and key conflicts.

    Every sequence opens by funding each wallet, so that transfers and
    withdrawals can succeed as well as be refused.
    """
    wallet = st.integers(min_value=0, max_value=wallets - 1)
    top_up_amount = st.integers(min_value=1, max_value=100_000)
    # Mostly affordable amounts, sometimes far more than any wallet holds.
    spend_amount = st.one_of(st.integers(min_value=1, max_value=20_000), st.integers(min_value=1, max_value=300_000))
    earlier = st.integers(min_value=0, max_value=50)
    kinds = ["top_up", "transfer", "transfer", "transfer", "withdrawal", "replay", "conflict"]
    ops: list[Operation] = [TopUp(i, draw(top_up_amount)) for i in range(wallets)]
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=max_size)):
        if kind == "top_up":
            ops.append(TopUp(draw(wallet), draw(top_up_amount)))
        elif kind == "transfer":
            ops.append(Transfer(draw(wallet), draw(wallet), draw(spend_amount)))
        elif kind == "withdrawal":
            ops.append(Withdrawal(draw(wallet), draw(spend_amount)))
        elif kind == "replay":
            ops.append(Replay(draw(earlier), draw(st.booleans())))
        else:
            ops.append(Conflict(draw(earlier)))
    return ops
