"""Regional policy packs over GraphQL: every staff role reads them, only admin creates and changes them.

The shipped packs (CN, EU, DEFAULT) are only read here: other tests rely on
their values. Changes are made to packs this module creates itself, with
countries no other test uses: Liechtenstein (QA-LI) for updates and their
effect on postings, Monaco (QA-MC) for creation, Gibraltar and Vatican City
(GI, VA) as countries that refused changes try to claim.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models import AuditEvent, CompliancePolicy
from schema.common.relay import to_global_id
from schema.compliance.types import AmlRuleParameterName
from services.compliance.policy_document import AML_RULE_PARAMETERS
from services.compliance.policy_admin import create_policy
from tests.api.staff_support import StaffClient, StaffFactory, staff  # noqa: F401 - fixture
from tests.api.support import error_codes
from tests.factories import ApiClientFactory, GraphQLClient, next_id

POLICY = (
    "jurisdiction name countries timezone largeTransactionThresholds { amount currency }"
    " tiers { tier name crossBorder limits { currency maxBalance singleMax daily monthly annual lifetime } }"
    " amlRules { rule severity action enabled parameters { name value } } version updatedBy"
)
QUERY = f"{{ compliancePolicies {{ {POLICY} }} }}"
PAYLOAD = f"policy {{ {POLICY} }} userErrors {{ code message field }}"
CREATE = f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyCreate(input: $input) {{ {PAYLOAD} }} }}"
UPDATE = f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyUpdate(input: $input) {{ {PAYLOAD} }} }}"
LIMITS = (
    "query($id: ID!) { customer(id: $id) { limits(currency: \"EUR\") { jurisdiction tier daily { limit remaining } } } }"
)

LI = "QA-LI"
NO_LIMIT = {"maxBalance": None, "singleMax": None, "daily": None, "monthly": None, "annual": None, "lifetime": None}


def tier_input(daily: str, **more: Any) -> list[dict[str, Any]]:
    return [{"tier": 1, "name": "Only tier", "crossBorder": False,
             "limits": [{"currency": "EUR", "daily": daily, **more}]}]


async def ensure_li_pack() -> None:
    """QA-LI: Liechtenstein, one tier with an EUR daily limit of 100.00, no AML rules."""
    if await CompliancePolicy.exists(jurisdiction=LI):
        return
    await create_policy(
        jurisdiction=LI,
        values={"name": "Tests: Liechtenstein", "countries": ["LI"], "timezone": "Europe/Vaduz", "thresholds": [],
                "aml_rules": {}, "tiers": tier_input("100.00")},
        actor="test:policies",
    )


async def stored(jurisdiction: str) -> dict[str, Any] | None:
    """Every stored column of a pack but its timestamp (None: no such pack)."""
    rows = await CompliancePolicy.filter(jurisdiction=jurisdiction).values(
        "jurisdiction", "name", "countries", "timezone", "large_transaction_thresholds", "tiers", "aml_rules",
        "version", "updated_by",
    )
    return rows[0] if rows else None


async def last_audit(operation: str, staff_member: StaffClient) -> AuditEvent | None:
    return await AuditEvent.filter(operation=operation, actor_id=str(staff_member.staff_id)).order_by("-id").first()


def payload_codes(data: dict[str, Any], name: str) -> list[str]:
    return [e["code"] for e in data[name]["userErrors"]]


@pytest.fixture
async def admin(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("admin")


# --- reading ----------------------------------------------------------------------------


async def test_every_staff_role_reads_the_shipped_packs(staff: StaffFactory):  # noqa: F811
    sessions = await staff.every_role()
    answers = {role: (await session.ok(QUERY))["compliancePolicies"] for role, session in sessions.items()}
    packs = answers["admin"]
    assert all(answer == packs for answer in answers.values()), "every role sees the same packs"
    by_code = {p["jurisdiction"]: p for p in packs}
    assert {"CN", "EU", "DEFAULT"} <= set(by_code)
    assert packs[-1]["jurisdiction"] == "DEFAULT", "DEFAULT comes last"

    cn = by_code["CN"]
    assert (cn["countries"], cn["timezone"]) == (["CN"], "Asia/Shanghai")
    assert cn["largeTransactionThresholds"] == [{"amount": "50000.00", "currency": "CNY"}]
    assert [(t["tier"], t["name"], t["crossBorder"], t["limits"]) for t in cn["tiers"]] == [
        (1, "Class I", False, [{"currency": "CNY", **NO_LIMIT, "maxBalance": "10000.00", "lifetime": "1000.00"}]),
        (2, "Class II", False, [{"currency": "CNY", **NO_LIMIT, "maxBalance": "500000.00", "annual": "100000.00"}]),
        (3, "Class III", True, [{"currency": "CNY", **NO_LIMIT, "maxBalance": "1000000.00", "annual": "200000.00"}]),
    ]
    rules = {r["rule"]: r for r in cn["amlRules"]}
    assert set(rules) == {"LARGE_TRANSACTION", "VELOCITY", "STRUCTURING", "RAPID_PASS_THROUGH",
                          "NEW_ACCOUNT_HIGH_VALUE", "DORMANT_REACTIVATION"}
    assert rules["VELOCITY"]["parameters"] == [{"name": "maxCount", "value": 20}, {"name": "windowMinutes", "value": 60}]

    eu = by_code["EU"]
    assert {"DE", "FR", "IT", "ES", "NL"} <= set(eu["countries"]) and "CN" not in eu["countries"]
    assert len(eu["countries"]) == 27 and eu["timezone"] == "Europe/Brussels"
    tier_1 = eu["tiers"][0]
    assert (tier_1["tier"], tier_1["crossBorder"]) == (1, False)
    assert tier_1["limits"] == [{"currency": "EUR", **NO_LIMIT, "maxBalance": "150.00", "singleMax": "150.00",
                                 "monthly": "150.00"}]
    assert [t["tier"] for t in eu["tiers"]] == [1, 2, 3]

    default = by_code["DEFAULT"]
    assert default["countries"] == [] and default["timezone"] == "UTC"
    assert [t["tier"] for t in default["tiers"]] == [1, 2, 3]
    currencies = {limit["currency"] for limit in default["tiers"][0]["limits"]}
    assert {"CNY", "USD", "EUR", "JPY", "KWD"} <= currencies, "the default pack covers every currency"


async def test_partner_and_customer_tokens_cannot_read_packs(clients: ApiClientFactory):
    partner = await clients.partner()
    body = await partner.gql(QUERY)
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body


# --- changing a pack --------------------------------------------------------------------


async def test_admin_update_takes_effect_on_the_next_posting_and_is_audited(clients: ApiClientFactory, admin):
    await ensure_li_pack()
    partner = await clients.partner()
    sender = await partner.create_customer(country="LI", kyc_tier=None)
    source = (await partner.open_wallet("EUR", customer_id=sender["id"]))["id"]
    target = (await partner.open_wallet("EUR", customer_id=(await partner.create_customer(country="LI"))["id"]))["id"]
    assert (await partner.top_up(source, "500.00"))["userErrors"] == []
    # Whatever earlier tests left the pack at: 100.00 a day now.
    await admin.ok(UPDATE, {"input": {"jurisdiction": LI, "tiers": tier_input("100.00")}})
    assert (await partner.transfer(source, target, "60.00"))["userErrors"] == []

    version = (await stored(LI))["version"]
    data = await admin.ok(UPDATE, {"input": {"jurisdiction": LI, "tiers": tier_input("50.00", monthly="1000.00")}})
    payload = data["compliancePolicyUpdate"]
    assert payload["userErrors"] == [], payload
    policy = payload["policy"]
    assert policy["version"] == version + 1
    assert policy["updatedBy"] == f"staff:{to_global_id('StaffUser', admin.staff_id)}"  # the staff user's global ID
    assert policy["tiers"][0]["limits"] == [{"currency": "EUR", **NO_LIMIT, "daily": "50.00", "monthly": "1000.00"}]
    assert (policy["name"], policy["countries"], policy["timezone"]) == ("Tests: Liechtenstein", ["LI"], "Europe/Vaduz")
    row = await stored(LI)
    assert row["version"] == version + 1 and row["tiers"][0]["limits"]["EUR"]["daily"] == 5_000
    audit = await last_audit("compliancePolicyUpdate", admin)
    assert audit is not None and audit.outcome == "OK" and audit.actor_kind == "staff"
    assert audit.detail is not None and LI in audit.detail

    # The next posting sees 50.00 a day, of which 60.00 are used.
    refused = await partner.transfer(source, target, "0.01")
    assert [e["code"] for e in refused["userErrors"]] == ["LIMIT_EXCEEDED"], refused
    assert refused["userErrors"][0]["message"] == "daily limit of 50.00 EUR exceeded: 0.00 EUR remains"
    limits = (await partner.ok(LIMITS, {"id": sender["id"]}))["customer"]["limits"]
    assert limits == [{"jurisdiction": LI, "tier": 1, "daily": {"limit": "50.00", "remaining": "0.00"}}]

    await admin.ok(UPDATE, {"input": {"jurisdiction": LI, "tiers": tier_input("200.00")}})
    assert (await partner.transfer(source, target, "140.00"))["userErrors"] == []
    assert (await partner.balance(source), await partner.balance(target)) == ("300.00", "200.00")


@pytest.mark.parametrize("role", ["compliance", "support", "analyst"])
async def test_other_staff_roles_cannot_change_or_create_packs(staff: StaffFactory, role: str):  # noqa: F811
    await ensure_li_pack()
    session = await staff(role)
    before = await stored(LI)
    body = await session.gql(UPDATE, {"input": {"jurisdiction": LI, "name": "taken over"}})
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body
    jurisdiction = next_id("QAX").upper()
    body = await session.gql(CREATE, {"input": new_pack(jurisdiction, countries=[])})
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body
    assert await stored(LI) == before and await stored(jurisdiction) is None
    assert (await last_audit("compliancePolicyUpdate", session)).outcome == "FORBIDDEN"


async def test_partners_cannot_change_or_create_packs(clients: ApiClientFactory):
    await ensure_li_pack()
    partner = await clients.partner()
    before = await stored(LI)
    body = await partner.gql(UPDATE, {"input": {"jurisdiction": LI, "name": "taken over"}})
    assert error_codes(body) == ["FORBIDDEN"], body
    body = await partner.gql(UPDATE, {"input": {"jurisdiction": "CN", "tiers": tier_input("1.00")}})
    assert error_codes(body) == ["FORBIDDEN"], body
    jurisdiction = next_id("QAX").upper()
    body = await partner.gql(CREATE, {"input": new_pack(jurisdiction, countries=[])})
    assert error_codes(body) == ["FORBIDDEN"], body
    assert await stored(LI) == before and await stored(jurisdiction) is None


# --- malformed changes ------------------------------------------------------------------

VELOCITY = {"rule": "VELOCITY", "severity": "MEDIUM", "action": "ALERT",
            "parameters": [{"name": "maxCount", "value": 20}, {"name": "windowMinutes", "value": 60}]}


def _velocity(**changes: Any) -> list[dict[str, Any]]:
    rule = copy.deepcopy(VELOCITY)
    params = changes.pop("parameters", None)
    if params is not None:
        rule["parameters"] = params
    return [{**rule, **changes}]


# Every malformed pack is VALIDATION naming the offending field (amounts and currencies included, as
# for fee rules), and nothing is stored.
BAD_UPDATES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "unknown timezone": ({"timezone": "Mars/Olympus_Mons"}, ["timezone"]),
    "unknown country": ({"countries": ["LI", "ZZ"]}, ["countries", "1"]),
    "country of another pack": ({"countries": ["LI", "GI", "CN"]}, ["countries"]),
    "country listed twice": ({"countries": ["LI", "LI"]}, ["countries"]),
    "duplicate tier numbers": ({"tiers": tier_input("1.00") + tier_input("2.00")}, ["tiers", "1", "tier"]),
    "tier number zero": ({"tiers": [{**tier_input("1.00")[0], "tier": 0}]}, ["tiers", "0", "tier"]),
    "no tiers": ({"tiers": []}, ["tiers"]),
    "tier without limits": ({"tiers": [{**tier_input("1.00")[0], "limits": []}]}, ["tiers", "0", "limits"]),
    "blank tier name": ({"tiers": [{**tier_input("1.00")[0], "name": "  "}]}, ["tiers", "0", "name"]),
    "negative limit": ({"tiers": tier_input("-1.00")}, ["tiers", "0", "limits", "0", "daily"]),
    "over-precise limit": ({"tiers": tier_input("1.001")}, ["tiers", "0", "limits", "0", "daily"]),
    "over-precise JPY limit": (
        {"tiers": [{"tier": 1, "name": "x", "limits": [{"currency": "JPY", "monthly": "10.5"}]}]},
        ["tiers", "0", "limits", "0", "monthly"],
    ),
    "not a number": ({"tiers": tier_input("lots")}, ["tiers", "0", "limits", "0", "daily"]),
    "currency twice in a tier": (
        {"tiers": [{"tier": 1, "name": "x", "limits": [{"currency": "EUR"}, {"currency": "eur"}]}]},
        ["tiers", "0", "limits", "1"],
    ),
    "unknown currency in a tier": (
        {"tiers": [{"tier": 1, "name": "x", "limits": [{"currency": "ZZZ", "daily": "1.00"}]}]},
        ["tiers", "0", "limits", "0", "currency"],
    ),
    "unknown threshold currency": (
        {"largeTransactionThresholds": [{"currency": "ZZZ", "amount": "1.00"}]}, ["largeTransactionThresholds", "0", "currency"],
    ),
    "negative threshold": (
        {"largeTransactionThresholds": [{"currency": "EUR", "amount": "-5.00"}]}, ["largeTransactionThresholds", "0", "amount"],
    ),
    "threshold listed twice": (
        {"largeTransactionThresholds": [{"currency": "EUR", "amount": "5.00"}, {"currency": "EUR", "amount": "6.00"}]},
        ["largeTransactionThresholds", "1"],
    ),
    "unknown AML rule": ({"amlRules": _velocity(rule="MOON_PHASE", parameters=[])}, ["amlRules", "MOON_PHASE"]),
    "bad severity": ({"amlRules": _velocity(severity="EXTREME")}, ["amlRules", "VELOCITY", "severity"]),
    "bad action": ({"amlRules": _velocity(action="BLOCK")}, ["amlRules", "VELOCITY", "action"]),
    "parameter below range": (
        {"amlRules": _velocity(parameters=[{"name": "maxCount", "value": 0}, {"name": "windowMinutes", "value": 60}])},
        ["amlRules", "VELOCITY", "maxCount"],
    ),
    "parameter above range": (
        {"amlRules": _velocity(parameters=[{"name": "maxCount", "value": 5}, {"name": "windowMinutes", "value": 10_081}])},
        ["amlRules", "VELOCITY", "windowMinutes"],
    ),
    "missing parameter": (
        {"amlRules": _velocity(parameters=[{"name": "maxCount", "value": 5}])}, ["amlRules", "VELOCITY", "windowMinutes"],
    ),
    "unknown parameter": (
        {"amlRules": _velocity(parameters=VELOCITY["parameters"] + [{"name": "bandBps", "value": 5}])},
        ["amlRules", "VELOCITY"],
    ),
    "AML rule listed twice": (
        {"amlRules": _velocity() + _velocity(severity="HIGH")}, ["amlRules", "1", "rule"],
    ),
    "blank name": ({"name": "   "}, ["name"]),
    # Each typed field and the deprecated string field it replaces: exactly one of them.
    "rule typed and as a string": ({"amlRules": _velocity(ruleName="VELOCITY")}, ["amlRules", "0", "ruleName"]),
    "severity typed and as a string": ({"amlRules": _velocity(alertSeverity="MEDIUM")}, ["amlRules", "0", "alertSeverity"]),
    "action typed and as a string": ({"amlRules": _velocity(alertAction="ALERT")}, ["amlRules", "0", "alertAction"]),
    "parameter named typed and as a string": (
        {"amlRules": _velocity(parameters=[{"name": "maxCount", "parameterName": "MAX_COUNT", "value": 5},
                                           {"name": "windowMinutes", "value": 60}])},
        ["amlRules", "0", "parameters", "0", "parameterName"],
    ),
    "no rule named": (
        {"amlRules": [{"severity": "MEDIUM", "action": "ALERT", "parameters": VELOCITY["parameters"]}]},
        ["amlRules", "0", "ruleName"],
    ),
    "no severity": (
        {"amlRules": [{"ruleName": "LARGE_TRANSACTION", "alertAction": "HOLD"}]}, ["amlRules", "0", "alertSeverity"],
    ),
    "no parameter name": (
        {"amlRules": _velocity(parameters=[{"value": 5}, {"name": "windowMinutes", "value": 60}])},
        ["amlRules", "0", "parameters", "0", "parameterName"],
    ),
    "watchlist screening set in a pack": (
        {"amlRules": [{"ruleName": "SANCTIONS_SCREENING", "alertSeverity": "HIGH", "alertAction": "HOLD"}]},
        ["amlRules", "SANCTIONS_SCREENING"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_UPDATES))
async def test_a_malformed_update_is_validation_and_changes_nothing(admin, case):
    await ensure_li_pack()
    changes, field = BAD_UPDATES[case]
    before = await stored(LI)
    data = await admin.ok(UPDATE, {"input": {"jurisdiction": LI, **changes}})
    payload = data["compliancePolicyUpdate"]
    assert payload["policy"] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == ["VALIDATION"], payload
    assert payload["userErrors"][0]["field"] == field, payload
    assert await stored(LI) == before
    assert (await last_audit("compliancePolicyUpdate", admin)).outcome == "VALIDATION"


async def test_default_lists_no_countries_and_unknown_packs_are_not_found(admin):
    before = await stored("DEFAULT")
    data = await admin.ok(UPDATE, {"input": {"jurisdiction": "DEFAULT", "countries": ["VA"]}})
    assert payload_codes(data, "compliancePolicyUpdate") == ["VALIDATION"]
    assert data["compliancePolicyUpdate"]["userErrors"][0]["field"] == ["countries"]
    assert await stored("DEFAULT") == before

    data = await admin.ok(UPDATE, {"input": {"jurisdiction": "QA-NOWHERE", "name": "x"}})
    assert payload_codes(data, "compliancePolicyUpdate") == ["NOT_FOUND"]
    assert await stored("QA-NOWHERE") is None
    # Found by the schema fuzzer: a name no pack could have (too long, other characters) was INTERNAL.
    for impossible in ("úí⮞#sPlU娅ÒRaq®-too-long", "x" * 17, "sg"):
        data = await admin.ok(UPDATE, {"input": {"jurisdiction": impossible, "name": "x"}})
        assert payload_codes(data, "compliancePolicyUpdate") == ["NOT_FOUND"], impossible


# --- creating a pack --------------------------------------------------------------------


def new_pack(jurisdiction: str, *, countries: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "jurisdiction": jurisdiction, "name": "Tests: Monaco", "countries": countries, "timezone": "Europe/Monaco",
        "largeTransactionThresholds": [{"currency": "EUR", "amount": "10000.00"}],
        "tiers": [
            {"tier": 2, "name": "Verified", "crossBorder": True,
             "limits": [{"currency": "EUR", "singleMax": "5000.00", "annual": "100000"}]},
            {"tier": 1, "name": "Basic", "limits": [{"currency": "EUR", "maxBalance": "250.5", "daily": "100.00"}]},
        ],
        "amlRules": [VELOCITY, {"rule": "LARGE_TRANSACTION", "severity": "HIGH", "action": "HOLD", "enabled": False}],
        **overrides,
    }


async def test_admin_creates_a_pack_for_a_new_jurisdiction_and_cannot_create_it_twice(clients, admin):
    data = await admin.ok(CREATE, {"input": new_pack("QA-MC", countries=["MC"])})
    payload = data["compliancePolicyCreate"]
    assert payload["userErrors"] == [], payload
    policy = payload["policy"]
    assert (policy["jurisdiction"], policy["countries"], policy["timezone"], policy["version"]) == (
        "QA-MC", ["MC"], "Europe/Monaco", 1,
    )
    assert policy["updatedBy"] == f"staff:{to_global_id('StaffUser', admin.staff_id)}"  # the staff user's global ID
    assert policy["largeTransactionThresholds"] == [{"amount": "10000.00", "currency": "EUR"}]
    # Tiers sorted by number, amounts in the currency's decimals.
    assert [(t["tier"], t["name"], t["crossBorder"], t["limits"]) for t in policy["tiers"]] == [
        (1, "Basic", False, [{"currency": "EUR", **NO_LIMIT, "maxBalance": "250.50", "daily": "100.00"}]),
        (2, "Verified", True, [{"currency": "EUR", **NO_LIMIT, "singleMax": "5000.00", "annual": "100000.00"}]),
    ]
    assert policy["amlRules"] == [
        {"rule": "LARGE_TRANSACTION", "severity": "HIGH", "action": "HOLD", "enabled": False, "parameters": []},
        {**VELOCITY, "enabled": True},
    ]
    row = await stored("QA-MC")
    assert row["tiers"][0]["limits"]["EUR"]["maxBalance"] == 25_050
    assert row["large_transaction_thresholds"] == {"EUR": 1_000_000}
    audit = await last_audit("compliancePolicyCreate", admin)
    assert audit is not None and audit.outcome == "OK" and "QA-MC" in (audit.detail or "")

    # A Monegasque customer is governed by it at once: tier 1 without approved KYC.
    partner = await clients.partner()
    customer = await partner.create_customer(country="MC", kyc_tier=None)
    limits = (await partner.ok(LIMITS, {"id": customer["id"]}))["customer"]["limits"]
    assert limits == [{"jurisdiction": "QA-MC", "tier": 1, "daily": {"limit": "100.00", "remaining": "100.00"}}]

    for existing in ("QA-MC", "CN", "DEFAULT"):
        before = await stored(existing)
        data = await admin.ok(CREATE, {"input": new_pack(existing, countries=[])})
        assert payload_codes(data, "compliancePolicyCreate") == ["ALREADY_EXISTS"], existing
        assert await stored(existing) == before


CREATE_REFUSALS: dict[str, dict[str, Any]] = {
    "lower-case jurisdiction": {"jurisdiction": "qa-lower"},
    "one-letter jurisdiction": {"jurisdiction": "Q"},
    "missing tiers": {"tiers": None},
    "missing timezone": {"timezone": None},
    "missing AML rules": {"amlRules": None},
    "missing thresholds": {"largeTransactionThresholds": None},
    "country of another pack": {"countries": ["VA", "DE"]},
    "unknown timezone": {"timezone": "Europe/Atlantis"},
}


@pytest.mark.parametrize("case", list(CREATE_REFUSALS))
async def test_a_malformed_create_is_validation_and_stores_nothing(admin, case):
    jurisdiction = next_id("QAV").upper()
    pack = {**new_pack(jurisdiction, countries=["VA"]), **CREATE_REFUSALS[case]}
    count = await CompliancePolicy.all().count()
    data = await admin.ok(CREATE, {"input": pack})
    assert payload_codes(data, "compliancePolicyCreate") == ["VALIDATION"], data
    assert data["compliancePolicyCreate"]["policy"] is None
    assert await CompliancePolicy.all().count() == count
    assert await stored(pack["jurisdiction"]) is None


@pytest.mark.parametrize(("missing", "field"), [
    ("amlRules", "amlRules"), ("largeTransactionThresholds", "largeTransactionThresholds"), ("tiers", "tiers"),
])
async def test_a_missing_part_is_named_as_the_api_names_it(admin, missing, field):
    pack = {**new_pack(next_id("QAN").upper(), countries=["VA"]), missing: None}
    payload = (await admin.ok(CREATE, {"input": pack}))["compliancePolicyCreate"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", [field])], payload
    assert field in payload["userErrors"][0]["message"]


# --- typed AML rule settings (contract 1.1: every closed set an enum) ---------------------

TYPED_RULES = (
    "amlRules { rule ruleName severity alertSeverity action alertAction enabled"
    " parameters { name parameterName value } }"
)
TYPED_PAYLOAD = f"policy {{ jurisdiction {TYPED_RULES} }} userErrors {{ code message field }}"


def _names(parameter_name: str) -> str:
    """MAX_COUNT -> maxCount: the stored (and deprecated string) name of a typed parameter name."""
    head, *rest = parameter_name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def assert_typed_equals_strings(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        assert (rule["ruleName"], rule["alertSeverity"], rule["alertAction"]) == (rule["rule"], rule["severity"], rule["action"])
        assert [_names(p["parameterName"]) for p in rule["parameters"]] == [p["name"] for p in rule["parameters"]]


def test_the_parameter_enum_names_exactly_the_rules_parameters():
    assert {p.value for p in AmlRuleParameterName} == {name for params in AML_RULE_PARAMETERS.values() for name in params}
    assert {_names(p.name) for p in AmlRuleParameterName} == {p.value for p in AmlRuleParameterName}


async def test_every_pack_answers_its_rules_typed_as_well_as_by_string(admin):
    packs = (await admin.ok(f"{{ compliancePolicies {{ jurisdiction {TYPED_RULES} }} }}"))["compliancePolicies"]
    cn = {r["ruleName"]: r for r in next(p for p in packs if p["jurisdiction"] == "CN")["amlRules"]}
    assert cn["VELOCITY"]["parameters"] == [{"name": "maxCount", "parameterName": "MAX_COUNT", "value": 20},
                                            {"name": "windowMinutes", "parameterName": "WINDOW_MINUTES", "value": 60}]
    for pack in packs:
        assert_typed_equals_strings(pack["amlRules"])


async def test_rules_are_set_by_the_typed_fields_or_the_deprecated_strings(admin):
    jurisdiction = next_id("QAT").upper()
    typed = [
        {"ruleName": "VELOCITY", "alertSeverity": "MEDIUM", "alertAction": "ALERT",
         "parameters": [{"parameterName": "MAX_COUNT", "value": 20}, {"parameterName": "WINDOW_MINUTES", "value": 60}]},
        {"ruleName": "LARGE_TRANSACTION", "alertSeverity": "HIGH", "alertAction": "HOLD", "enabled": False},
    ]
    create = f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyCreate(input: $input) {{ {TYPED_PAYLOAD} }} }}"
    payload = (await admin.ok(create, {"input": new_pack(jurisdiction, countries=[], amlRules=typed)}))["compliancePolicyCreate"]
    assert payload["userErrors"] == [], payload
    rules = payload["policy"]["amlRules"]
    assert_typed_equals_strings(rules)
    assert [(r["ruleName"], r["alertSeverity"], r["alertAction"], r["enabled"]) for r in rules] == [
        ("LARGE_TRANSACTION", "HIGH", "HOLD", False), ("VELOCITY", "MEDIUM", "ALERT", True)]
    # The deprecated strings set the very same stored rules.
    by_typed = (await stored(jurisdiction))["aml_rules"]
    await admin.ok(UPDATE, {"input": {"jurisdiction": jurisdiction, "amlRules": new_pack("x", countries=[])["amlRules"]}})
    assert (await stored(jurisdiction))["aml_rules"] == by_typed

    # Mixed within one rule is fine, as long as no value is given both ways.
    update = f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyUpdate(input: $input) {{ {TYPED_PAYLOAD} }} }}"
    mixed = [{"ruleName": "DORMANT_REACTIVATION", "severity": "LOW", "alertAction": "ALERT",
              "parameters": [{"name": "dormantDays", "value": 90}]}]
    payload = (await admin.ok(update, {"input": {"jurisdiction": jurisdiction, "amlRules": mixed}}))["compliancePolicyUpdate"]
    assert payload["userErrors"] == [], payload
    assert payload["policy"]["amlRules"] == [{
        "rule": "DORMANT_REACTIVATION", "ruleName": "DORMANT_REACTIVATION", "severity": "LOW", "alertSeverity": "LOW",
        "action": "ALERT", "alertAction": "ALERT", "enabled": True,
        "parameters": [{"name": "dormantDays", "parameterName": "DORMANT_DAYS", "value": 90}],
    }]
