"""The closed sets of the fee types: what a fee is charged for, corridors, and whose schedule a rule is in."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a fee is charged for; each fee rule applies to one kind.")
class FeeKind(Enum):
    TOP_UP = strawberry.enum_value("TOP_UP", description="Crediting a wallet from the bank (walletTopUp).")
    TRANSFER = strawberry.enum_value(
        "TRANSFER", description="A transfer between two wallets whose customers live in the same country."
    )
    PAYMENT = strawberry.enum_value(
        "PAYMENT", description="A payment from a wallet to a merchant (paymentCreate, paymentCollect, authorizationCapture):"
        " a rule is paid by the payer (SENDER) or by the merchant out of what it receives (RECEIVER)."
    )
    WITHDRAWAL = strawberry.enum_value("WITHDRAWAL", description="Paying money out of a wallet (withdrawalCreate).")
    INTERNATIONAL_TRANSFER = strawberry.enum_value(
        "INTERNATIONAL_TRANSFER",
        description="A transfer to a customer in another country (a TRANSFER across countries is charged as this).",
    )
    FX = strawberry.enum_value(
        "FX",
        description="Converting between currencies (fxQuote, walletConvert): rateBps is the spread taken off the mid"
        " rate (the customer gets mid x (1 - rateBps / 10000)); fixed (with feeMin/feeMax) is a conversion fee in the"
        " currency sold, on top of the amount sold. The currency selector is the currency SOLD; a partner's rule beats"
        " the bank's, and more selectors beat fewer, as for every kind. feeQuote refuses it (VALIDATION): use fxQuote.",
    )


@strawberry.enum(description="Where the money goes, as a fee rule may select on it.")
class FeeCorridor(Enum):
    DOMESTIC = strawberry.enum_value(
        "DOMESTIC", description="Payer and payee (or the destination country) are in the same country."
    )
    CROSS_BORDER = strawberry.enum_value(
        "CROSS_BORDER", description="The payee, or the destination country, is in another country than the payer."
    )


@strawberry.enum(description="Whose schedule a fee rule belongs to.")
class FeeRuleScope(Enum):
    BANK = strawberry.enum_value(
        "BANK", description="The bank's default schedule: applies to every partner's customers unless a partner rule does."
    )
    PARTNER = strawberry.enum_value(
        "PARTNER", description="One partner's own rule: applies to its customers only, ahead of the bank's default."
    )


@strawberry.enum(description="Who pays a fee rule's fee.")
class FeePayer(Enum):
    SENDER = strawberry.enum_value(
        "SENDER", description="The payer, on top of the amount (every kind; the only payer of kinds other than PAYMENT)."
    )
    RECEIVER = strawberry.enum_value(
        "RECEIVER", description="PAYMENT only: the merchant, out of what its settlement wallet receives (a merchant"
        " discount rate); never more than the payment's amount."
    )


@strawberry.enum(description="What a refund does to the merchant's fee (RECEIVER rules) of the payment it refunds.")
class RefundTreatment(Enum):
    RETAINED = strawberry.enum_value(
        "RETAINED", description="The default: the bank and the partner keep the merchant's fee whatever is refunded."
    )
    RETURNED = strawberry.enum_value(
        "RETURNED", description="The fee is given back to the merchant in proportion to the amount refunded (refund /"
        " payment), the bank's part and the partner's share each rounded down to the minor unit."
    )


@strawberry.enum(description="The route a top-up or withdrawal takes through a payment rail, as a fee rule may select it.")
class FeeRoute(Enum):
    BANK_ACCOUNT = strawberry.enum_value(
        "BANK_ACCOUNT", description="From or to a linked bank account (walletTopUp or withdrawalCreate with"
        " bankAccountId).")
    CARD = strawberry.enum_value("CARD", description="From a linked card (walletTopUp with cardId); top-ups only.")
