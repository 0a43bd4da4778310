"""The double-entry ledger: accounts, wallets, transactions and their entries.

Amounts are signed integers in the currency's minor unit. A debit is negative,
a credit positive; the entries of one transaction sum to zero per currency.
"""

from tortoise import fields
from tortoise.models import Model

from models.enums import AccountKind, TransactionKind, TransactionStatus, WalletStatus
from models.ids import uuid7


class Account(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=24)
    currency = fields.CharField(max_length=3)
    # NULL for the bank's own system accounts.
    partner = fields.ForeignKeyField("models.Partner", related_name="accounts", null=True, on_delete=fields.RESTRICT)
    # Kept only for wallet accounts, updated under a row lock in the posting
    # transaction. System accounts leave it at 0 and derive their balance from
    # entries, so that hot bank accounts never serialise every posting.
    tracks_balance = fields.BooleanField(default=True)
    # "SETTLEMENT:USD" for the bank's system accounts (one per kind and
    # currency, enforced by the unique index); NULL for wallet accounts.
    system_key = fields.CharField(max_length=40, null=True, unique=True)
    balance_minor = fields.BigIntField(default=0)
    held_minor = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"
        indexes = (("kind", "currency"),)


class Wallet(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="wallets", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="wallets", on_delete=fields.RESTRICT)
    account = fields.OneToOneField("models.Account", related_name="wallet", on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    status = fields.CharEnumField(WalletStatus, max_length=16, default=WalletStatus.ACTIVE)
    # Why compliance froze the wallet (NULL while active).
    status_reason = fields.CharField(max_length=500, null=True)
    # The customer's own name for the wallet (walletNicknameSet), 1 to 40 characters.
    nickname = fields.CharField(max_length=40, null=True)
    closed_at = fields.DatetimeField(null=True)  # set once, by walletClose (status CLOSED)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "wallet"
        indexes = (("partner_id", "customer_id", "id"), ("partner_id", "id"))


class Transaction(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="transactions", on_delete=fields.RESTRICT)
    kind = fields.CharEnumField(TransactionKind, max_length=24)
    status = fields.CharEnumField(TransactionStatus, max_length=16, default=TransactionStatus.POSTED)
    currency = fields.CharField(max_length=3)
    amount_minor = fields.BigIntField()
    fee_minor = fields.BigIntField(default=0)
    from_wallet = fields.ForeignKeyField(
        "models.Wallet", related_name="outgoing_transactions", null=True, on_delete=fields.RESTRICT
    )
    to_wallet = fields.ForeignKeyField(
        "models.Wallet", related_name="incoming_transactions", null=True, on_delete=fields.RESTRICT
    )
    memo = fields.CharField(max_length=280, null=True)
    # How the fee was computed: [{rule_id, fixed_minor, rate_bps, fee_minor, ...}].
    fee_breakdown = fields.JSONField(null=True)
    idempotency_key = fields.CharField(max_length=255)
    # A transaction HELD for AML review reserves hold_minor on the payer
    # wallet (account.held_minor) and keeps the legs it will post on release;
    # it has no entries until then.
    hold_minor = fields.BigIntField(default=0)
    held_legs = fields.JSONField(null=True)
    # The sender's limit day ("2026-11-28", in its pack's timezone) this
    # transaction was counted in; its month and year are the prefixes. A
    # rejected hold gives its amount back to exactly these periods.
    limit_day_key = fields.CharField(max_length=10, null=True)
    # The REVERSAL transaction that undid this one (transactionReverse): set in the reversal's own atomic write,
    # only while still NULL, so a transaction is reversed at most once.
    reversed_by = fields.UUIDField(null=True)
    # An FX_CONVERSION's other side (walletConvert): amount_minor/currency are what was sold, these what was
    # bought (NULL for every single-currency kind).
    buy_amount_minor = fields.BigIntField(null=True)
    buy_currency = fields.CharField(max_length=3, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_transaction"
        indexes = (
            ("partner_id", "id"),
            ("partner_id", "created_at"),
            ("created_at",),  # issue 17: the reporting queries read a few days of every partner (services.reporting)
            ("from_wallet_id", "created_at"),
            ("to_wallet_id", "created_at"),
        )


class Entry(Model):
    id = fields.BigIntField(primary_key=True)
    transaction = fields.ForeignKeyField("models.Transaction", related_name="entries", on_delete=fields.RESTRICT)
    account = fields.ForeignKeyField("models.Account", related_name="entries", on_delete=fields.RESTRICT)
    # Signed minor units: negative debits, positive credits.
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    partner = fields.ForeignKeyField("models.Partner", related_name="entries", on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_entry"
        indexes = (("account_id", "transaction_id"), ("transaction_id",))
