"""Strong customer authentication rules of a policy pack: their stored shape, and whether a token meets them.

A pack's `strongAuthentication` section is a list of rules:

    {"operations": ["TRANSFER", "WITHDRAWAL"],   # money kinds the rule covers
     "aboveAmounts": {"EUR": 3000},              # minor units per currency: the rule applies strictly above
     "require": "TWO_FACTORS" | "BIOMETRIC",
     "maxAgeSeconds": 300}                        # the authentication may be at most this old

A rule applies to a posting of one of its operations, in a currency it lists,
of an amount strictly above that currency's amount (a currency it does not
list is not covered). Every rule that applies must be met.

- TWO_FACTORS: the customer was authenticated with factors of at least two
  different categories: knowledge (PASSWORD, PIN), possession (DEVICE_BOUND),
  inherence (BIOMETRIC). PASSWORD + PIN is one category, not two (PSD2 RTS art. 4).
- BIOMETRIC: one of the factors was BIOMETRIC.

and, either way, the authentication happened at most `maxAgeSeconds` ago.
Everything here is pure: the posting path asks it with what the token says
(services.compliance.strong_auth_check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auth.auth_methods import AUTH_METHODS
from models.enums import TransactionKind
from services.compliance.policy_document import _currency
from services.errors import ValidationFailed
from services.money import MAX_MINOR, format_amount

TWO_FACTORS, BIOMETRIC = "TWO_FACTORS", "BIOMETRIC"
REQUIREMENTS: tuple[str, ...] = (TWO_FACTORS, BIOMETRIC)
OPERATIONS: tuple[str, ...] = tuple(kind.value for kind in TransactionKind)
MIN_MAX_AGE_S, MAX_MAX_AGE_S = 30, 3_600
MAX_RULES = 20
SECTION = "strongAuthentication"

# The SCA factor category of each method (PSD2 RTS, articles 6-8).
FACTOR_CATEGORY: dict[str, str] = {
    "PASSWORD": "knowledge", "PIN": "knowledge", "DEVICE_BOUND": "possession", "BIOMETRIC": "inherence",
}
assert set(FACTOR_CATEGORY) == set(AUTH_METHODS)

_KIND_WORDS = {"TOP_UP": "top-up", "TRANSFER": "transfer", "WITHDRAWAL": "withdrawal"}
_NEEDS = {
    TWO_FACTORS: "two authentication factors of different kinds (knowledge: PASSWORD or PIN;"
                 " possession: DEVICE_BOUND; inherence: BIOMETRIC)",
    BIOMETRIC: "a BIOMETRIC authentication",
}


@dataclass(frozen=True)
class StrongAuthRule:
    operations: frozenset[str]
    above_minor: dict[str, int]  # currency -> minor units; the rule applies strictly above
    require: str
    max_age_s: int

    def applies(self, *, kind: str, currency: str, amount_minor: int) -> bool:
        """Whether a posting of this kind, currency and amount is covered by the rule."""
        above = self.above_minor.get(currency)
        return kind in self.operations and above is not None and amount_minor > above

    def met_by(self, methods: Iterable[str], auth_time: int | None, now: float) -> bool:
        """Whether an authentication with these methods at auth_time (epoch seconds) meets the rule at `now`."""
        if auth_time is None or now - auth_time > self.max_age_s:
            return False
        methods = set(methods)
        if self.require == BIOMETRIC:
            return "BIOMETRIC" in methods
        return len({FACTOR_CATEGORY[m] for m in methods if m in FACTOR_CATEGORY}) >= 2

    def need(self) -> str:
        """What the rule asks for, in words: '... within the last 300 seconds'."""
        return f"{_NEEDS[self.require]} within the last {self.max_age_s} seconds"

    def refusal(self, *, kind: str, currency: str) -> str:
        """The STEP_UP_REQUIRED message for a posting the rule covers."""
        word = _KIND_WORDS.get(kind, kind.lower())
        above = format_amount(self.above_minor[currency], currency)
        return f"this {word} (above {above} {currency}) needs {self.need()}"


def applicable_rules(rules: Iterable[StrongAuthRule], *, kind: str, currency: str, amount_minor: int) -> list[StrongAuthRule]:
    """The rules that cover a posting, in the pack's order."""
    return [r for r in rules if r.applies(kind=kind, currency=currency, amount_minor=amount_minor)]


def first_unmet(rules: Iterable[StrongAuthRule], methods: Iterable[str], auth_time: int | None, now: float) -> StrongAuthRule | None:
    """The first of the rules that the authentication does not meet, or None when it meets them all."""
    methods = frozenset(methods)
    return next((r for r in rules if not r.met_by(methods, auth_time, now)), None)


def _fail(message: str, *field: str | int) -> ValidationFailed:
    return ValidationFailed(message, field=[SECTION, *(str(f) for f in field)])


def _check_rule(i: int, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, dict):
        raise _fail("a rule is an object", i)
    extra = set(rule) - {"operations", "aboveAmounts", "require", "maxAgeSeconds"}
    if extra:
        raise _fail(f"unknown part {sorted(extra)[0]!r} of a strong authentication rule", i)
    operations = rule.get("operations")
    if not isinstance(operations, list) or not operations:
        raise _fail(f"a rule names at least one operation of {', '.join(OPERATIONS)}", i, "operations")
    for j, operation in enumerate(operations):
        if operation not in OPERATIONS:
            raise _fail(f"unknown operation {operation!r}: one of {', '.join(OPERATIONS)}", i, "operations", j)
    if len(set(operations)) != len(operations):
        raise _fail("an operation is listed twice", i, "operations")
    amounts = rule.get("aboveAmounts")
    if not isinstance(amounts, dict) or not amounts:
        raise _fail("a rule gives the amount above which it applies in at least one currency", i, "aboveAmounts")
    above = {}
    for code, amount in amounts.items():
        _currency(code, SECTION, i, "aboveAmounts", code)
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_MINOR:
            raise _fail("an amount is a whole number of minor units from 0 (every amount) to 2^63-1", i, "aboveAmounts", code)
        above[code] = amount
    if rule.get("require") not in REQUIREMENTS:
        raise _fail(f"require is one of {', '.join(REQUIREMENTS)}", i, "require")
    max_age = rule.get("maxAgeSeconds")
    if isinstance(max_age, bool) or not isinstance(max_age, int) or not MIN_MAX_AGE_S <= max_age <= MAX_MAX_AGE_S:
        raise _fail(f"maxAgeSeconds must be a whole number from {MIN_MAX_AGE_S} to {MAX_MAX_AGE_S}", i, "maxAgeSeconds")
    return {"operations": sorted(operations), "aboveAmounts": dict(sorted(above.items())),
            "require": rule["require"], "maxAgeSeconds": max_age}


def check_strong_auth_rules(values: Any) -> list[dict[str, Any]]:
    """The `strongAuthentication` section in its stored shape, or VALIDATION naming the offending part."""
    if not isinstance(values, list) or len(values) > MAX_RULES:
        raise _fail(f"strongAuthentication is a list of at most {MAX_RULES} rules")
    return [_check_rule(i, rule) for i, rule in enumerate(values)]


def rules_from_document(document: list[dict[str, Any]] | None) -> tuple[StrongAuthRule, ...]:
    """The stored rules as typed values (None: the pack has none)."""
    return tuple(
        StrongAuthRule(
            operations=frozenset(r["operations"]), above_minor={k: int(v) for k, v in r["aboveAmounts"].items()},
            require=r["require"], max_age_s=int(r["maxAgeSeconds"]),
        )
        for r in document or []
    )
