"""Regional compliance policy packs: tiers, limits, day boundaries, reporting threshold, AML rules.

A pack is data, not code: `tiers` and `aml_rules` are JSON documents whose
shape services.compliance.policy_document checks before anything is stored.
"""

from tortoise import fields
from tortoise.models import Model


class CompliancePolicy(Model):
    # "CN", "EU", "DEFAULT", ...: the pack's code.
    jurisdiction = fields.CharField(max_length=16, primary_key=True)
    name = fields.CharField(max_length=120)
    # ISO 3166 alpha-2 countries whose customers this pack governs; DEFAULT has none.
    countries = fields.JSONField(default=list)
    # IANA timezone whose midnight ends the "day" of daily limits.
    timezone = fields.CharField(max_length=64)
    # {currency: minor units}: a transaction at or above it is a large transaction.
    large_transaction_thresholds = fields.JSONField(default=dict)
    # [{tier, name, crossBorder, limits: {currency: {maxBalance, singleMax, daily, monthly, annual, lifetime}}}]
    tiers = fields.JSONField(default=list)
    # {RULE: {severity, action, ...parameters}}
    aml_rules = fields.JSONField(default=dict)
    # [{operations, aboveAmounts: {currency: minor units}, require, maxAgeSeconds}]: when a money
    # movement needs strong customer authentication. NULL: never set (a shipped pack gets its rules once).
    strong_authentication = fields.JSONField(null=True)
    # {refusedCountries, reviewCountries, annualQuota: {currency, amount, customerKinds} | null, purposeCodeRequired,
    # purposeCodes}: the pack's rules for international transfers (services.cross_border.policy). NULL: never set
    # (a shipped pack gets its section once).
    cross_border = fields.JSONField(null=True)
    version = fields.IntField(default=1)
    updated_by = fields.CharField(max_length=128, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "compliance_policy"
