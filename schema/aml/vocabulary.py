"""The closed sets of AML (rules, severities, actions, statuses) and the evidence a rule records, as GraphQL sees them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from services.aml import evidence as aml_evidence


@strawberry.enum(
    description="How serious the rule judged the activity; set per rule by the customer's regional policy pack"
    " (watchlist screening hits are always HIGH)."
)
class AmlSeverity(Enum):
    LOW = strawberry.enum_value("LOW", description="Low: a weak indicator on its own.")
    MEDIUM = strawberry.enum_value("MEDIUM", description="Medium: a notable indicator.")
    HIGH = strawberry.enum_value("HIGH", description="High: a strong indicator; every watchlist screening hit is HIGH.")


@strawberry.enum(description="What the rule did: only ALERT, or HOLD the transaction (or customer) for review.")
class AmlAction(Enum):
    ALERT = strawberry.enum_value(
        "ALERT", description="Alert only: the money moved as usual. Decided with DISMISS."
    )
    HOLD = strawberry.enum_value(
        "HOLD",
        description="The transaction was HELD (its amount reserved, nothing moved) or, for a watchlist hit, the"
        " customer was held (COMPLIANCE_HOLD) until compliance decides with RELEASE or REJECT.",
    )


@strawberry.enum(description="OPEN until compliance decides (amlAlertResolve); then RELEASED, REJECTED or DISMISSED, for good.")
class AmlAlertStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a compliance decision.")
    RELEASED = strawberry.enum_value(
        "RELEASED",
        description="Decided RELEASE: the held transaction was posted, or a screening hold on the customer was"
        " cleared (a false positive).",
    )
    REJECTED = strawberry.enum_value(
        "REJECTED",
        description="Decided REJECT: the held transaction was rejected (no money moved), or the customer was blocked"
        " (a confirmed screening match).",
    )
    DISMISSED = strawberry.enum_value(
        "DISMISSED", description="Decided DISMISS: an alert-only (ALERT) rule, reviewed and closed; nothing was held."
    )


@strawberry.enum(description="Whether an AML case is still being worked on.")
class AmlCaseStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Being investigated: notes and reassignment are possible.")
    CLOSED = strawberry.enum_value(
        "CLOSED", description="Closed for good once all its alerts were decided; no more notes or reassignment."
    )


@strawberry.enum(
    description="The AML rules. The six transaction rules run on every posting under the customer's regional policy"
    " pack, which sets their parameters, severity and action (amounts in basis points of the pack's large-transaction"
    " threshold in the posting's currency); SANCTIONS_SCREENING is the watchlist check of customerCreate,"
    " customerUpdate (display name) and kycSubmit, and is not set"
    " in a pack."
)
class AmlRule(Enum):
    LARGE_TRANSACTION = strawberry.enum_value(
        "LARGE_TRANSACTION",
        description="One posting (in or out) at or above the pack's large-transaction threshold in its currency.",
    )
    VELOCITY = strawberry.enum_value(
        "VELOCITY",
        description="More than maxCount outgoing postings (transfers, withdrawals) by one customer in one currency"
        " within windowMinutes.",
    )
    STRUCTURING = strawberry.enum_value(
        "STRUCTURING",
        description="At least minCount outgoing amounts just under the threshold (at most bandBps below it) within"
        " windowHours: a large amount split to stay under the threshold.",
    )
    RAPID_PASS_THROUGH = strawberry.enum_value(
        "RAPID_PASS_THROUGH",
        description="Money received by transfer leaves the wallet again within windowMinutes: the amount out is at"
        " least amountBps of the threshold, and in and out are each at least minShareBps of the other.",
    )
    NEW_ACCOUNT_HIGH_VALUE = strawberry.enum_value(
        "NEW_ACCOUNT_HIGH_VALUE",
        description="An outgoing amount of at least amountBps of the threshold from a wallet opened less than"
        " accountAgeDays ago.",
    )
    DORMANT_REACTIVATION = strawberry.enum_value(
        "DORMANT_REACTIVATION",
        description="Money moves in or out of a wallet with no transaction for dormantDays or more (counted from its"
        " opening if it never had one).",
    )
    CROSS_BORDER_REVIEW = strawberry.enum_value(
        "CROSS_BORDER_REVIEW",
        description="An international transfer to a country its sender's policy pack sends to review"
        " (crossBorder.reviewCountries): always HOLD; the rail gets the transfer only once compliance releases it."
        " Not set in a pack's amlRules.",
    )
    SANCTIONS_SCREENING = strawberry.enum_value(
        "SANCTIONS_SCREENING",
        description="A watchlist hit: the customer's display name (customerCreate, customerUpdate) or, at kycSubmit, the"
        " subject or a business's beneficial owner matched a listed entry"
        " at or above the bank's screening threshold. Always HIGH and HOLD (the customer is held); not set in a policy"
        " pack (VALIDATION there).",
    )


@strawberry.enum(
    description="What one piece of an alert's evidence measured (AmlAlert.evidence). Amounts are in the currency of the"
    " alert's transaction; each value names the rules that record it."
)
class AmlEvidenceName(Enum):
    AMOUNT = strawberry.enum_value(
        "AMOUNT", description="The posting's amount (LARGE_TRANSACTION, NEW_ACCOUNT_HIGH_VALUE); in amount."
    )
    AMOUNT_IN = strawberry.enum_value(
        "AMOUNT_IN",
        description="What the wallet received by transfer within the window (RAPID_PASS_THROUGH); in amount.",
    )
    AMOUNT_OUT = strawberry.enum_value(
        "AMOUNT_OUT", description="The outgoing amount that passed it on (RAPID_PASS_THROUGH); in amount."
    )
    THRESHOLD = strawberry.enum_value(
        "THRESHOLD",
        description="The pack's large-transaction threshold in the posting's currency (LARGE_TRANSACTION,"
        " STRUCTURING); in amount.",
    )
    BAND_FROM = strawberry.enum_value(
        "BAND_FROM",
        description="The lowest amount of the just-under-the-threshold band, which runs up to THRESHOLD exclusive"
        " (STRUCTURING); in amount.",
    )
    COUNT = strawberry.enum_value(
        "COUNT",
        description="How many outgoing postings counted, this one included: all of them (VELOCITY) or those in the"
        " band (STRUCTURING); in quantity.",
    )
    MAX_COUNT = strawberry.enum_value(
        "MAX_COUNT", description="The most outgoing postings the window allows (VELOCITY); in quantity."
    )
    WINDOW_MINUTES = strawberry.enum_value(
        "WINDOW_MINUTES",
        description="The length of the window looked at, in minutes (VELOCITY, RAPID_PASS_THROUGH); in quantity.",
    )
    WINDOW_HOURS = strawberry.enum_value(
        "WINDOW_HOURS", description="The length of the window looked at, in hours (STRUCTURING); in quantity."
    )
    ACCOUNT_AGE_DAYS = strawberry.enum_value(
        "ACCOUNT_AGE_DAYS",
        description="The age in days below which a wallet counts as new (NEW_ACCOUNT_HIGH_VALUE); in quantity.",
    )
    DORMANT_DAYS = strawberry.enum_value(
        "DORMANT_DAYS",
        description="The idle days after which a wallet counts as dormant (DORMANT_REACTIVATION); in quantity.",
    )
    OPENED_AT = strawberry.enum_value(
        "OPENED_AT", description="When the wallet was opened (NEW_ACCOUNT_HIGH_VALUE); in time."
    )
    LAST_ACTIVITY_AT = strawberry.enum_value(
        "LAST_ACTIVITY_AT",
        description="The wallet's last transaction before this one, or its opening if none (DORMANT_REACTIVATION);"
        " in time.",
    )
    LIST_ID = strawberry.enum_value(
        "LIST_ID", description="The watchlist that holds the matching entry (SANCTIONS_SCREENING); in value."
    )
    ENTRY_ID = strawberry.enum_value(
        "ENTRY_ID", description="The matching entry's id within that watchlist (SANCTIONS_SCREENING); in value."
    )
    MATCHED_NAME = strawberry.enum_value(
        "MATCHED_NAME",
        description="The listed name or alias that matched, as the watchlist spells it (public list data, never the"
        " screened customer's name) (SANCTIONS_SCREENING); in value.",
    )
    MATCH_SCORE = strawberry.enum_value(
        "MATCH_SCORE",
        description="The strength of the match from 0 to 1 (1: identical names), on the scale of the bank's screening"
        " threshold (SANCTIONS_SCREENING); in score.",
    )
    SCREENED_AT = strawberry.enum_value(
        "SCREENED_AT", description="When the screening ran (SANCTIONS_SCREENING); in time."
    )


@strawberry.type(
    description="One thing an AML rule measured when it fired, e.g. LARGE_TRANSACTION's AMOUNT and THRESHOLD. `value`"
    " always holds it as text; the one typed field of its kind holds it typed (amount for amounts, quantity for"
    " counts, windows and days, time for times, score for the match score) and the other typed fields are null."
)
class AmlEvidence:
    name: AmlEvidenceName = strawberry.field(description="What was measured; its description says in which field.")
    value: str = strawberry.field(
        description='The value as text: an amount as a decimal string in its currency (e.g. "10000.00"), a whole'
        ' number in digits, a time in ISO 8601 (UTC), the match score with 4 decimals (e.g. "0.9123"), or the'
        " watchlist's own text."
    )
    amount: Money | None = strawberry.field(
        description="An amount (AMOUNT, AMOUNT_IN, AMOUNT_OUT, THRESHOLD, BAND_FROM) in the currency of the alert's"
        " transaction; null for any other name."
    )
    quantity: int | None = strawberry.field(
        description="A whole number (COUNT, MAX_COUNT, WINDOW_MINUTES, WINDOW_HOURS, ACCOUNT_AGE_DAYS, DORMANT_DAYS),"
        " in the unit its name says; null for any other name."
    )
    time: datetime | None = strawberry.field(
        description="A time in UTC (OPENED_AT, LAST_ACTIVITY_AT, SCREENED_AT); null for any other name."
    )
    score: float | None = strawberry.field(
        description="The match score (MATCH_SCORE), 0 to 1 rounded to 4 decimals, on the same scale as the bank's"
        " screening threshold; null for any other name."
    )

    @classmethod
    def of(cls, item: aml_evidence.Evidence, currency: str | None) -> AmlEvidence:
        """The GraphQL view of one piece of evidence; amounts need their currency (None: no amount shown)."""
        amount = Money.of(item.minor, currency) if item.minor is not None and currency is not None else None
        return cls(name=AmlEvidenceName(item.name), value=item.text, amount=amount, quantity=item.whole, time=item.at,
                   score=item.score)
