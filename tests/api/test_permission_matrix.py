"""The permission matrix: every root field of Query and Mutation, run by every kind of caller.

Callers: anonymous; partner A with a token lacking the field's scope; partner A
with it; partner B on A's objects; a delegated customer token of A's customer;
and one bank staff member per role. Each (field, caller) cell names the one
outcome the documented matrix allows (auth/roles.py, the schema's permission
classes, services/delegated_tokens.CUSTOMER_TOKEN_SCOPES), and a refused call
must leave the database exactly as it was.

The table is written by hand; `test_the_table_agrees_with_the_role_matrix_and_the_schema`
derives the same cells from auth/roles.py and the permission classes, so the
table, the documentation and the schema cannot drift apart silently. A new
root field without a row fails `test_every_root_field_has_a_row`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
import pytest_asyncio

from auth.roles import STAFF_ROLES, permissions_of
from auth.scopes import PARTNER_SCOPES
from models import (
    Account,
    AmlAlert,
    AmlCase,
    AmlCaseNote,
    ApiClient,
    AuditEvent,
    CompliancePolicy,
    Customer,
    CustomerOwnLimit,
    DomainEvent,
    Entry,
    FeeRule,
    IdempotencyRecord,
    Partner,
    RevokedToken,
    SigningKey,
    StaffUser,
    Transaction,
    Wallet,
    WebhookDelivery,
    WebhookEndpoint,
)
from models import FxRate
from models.enums import PartnerStatus, WalletStatus
from services import clock
from schema.build import schema as api_schema
from schema.common.permissions import PartnerToken, SandboxToken
from schema.common.relay import parse_global_id, to_global_id
from services.compliance.policy_admin import create_policy
from services.delegated_tokens import CUSTOMER_TOKEN_SCOPES
from services.fees.schedule import create_rule
from services.partners.status import set_partner_status
from services.partners.onboarding import create_partner
from services.staff import create_staff
from tests.api import kyc_support
from tests.api import merchant_support, payment_support, webhook_support
from tests.api import points_support
from tests.api import business_members_support  # issue 16 parts 5-6 (helper G1)
from tests.api import coupon_support  # issue 15 part 4 (helper B)
from tests.api import offers_support  # issue 15 parts 5-6 (helper C)
from tests.api import ticket_support  # issue 16 parts 2-3 (helper F)
from tests.api import cross_border_support  # issue 14 part 7 (helper A)
from tests.api.staff_support import StaffClient, StaffFactory, customer_session
from tests.api.support import error_codes
from tests.factories import ApiClientFactory, GraphQLClient, next_id

OK, FORBIDDEN, NOT_FOUND, UNAUTHENTICATED = "OK", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"
HIDDEN = "HIDDEN"  # a list: answered, without any of the other partner's objects
NULL = "NULL"  # node(id:): answered null, with no error, exactly as for an ID that names nothing
NA = "N/A"  # the cell does not apply (no object of another partner is involved)

PARTNER_CALLERS = ("anonymous", "partner-without-scope", "partner", "other-partner", "customer")
CALLERS = (*PARTNER_CALLERS, *STAFF_ROLES)
STAFF_ONLY_PERMISSIONS = {"partners:read", "partners:write", "audit:read", "policies:read", "policies:write",
                          "staff:read", "staff:write"}
# Issue 16: what bank support staff write besides admin (auth/roles.py): the help centre.
SUPPORT_WRITES = {"help:write"}
# Issue 16 parts 2-3 (helper F): the support desk (tickets) and dispute decisions (a refund through the engine).
SUPPORT_WRITES |= {"support:write", "disputes:decide"}


# --- the world every cell runs in -------------------------------------------


@dataclass
class World:
    http: httpx.AsyncClient
    tokens: Any  # the app's TokenAuthority
    a: GraphQLClient
    b: GraphQLClient
    a_c1: str
    a_c2: str
    a_w1: str  # c1's wallet, funded
    a_w2: str  # c2's wallet
    a_tx: str  # the top-up of a_w1
    customer: GraphQLClient  # c1's delegated token, every delegable scope
    staff: dict[str, StaffClient]
    a_ids: set[str]
    narrow: dict[frozenset[str], GraphQLClient] = field(default_factory=dict)

    async def a_token_with(self, scopes: frozenset[str]) -> GraphQLClient:
        """A's own client, with a token holding exactly these scopes (from /oauth/token)."""
        if scopes not in self.narrow:
            response = await self.http.post("/oauth/token", data={
                "grant_type": "client_credentials", "client_id": self.a.client_id,
                "client_secret": self.a.client_secret, "scope": " ".join(sorted(scopes)),
            })
            assert response.status_code == 200, response.text
            body = response.json()
            assert set(body["scope"].split()) == scopes
            self.narrow[scopes] = GraphQLClient(
                http=self.http, token=body["access_token"], partner_id=self.a.partner_id,
                client_id=self.a.client_id, client_secret=self.a.client_secret, scopes=sorted(scopes),
            )
        return self.narrow[scopes]

    def throwaway_partner_token(self) -> str:
        """A second live token of A's client, for tokenRevoke to aim at."""
        token, _ = self.tokens.issue_partner_token(
            client_id=self.a.client_id, partner_id=uuid.UUID(self.a.partner_id), scopes=["wallets:read"], ttl_s=300
        )
        return token

    def throwaway_customer_token(self) -> str:
        """A second live token of A's customer c1."""
        token, _ = self.tokens.issue_customer_token(
            client_id=self.a.client_id, partner_id=uuid.UUID(self.a.partner_id),
            customer_id=_uuid(self.a_c1), scopes=["wallets:read"], ttl_s=300,
        )
        return token


def _uuid(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


@pytest_asyncio.fixture(scope="module")
async def world(app, http) -> World:
    factory = ApiClientFactory(http)
    a, b = await factory.partner(), await factory.partner()
    c1, c2 = await a.create_customer(), await a.create_customer()
    w1 = await a.open_wallet("CNY", customer_id=c1["id"])
    w2 = await a.open_wallet("CNY", customer_id=c2["id"])
    top_up = await a.top_up(w1["id"], "1000.00")
    assert top_up["userErrors"] == []
    transfer = await a.transfer(w1["id"], w2["id"], "10.00")
    assert transfer["userErrors"] == []
    b_wallet = await b.open_wallet("CNY")
    assert (await b.top_up(b_wallet["id"], "50.00"))["userErrors"] == []
    customer = await customer_session(a, c1["id"], sorted(CUSTOMER_TOKEN_SCOPES))
    staff = await StaffFactory(http).every_role()
    # A's own fee rule (free: it charges nothing), which feeSchedule must hide from B.
    a_rule = await create_rule(terms={"kind": "PAYMENT", "partner_id": uuid.UUID(a.partner_id), "currency": "CNY",
                                      "rate_bps": 0, "fee_min_minor": 0, "fixed_minor": 0, "free_per_month": 0},
                               created_by="test:matrix")
    return World(
        http=http, tokens=app.state.qianbao.tokens, a=a, b=b, a_c1=c1["id"], a_c2=c2["id"],
        a_w1=w1["id"], a_w2=w2["id"], a_tx=top_up["transaction"]["id"], customer=customer, staff=staff,
        a_ids={c1["id"], c2["id"], w1["id"], w2["id"], top_up["transaction"]["id"], transfer["transaction"]["id"],
               to_global_id("FeeRule", a_rule.id)},
    )


# --- fresh targets for the staff mutations ------------------------------------


async def _fresh_partner(suspended: bool = False) -> tuple[str, str]:
    """A new partner (optionally suspended): its global ID and its API client's global ID."""
    created = await create_partner(name=next_id("matrix-target"), scopes=["wallets:read"])
    if suspended:
        await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.SUSPENDED, reason="setup")
    return to_global_id("Partner", created.partner.id), to_global_id("ApiClient", created.client.id)


# --- foreign exchange (services.fx) -------------------------------------------


async def _fx_rate() -> None:
    """A fresh CNY/USD mid rate (the bank's: every partner quotes from it)."""
    await FxRate.create(base_currency="CNY", quote_currency="USD", rate_e9=138_000_000, source="matrix",
                        as_of=clock.now(), created_by="test:matrix")


async def _fx_quote_target(w: World, caller: str) -> dict[str, Any]:
    await _fx_rate()
    quote = {"sellCurrency": "CNY", "buyCurrency": "USD", "sellAmount": "1.00"}
    return {"input": quote if caller in STAFF_ROLES else {**quote, "fromWalletId": w.a_w1}}


async def _fx_convert_target(w: World, caller: str) -> dict[str, Any]:
    """A's quote and two wallets of one customer: c1's CNY wallet and a USD wallet of c1 written directly (China's
    pack allows c1 no USD wallet, so walletConvert refuses c1's token with KYC_REQUIRED after every permission
    check), or, for every other caller, a fresh US customer's CNY and USD wallets."""
    await _fx_rate()
    data = await w.a.ok("mutation($input: FxQuoteInput!) { fxQuote(input: $input) { quote { id } } }",
                        {"input": {"sellCurrency": "CNY", "buyCurrency": "USD", "sellAmount": "1.00"}})
    quote_id = data["fxQuote"]["quote"]["id"]
    if caller == "customer":
        partner_id, customer_id = uuid.UUID(w.a.partner_id), _uuid(w.a_c1)
        account = await Account.create(kind="WALLET", currency="USD", partner_id=partner_id)
        usd = await Wallet.create(partner_id=partner_id, customer_id=customer_id, currency="USD", account=account)
        return {"input": {"quoteId": quote_id, "fromWalletId": w.a_w1, "toWalletId": to_global_id("Wallet", usd.id),
                          "idempotencyKey": next_id("matrix")}}
    customer = await w.a.create_customer(country="US")
    cny = await w.a.open_wallet("CNY", customer["id"])
    usd = await w.a.open_wallet("USD", customer["id"])
    assert (await w.a.top_up(cny["id"], "5.00"))["userErrors"] == []
    w.a_ids.update({customer["id"], cny["id"], usd["id"]})
    return {"input": {"quoteId": quote_id, "fromWalletId": cny["id"], "toWalletId": usd["id"],
                      "idempotencyKey": next_id("matrix")}}


# --- the help centre (services.help, issue 16 part 1) --------------------------


async def _help_create_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"kind": "ARTICLE", "locale": "EN", "category": "OTHER", "slug": next_id("matrix-help"),
                      "title": "Permission matrix", "body": "Permission matrix."}}


async def _fresh_help_draft() -> str:
    """A new DRAFT help article, as a global ID."""
    from services.help.admin import ArticleTerms, create_article
    from tests.integration.merchant_support import staff as staff_principal

    record = await create_article(principal=staff_principal("support"), terms=ArticleTerms(
        kind="FAQ", locale="en", category="OTHER", slug=next_id("matrix-draft"), title="Matrix?", body="Matrix."))
    return to_global_id("HelpArticle", record.id)


async def _help_update_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"articleId": await _fresh_help_draft(), "title": "Permission matrix, updated"}}


async def _help_publish_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"articleId": await _fresh_help_draft()}}


# --- the table ----------------------------------------------------------------

Variables = Callable[[World, str], Awaitable[dict[str, Any]]]


async def _points_rule_create_target(w: World, caller: str) -> dict[str, Any]:
    program, _ = await points_support.funded_program(w.a)
    return {"input": {"programId": program["id"], "kind": "PAYMENT", "pointsPerUnit": 1, "spendUnit": "1.00"}}


async def _points_rule_update_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ruleId": await points_support.matrix_rule(w.a), "pointsPerUnit": 2}}


async def _points_rule_retire_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ruleId": await points_support.matrix_rule(w.a)}}


async def _coupon_campaign_target(w: World, caller: str) -> dict[str, Any]:
    # Bank staff create BANK campaigns (funded from any wallet); a partner its own.
    issuer = "PARTNER" if caller in PARTNER_CALLERS else "BANK"
    return {"input": coupon_support.campaign_input(w.a_w1, budget="1.00", issuer=issuer)}


async def _coupon_issue_target(w: World, caller: str) -> dict[str, Any]:
    campaign, _ = await coupon_support.funded_campaign(w.a)
    return {"input": {"campaignId": campaign["id"], "customerIds": [w.a_c1]}}


async def _coupon_claim_target(w: World, caller: str) -> dict[str, Any]:
    campaign, _ = await coupon_support.funded_campaign(w.a)  # a fresh one: c1 may hold one coupon of each
    return {"input": {"code": campaign["claimCode"], "customerId": w.a_c1}}


async def _points_redeem_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": await points_support.matrix_redeem_input(w.a, w.a_c1)}


async def _ticket_of_c1(w: World) -> str:
    """A fresh support ticket of A's customer c1 (so c1's token reaches it); remembered as one of A's objects."""
    ticket = await ticket_support.new_ticket(w.a, w.a_c1)
    w.a_ids.add(ticket)
    return ticket


async def _ticket_list_target(w: World, caller: str) -> dict[str, Any]:
    await _ticket_of_c1(w)  # one of A's, which B must not see
    return {}


async def _ticket_open_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": ticket_support.ticket_input(w.a_c1)}


async def _ticket_reply_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ticketId": await _ticket_of_c1(w), "message": "permission matrix"}}


async def _ticket_note_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ticketId": await _ticket_of_c1(w), "text": "permission matrix"}}


async def _ticket_assign_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ticketId": await _ticket_of_c1(w),
                      "assigneeId": to_global_id("StaffUser", w.staff["support"].staff_id)}}


async def _ticket_update_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ticketId": await _ticket_of_c1(w), "priority": "HIGH"}}


async def _payment_ticket_of_c1(w: World) -> str:
    """A fresh ticket of c1 about a new 1.00 payment from c1's wallet to a merchant of A (settling into c2's)."""
    payment = await payment_support.matrix_payment(w.a, payer_wallet=w.a_w1, settles_customer=w.a_c2,
                                                   settles_wallet=w.a_w2)
    data = await w.a.ok("query($id: ID!) { node(id: $id) { ... on Payment { transactionId } } }", {"id": payment})
    ticket = await ticket_support.new_ticket(w.a, w.a_c1, category="PAYMENT",
                                             transactionId=data["node"]["transactionId"])
    w.a_ids.update({ticket, payment})
    return ticket


async def _dispute_open_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ticketId": await _payment_ticket_of_c1(w), "reasonCode": "NOT_RECEIVED"}}


async def _fresh_dispute(w: World) -> str:
    opened = await w.a.ok(ticket_support.DISPUTE_OPEN, {"input": {"ticketId": await _payment_ticket_of_c1(w),
                                                                  "reasonCode": "DUPLICATE"}})
    dispute = opened["disputeOpen"]["dispute"]["id"]
    w.a_ids.add(dispute)
    return dispute


async def _dispute_list_target(w: World, caller: str) -> dict[str, Any]:
    await _fresh_dispute(w)  # one of A's, which B must not see
    return {}


async def _dispute_respond_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"disputeId": await _fresh_dispute(w), "evidence": "permission matrix"}}


async def _dispute_decide_target(w: World, caller: str) -> dict[str, Any]:
    dispute = await _fresh_dispute(w)
    answered = await w.a.ok(ticket_support.DISPUTE_RESPOND, {"input": {"disputeId": dispute, "evidence": "matrix"}})
    assert answered["disputeRespond"]["userErrors"] == [], answered
    return {"input": {"disputeId": dispute, "outcome": "FOR_MERCHANT"}}


def _const(build: Callable[[World], dict[str, Any]]) -> Variables:
    async def variables(w: World, caller: str) -> dict[str, Any]:
        return build(w)

    return variables


async def _partner_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"partnerId": (await _fresh_partner())[0], "reason": "permission matrix"}}


async def _suspended_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"partnerId": (await _fresh_partner(suspended=True))[0], "reason": "permission matrix"}}


async def _client_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"apiClientId": (await _fresh_partner())[1]}}


async def _new_client_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"partnerId": (await _fresh_partner())[0], "scopes": ["wallets:read"]}}


async def _fresh_rule() -> str:
    """A free fee rule of a new partner (charging nobody else), as a global ID."""
    partner_id = parse_global_id((await _fresh_partner())[0])[1]  # type: ignore[index]
    rule = await create_rule(terms={"kind": "PAYMENT", "partner_id": partner_id, "currency": "CNY", "rate_bps": 0,
                                    "fee_min_minor": 0, "fixed_minor": 0, "free_per_month": 0},
                             created_by="test:matrix")
    return to_global_id("FeeRule", rule.id)


async def _rule_create_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"kind": "PAYMENT", "partnerId": (await _fresh_partner())[0], "currency": "CNY",
                      "fixed": "0.00", "rateBps": 0}}


async def _rule_update_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ruleId": await _fresh_rule(), "rateBps": 1}}


async def _rule_retire_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"ruleId": await _fresh_rule()}}


async def _fee_share_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"partnerId": (await _fresh_partner())[0], "shareBps": 2500}}


async def _strong_auth_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"partnerId": (await _fresh_partner())[0], "mode": "REQUIRE_CUSTOMER_TOKEN"}}


async def _fresh_alert(w: World) -> str:
    """A new OPEN alert (ALERT only, no transaction) about A's customer c1, as a global ID."""
    c1 = _uuid(w.a_c1)
    alert = await AmlAlert.create(partner_id=uuid.UUID(w.a.partner_id), customer_id=c1, rule="LARGE_TRANSACTION",
                                  severity="HIGH", action="ALERT", details={"matrix": True})
    return to_global_id("AmlAlert", alert.id)


async def _fresh_case(w: World) -> str:
    """A new OPEN case about A's customer c1 (without alerts, so it may be closed at once), as a global ID."""
    case = await AmlCase.create(partner_id=uuid.UUID(w.a.partner_id), customer_id=_uuid(w.a_c1), title="matrix",
                                opened_by="test:matrix")
    return to_global_id("AmlCase", case.id)


async def _alert_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _fresh_alert(w)}


async def _case_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _fresh_case(w)}


async def _freeze_target(w: World, caller: str) -> dict[str, Any]:
    wallet = await w.a.open_wallet("CNY", customer_id=w.a_c2)
    return {"input": {"walletId": wallet["id"], "reason": "permission matrix"}}


async def _unfreeze_target(w: World, caller: str) -> dict[str, Any]:
    variables = await _freeze_target(w, caller)
    await Wallet.filter(id=_uuid(variables["input"]["walletId"])).update(status=WalletStatus.FROZEN, status_reason="x")
    return variables


async def _case_open_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"alertIds": [await _fresh_alert(w)], "title": "permission matrix"}}


async def _case_assign_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"caseId": await _fresh_case(w), "assigneeId": str(w.staff["compliance"].staff_id)}}


async def _case_note_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"caseId": await _fresh_case(w), "text": "permission matrix"}}


async def _case_close_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"caseId": await _fresh_case(w), "reason": "permission matrix"}}


async def _alert_resolve_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"alertId": await _fresh_alert(w), "decision": "DISMISS", "reason": "permission matrix"}}


async def _reconciliation_resolve_target(w: World, caller: str) -> dict[str, Any]:
    """A fresh OPEN reconciliation exception (as a settlement import stores it) to resolve."""
    from tests.api.reconciliation_support import reconciliation_exception_id

    return {"input": {"exceptionId": await reconciliation_exception_id("matrix"), "reason": "permission matrix"}}


async def _kyc_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await kyc_support.world_submission(w.a, w.a_c1, w.a_ids)}


async def _kyc_list_target(w: World, caller: str) -> dict[str, Any]:
    await kyc_support.world_submission(w.a, w.a_c1, w.a_ids)  # one of A's, which B must not see
    return {}


async def _kyc_submit_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": await kyc_support.fresh_application(w.a)}


async def _kyc_review_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"submissionId": await kyc_support.fresh_pending(w.a), "decision": "APPROVE",
                      "reason": "permission matrix", "tier": 1}}


async def _kyc_reveal_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"submissionId": await kyc_support.world_submission(w.a, w.a_c1, w.a_ids), "field": "ID_NUMBER",
                      "reason": "permission matrix check"}}


def _policy_values() -> dict[str, Any]:
    """A pack that governs no country, so creating or changing it touches no other test's customers."""
    return {"name": "permission matrix", "countries": [], "timezone": "UTC", "thresholds": [], "aml_rules": {},
            "tiers": [{"tier": 1, "name": "Only", "crossBorder": False, "limits": [{"currency": "EUR", "daily": "1.00"}]}]}


async def _policy_create_target(w: World, caller: str) -> dict[str, Any]:
    values = _policy_values()
    return {"input": {"jurisdiction": next_id("QAPM").upper(), "name": values["name"], "countries": [],
                      "timezone": "UTC", "largeTransactionThresholds": [], "amlRules": [], "tiers": values["tiers"]}}


async def _policy_update_target(w: World, caller: str) -> dict[str, Any]:
    jurisdiction = next_id("QAPM").upper()
    await create_policy(jurisdiction=jurisdiction, values=_policy_values(), actor="test:matrix")
    return {"input": {"jurisdiction": jurisdiction, "name": "renamed by the permission matrix"}}


async def _quote_target(w: World, caller: str) -> dict[str, Any]:
    quote = {"kind": "TRANSFER", "amount": "1.00", "currency": "CNY"}
    if caller in STAFF_ROLES:
        return {"input": quote}  # staff quote the bank's default schedule (no partner's wallets)
    return {"input": {**quote, "fromWalletId": w.a_w1, "toWalletId": w.a_w2}}


async def _revoke_target(w: World, caller: str) -> dict[str, Any]:
    if caller == "customer":
        return {"input": {"token": w.throwaway_customer_token()}}
    if caller in STAFF_ROLES:
        throwaway = w.tokens.verify(w.throwaway_partner_token())
        return {"input": {"jti": throwaway.token_id}}
    return {"input": {"token": w.throwaway_partner_token()}}


async def _fresh_staff_user() -> str:
    """A new support user (no session), as a global ID."""
    user = await create_staff(email=f"{next_id('matrix-staff')}@bank.example", role="support",
                              password="permission matrix password")
    return to_global_id("StaffUser", user.id)


async def _staff_deactivate_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"staffUserId": await _fresh_staff_user(), "reason": "permission matrix"}}


async def _staff_role_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"staffUserId": await _fresh_staff_user(), "role": "ANALYST", "reason": "permission matrix"}}


async def _close_wallet_target(w: World, caller: str) -> dict[str, Any]:
    wallet = await w.a.open_wallet("CNY", customer_id=w.a_c2)  # empty: closes at once when allowed
    return {"input": {"walletId": wallet["id"], "reason": "permission matrix"}}


async def _close_customer_target(w: World, caller: str) -> dict[str, Any]:
    customer = await w.a.create_customer()  # no wallet: closes at once when allowed
    return {"input": {"customerId": customer["id"], "reason": "permission matrix"}}


def _delegable(scope: str) -> str:
    """The customer token's cell of a field it may call on its own objects: OK once partners can delegate the scope."""
    return OK if scope in CUSTOMER_TOKEN_SCOPES else FORBIDDEN


@dataclass(frozen=True)
class Row:
    document: str
    variables: Variables
    scope: str | None  # the scope or role permission the field needs (None: any verified caller)
    partner_only: bool  # PartnerToken: neither customer tokens nor staff
    foreign: str  # what partner B gets on A's objects when the partner itself is allowed: NOT_FOUND, HIDDEN or N/A
    expect: dict[str, str]  # caller -> outcome, for every caller but anonymous (always 401)
    scope_checked_in_resolver: bool = False  # node(id:): the scope depends on the ID's type
    staff_scope: str | None = None  # when staff need another permission than partners do
    sandbox_only: bool = False  # SandboxToken: a sandbox partner's own token only (the world's partners are live)
    # Callers the permission rules let through but whom the world's data makes a business rule refuse, with its
    # code (walletConvert: the world's customer c1 is under China's pack, which allows no second currency).
    policy_refusals: tuple[tuple[str, str], ...] = ()


def _cells(partner: str, without: str, other: str, customer: str, admin: str, compliance: str, support: str,
           analyst: str, treasury: str | None = None) -> dict[str, str]:
    # treasury reads what support reads and adds fx:write only: unless a row says otherwise, its cell is support's.
    return {"partner": partner, "partner-without-scope": without, "other-partner": other, "customer": customer,
            "admin": admin, "compliance": compliance, "support": support, "analyst": analyst,
            "treasury": support if treasury is None else treasury}


F, N, H = FORBIDDEN, NOT_FOUND, HIDDEN
PAYLOAD = "userErrors { code message }"
_REPORT_DAYS = {"f": "2001-01-01", "t": "2001-01-31"}  # a month of no test data: the shared database's days hold
# absurd amounts (refused-cap probes) whose sum a report refuses (services.reporting.reading)

def _webhook_endpoint_target(**extra: Any) -> Variables:
    """A fresh endpoint of A for each call (written directly: the per-partner cap does not apply)."""
    async def variables(w: World, caller: str) -> dict[str, Any]:
        return {"input": {"endpointId": await webhook_support.stored_endpoint(w.a.partner_id), **extra}}

    return variables


async def _webhook_delivery_target(w: World, caller: str) -> dict[str, Any]:
    endpoint = await webhook_support.stored_endpoint(w.a.partner_id)
    return {"input": {"deliveryId": await webhook_support.finished_delivery(w.a.partner_id, endpoint)}}


async def _matrix_merchant(w: World, *, suspended: bool = False) -> str:
    """A merchant of A's customer c1 (so c1's token reaches it), settling into w1; remembered as one of A's objects."""
    merchant = await merchant_support.stored_merchant(w.a.partner_id, w.a_c1, w.a_w1, suspended=suspended)
    w.a_ids.add(merchant)
    return merchant


async def _merchant_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _matrix_merchant(w)}


async def _merchant_list_target(w: World, caller: str) -> dict[str, Any]:
    await _matrix_merchant(w)  # one of A's, which B must not see
    return {}


async def _qr_target(w: World, caller: str) -> dict[str, Any]:
    merchant = await _matrix_merchant(w)
    request = await merchant_support.new_request(w.a, merchant, amount="3.00", singleUse=True)
    return {"p": request["payload"]}


async def _merchant_create_target(w: World, caller: str) -> dict[str, Any]:
    customer_id, wallet_id = await merchant_support.business_with_wallet(w.a)
    return {"input": merchant_support.merchant_input(customer_id, wallet_id)}


def _merchant_status_target(*, suspended: bool) -> Variables:
    async def variables(w: World, caller: str) -> dict[str, Any]:
        return {"input": {"merchantId": await _matrix_merchant(w, suspended=suspended), "reason": "permission matrix"}}

    return variables


async def _merchant_settle_target(w: World, caller: str) -> dict[str, Any]:
    """A DEFERRED merchant of A's customer c1 (merchantSettle refuses an IMMEDIATE one)."""
    merchant = await merchant_support.stored_merchant(w.a.partner_id, w.a_c1, w.a_w1, deferred=True)
    w.a_ids.add(merchant)
    return {"input": {"merchantId": merchant}}


async def _matrix_bank_account(w: World, status: str = "PENDING_VERIFICATION") -> str:
    """A linked bank account of A's customer c1, written directly (micro-deposits 0.11 and 0.22); its global ID."""
    from models.funding import BankAccount
    from models.ids import uuid7
    from services.pii import encrypt_value, pii_context

    from services.funding.bank_linking import live_key
    from services.funding.fingerprint import account_fingerprint

    # A real sealed value, bound to its row, and the real fingerprint and live key, as the linking service
    # writes them: a later data-key or master-key rotation in the same database must be able to read the
    # number and recompute the fingerprint (tests/integration/test_pii_rotation.py, test_master_key_rotation.py).
    # Each account has its own number: one customer cannot hold the same account linked twice.
    account_id = uuid7()
    customer_id = parse_global_id(w.a_c1)[1]
    number = "62220212" + f"{account_id.int % 10**8:08d}"
    number_enc = await encrypt_value(number, context=pii_context("bank_account", "number_enc", account_id))
    fingerprint = account_fingerprint("CN", number)
    row = await BankAccount.create(
        id=account_id, partner_id=uuid.UUID(w.a.partner_id), customer_id=customer_id, country="CN",
        currency="CNY", bank_code="102100099996", number_enc=number_enc, number_fingerprint=fingerprint,
        last_four=number[-4:], holder_name="Matrix Holder", name_score_bps=10000, status=status,
        verification_method="MICRO_DEPOSITS", micro_deposits=[11, 22], live_key=live_key(customer_id, fingerprint),
    )
    global_id = to_global_id("BankAccount", row.id)
    w.a_ids.add(global_id)
    return global_id


async def _matrix_card(w: World) -> str:
    """An ACTIVE linked card of A's customer c1, written directly; its global ID."""
    from models.funding import Card

    row = await Card.create(
        partner_id=uuid.UUID(w.a.partner_id), customer_id=parse_global_id(w.a_c1)[1], processor_token="tok_sim_matrix",
        brand="VISA", last_four="1111", expiry_month=12, expiry_year=2099, holder_name="Matrix Holder", status="ACTIVE",
    )
    global_id = to_global_id("Card", row.id)
    w.a_ids.add(global_id)
    return global_id


_matrix_accounts = iter(range(10**9))


async def _bank_account_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _matrix_bank_account(w)}


async def _card_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _matrix_card(w)}


async def _funding_list_target(w: World, caller: str) -> dict[str, Any]:
    await _matrix_bank_account(w)
    await _matrix_card(w)
    return {"c": w.a_c1}


async def _bank_account_link_target(w: World, caller: str) -> dict[str, Any]:
    number = f"62220200{next(_matrix_accounts):08d}"  # a new CN account each call: never ALREADY_LINKED
    return {"input": {"customerId": w.a_c1, "country": "CN", "bankCode": "102100099996", "accountNumber": number,
                      "holderName": "Matrix Holder"}}


async def _bank_account_verify_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"bankAccountId": await _matrix_bank_account(w), "amounts": ["0.22", "0.11"]}}


async def _bank_account_review_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"bankAccountId": await _matrix_bank_account(w, "NEEDS_REVIEW"), "decision": "REJECT",
                      "reason": "permission matrix"}}


async def _bank_account_remove_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"bankAccountId": await _matrix_bank_account(w)}}


# --- international transfers (issue 14 part 7, helper A) ------------------------


async def _beneficiary_of_a(w: World, status: str = "ACTIVE") -> str:
    global_id = await cross_border_support.stored_beneficiary(w.a.partner_id, w.a_c1, status=status)
    w.a_ids.add(global_id)
    return global_id


async def _beneficiary_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _beneficiary_of_a(w)}


async def _beneficiary_list_target(w: World, caller: str) -> dict[str, Any]:
    await _beneficiary_of_a(w)
    return {"c": w.a_c1}


async def _beneficiary_create_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"customerId": w.a_c1, "name": "Matrix Payee", "country": "US", "bic": "CHASUS33",
                      "accountNumber": "123456789", "address": "1 Matrix Way"}}


async def _beneficiary_review_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"beneficiaryId": await _beneficiary_of_a(w, "NEEDS_REVIEW"), "decision": "REJECT",
                      "reason": "permission matrix"}}


async def _beneficiary_delete_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"beneficiaryId": await _beneficiary_of_a(w)}}


async def _international_transfer_read_target(w: World, caller: str) -> dict[str, Any]:
    global_id = await cross_border_support.stored_transfer(w.a.partner_id, w.a_c1, w.a_w1)
    w.a_ids.add(global_id)
    return {"id": global_id}


async def _international_transfer_create_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"fromWalletId": w.a_w1, "beneficiaryId": await _beneficiary_of_a(w),
                      "quoteId": await cross_border_support.fresh_quote(w.a.partner_id), "purposeCode": "FAM",
                      "idempotencyKey": next_id("matrix")}}


async def _card_link_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"customerId": w.a_c1, "cardNumber": "4111111111111111", "expiryMonth": 12, "expiryYear": 2099,
                      "holderName": "Matrix Holder"}}


async def _card_remove_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"cardId": await _matrix_card(w)}}


async def _payment_request_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"merchantId": await _matrix_merchant(w), "amount": "1.00", "singleUse": True}}


async def _payment_read_target(w: World, caller: str) -> dict[str, Any]:
    payment = await payment_support.matrix_payment(w.a, payer_wallet=w.a_w1, settles_customer=w.a_c2, settles_wallet=w.a_w2)
    w.a_ids.add(payment)
    return {"id": payment}


async def _payment_create_target(w: World, caller: str) -> dict[str, Any]:
    request = await payment_support.matrix_request(w.a, w.a_c2, w.a_w2)
    return {"input": {"fromWalletId": w.a_w1, "qrPayload": request["payload"], "idempotencyKey": next_id("matrix")}}


async def _refund_target(w: World, caller: str) -> dict[str, Any]:
    payment = await payment_support.matrix_payment(w.a, payer_wallet=w.a_w1, settles_customer=w.a_c2, settles_wallet=w.a_w2)
    return {"input": {"paymentId": payment, "amount": "0.01", "reason": "matrix", "idempotencyKey": next_id("matrix")}}


async def _payment_code_create_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"walletId": w.a_w1, "maxAmount": "5.00"}}


async def _payment_collect_target(w: World, caller: str) -> dict[str, Any]:
    merchant = await merchant_support.stored_merchant(w.a.partner_id, w.a_c2, w.a_w2)
    issued = await w.a.ok("mutation($input: PaymentCodeCreateInput!) { paymentCodeCreate(input: $input) {"
                          " paymentCode { code } } }", {"input": {"walletId": w.a_w1}})
    code = issued["paymentCodeCreate"]["paymentCode"]["code"]
    return {"input": {"merchantId": merchant, "code": code, "amount": "1.00", "idempotencyKey": next_id("matrix")}}


async def _authorization_read_target(w: World, caller: str) -> dict[str, Any]:
    authorization = await payment_support.matrix_authorization(w.a, payer_wallet=w.a_w1, settles_customer=w.a_c2,
                                                               settles_wallet=w.a_w2)
    w.a_ids.add(authorization)
    return {"id": authorization}


async def _authorization_create_target(w: World, caller: str) -> dict[str, Any]:
    merchant = await merchant_support.stored_merchant(w.a.partner_id, w.a_c2, w.a_w2)
    return {"input": {"walletId": w.a_w1, "merchantId": merchant, "amount": "1.00", "idempotencyKey": next_id("matrix")}}


async def _authorization_capture_target(w: World, caller: str) -> dict[str, Any]:
    authorization = (await _authorization_read_target(w, caller))["id"]
    return {"input": {"authorizationId": authorization, "amount": "1.00", "idempotencyKey": next_id("matrix")}}


async def _authorization_void_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"authorizationId": (await _authorization_read_target(w, caller))["id"]}}


async def _reverse_target(w: World, caller: str) -> dict[str, Any]:
    moved = await w.a.transfer(w.a_w1, w.a_w2, "0.01")
    assert moved["userErrors"] == [], moved
    return {"input": {"transactionId": moved["transaction"]["id"], "reason": "permission matrix"}}



# Bulk payouts (issue 16 part 7): a fresh batch of a BUSINESS customer of A (not c1: c1's token answers NOT_FOUND).
_BULK_CREATE = ("mutation($input: BulkPayoutCreateInput!) { bulkPayoutCreate(input: $input) {"
                " bulkPayout { id } userErrors { code } } }")


async def _bulk_create_target(w: World, caller: str) -> dict[str, Any]:
    business = await w.a.create_customer(kind="BUSINESS")
    wallet = (await w.a.open_wallet("CNY", customer_id=business["id"]))["id"]
    assert (await w.a.top_up(wallet, "1.00"))["userErrors"] == []
    return {"input": {"fromWalletId": wallet, "mode": "PARTIAL", "idempotencyKey": next_id("matrix"),
                      "csv": f"beneficiary,amount,reference\n{w.a_w2},0.01,matrix\n"}}


async def _bulk_batch(w: World, caller: str) -> str:
    created = (await w.a.ok(_BULK_CREATE, await _bulk_create_target(w, caller)))["bulkPayoutCreate"]
    assert created["userErrors"] == [], created
    w.a_ids.add(created["bulkPayout"]["id"])
    return created["bulkPayout"]["id"]


async def _bulk_read_target(w: World, caller: str) -> dict[str, Any]:
    return {"id": await _bulk_batch(w, caller)}


async def _bulk_execute_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"bulkPayoutId": await _bulk_batch(w, caller), "idempotencyKey": next_id("matrix")}}


async def _bulk_approve_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"bulkPayoutId": await _bulk_batch(w, caller)}}

# Business members and maker-checker (issue 16 parts 5-6, helper G1): one BUSINESS customer of A with an OWNER and an
# ADMIN (not c1: c1's token answers NOT_FOUND); the partner's own token is no member, so it makes and decides no
# payout request (MEMBER_ROLE_FORBIDDEN).
_MATRIX_BUSINESSES: dict[int, business_members_support.Business] = {}


async def _matrix_biz(w: World) -> business_members_support.Business:
    if id(w) not in _MATRIX_BUSINESSES:
        _MATRIX_BUSINESSES[id(w)] = await business_members_support.matrix_business(w.a)
    return _MATRIX_BUSINESSES[id(w)]


async def _biz_customer_target(w: World, caller: str) -> dict[str, Any]:
    return {"c": (await _matrix_biz(w)).customer_id}


async def _member_add_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"customerId": (await _matrix_biz(w)).customer_id, "name": "matrix", "role": "VIEWER"}}


async def _member_remove_target(w: World, caller: str) -> dict[str, Any]:
    added = await business_members_support.add_member(w.a, (await _matrix_biz(w)).customer_id, "matrix", "VIEWER")
    return {"input": {"memberId": added["member"]["id"]}}


async def _policy_set_target(w: World, caller: str) -> dict[str, Any]:
    return {"input": {"customerId": (await _matrix_biz(w)).customer_id,
                      "thresholdAmount": {"amount": "100.00", "currency": "CNY"}}}


async def _payout_create_target(w: World, caller: str) -> dict[str, Any]:
    biz = await _matrix_biz(w)
    return {"input": {"fromWalletId": biz.wallet_id, "toWalletId": biz.payee_wallet_id, "amount": "1.00",
                      "idempotencyKey": next_id("matrix")}}


async def _payout_decide_target(w: World, caller: str) -> dict[str, Any]:
    biz = await _matrix_biz(w)
    maker = await business_members_support.member_session(biz, "admin")
    made = await business_members_support.request_payout(maker, biz, "1.00")
    assert made["userErrors"] == [], made
    return {"input": {"payoutRequestId": made["payoutRequest"]["id"]}}


QUERIES: dict[str, Row] = {
    "viewer": Row("{ viewer { kind } }", _const(lambda w: {}), None, False, NA,
                  _cells(OK, OK, NA, OK, OK, OK, OK, OK)),
    "node": Row("query($id: ID!) { node(id: $id) { id } }", _const(lambda w: {"id": w.a_w1}), "wallets:read", False,
                NULL, _cells(OK, NULL, NULL, OK, OK, OK, OK, OK), scope_checked_in_resolver=True),
    "nodes": Row("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", _const(lambda w: {"ids": [w.a_w1, w.a_w2]}),
                 "wallets:read", False, NULL, _cells(OK, NULL, NULL, OK, OK, OK, OK, OK), scope_checked_in_resolver=True),
    "customer": Row("query($id: ID!) { customer(id: $id) { id } }", _const(lambda w: {"id": w.a_c1}),
                    "customers:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "customers": Row("{ customers(first: 100) { nodes { id } } }", _const(lambda w: {}), "customers:read", False,
                     HIDDEN, _cells(OK, F, H, OK, OK, OK, OK, OK)),
    "wallet": Row("query($id: ID!) { wallet(id: $id) { id balance { amount } } }", _const(lambda w: {"id": w.a_w1}),
                  "wallets:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "wallets": Row("query($c: ID) { wallets(customerId: $c, first: 100) { nodes { id } } }",
                   _const(lambda w: {"c": w.a_c1}), "wallets:read", False, NOT_FOUND,
                   _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "transaction": Row("query($id: ID!) { transaction(id: $id) { id } }", _const(lambda w: {"id": w.a_tx}),
                       "transactions:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "transactions": Row("query($w: ID) { transactions(walletId: $w, first: 100) { nodes { id } } }",
                        _const(lambda w: {"w": w.a_w1}), "transactions:read", False, NOT_FOUND,
                        _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "walletStatement": Row('query($w: ID!) { walletStatement(walletId: $w, from: "2026-01-01T00:00:00Z",'
                           ' to: "2026-12-31T00:00:00Z") { closingBalance { amount } lines(first: 5) { nodes { kind } } } }',
                           _const(lambda w: {"w": w.a_w1}), "transactions:read", False, NOT_FOUND,
                           _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "partners": Row("{ partners(first: 1) { nodes { id apiClients { clientId } } } }", _const(lambda w: {}),
                    "partners:read", False, NA, _cells(F, F, F, F, OK, OK, OK, OK)),
    "auditEvents": Row("{ auditEvents(first: 1) { nodes { id operation } } }", _const(lambda w: {}), "audit:read",
                       False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    # The event feed: webhooks:manage for partners (never delegated to customer tokens), audit:read for staff.
    "events": Row("{ events(first: 100) { nodes { id type data { walletId customerId transactionId } } } }",
                  _const(lambda w: {}), "webhooks:manage", False, HIDDEN, _cells(OK, F, H, F, OK, OK, F, F),
                  staff_scope="audit:read"),
    "webhookEndpoints": Row("{ webhookEndpoints(first: 100) { nodes { id } } }", _const(lambda w: {}), "webhooks:manage",
                            True, HIDDEN, _cells(OK, F, H, F, F, F, F, F)),
    "webhookDeliveries": Row("{ webhookDeliveries(first: 100) { nodes { id } } }", _const(lambda w: {}), "webhooks:manage",
                             True, HIDDEN, _cells(OK, F, H, F, F, F, F, F)),
    # Merchants (issue 13): the partner's own (customers:read; a customer token its own customer's), staff with
    # partners:read; qrDecode works for any partner's payer (transactions:read): the other partner gets OK too.
    # Linked funding sources (issue 14): the customer's partner, that customer's own token, staff with customers:read.
    "bankAccount": Row("query($id: ID!) { bankAccount(id: $id) { id maskedNumber } }", _bank_account_read_target,
                       "customers:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK),
                       staff_scope="customers:read"),
    "bankAccounts": Row("query($c: ID!) { bankAccounts(customerId: $c, first: 100) { nodes { id } } }",
                        _funding_list_target, "customers:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK),
                        staff_scope="customers:read"),
    # International transfers (issue 14 part 7): beneficiaries like linked bank accounts; transfers like transactions.
    "beneficiary": Row("query($id: ID!) { beneficiary(id: $id) { id maskedNumber } }", _beneficiary_read_target,
                       "customers:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK),
                       staff_scope="customers:read"),
    "beneficiaries": Row("query($c: ID!) { beneficiaries(customerId: $c, first: 100) { nodes { id } } }",
                         _beneficiary_list_target, "customers:read", False, NOT_FOUND,
                         _cells(OK, F, N, OK, OK, OK, OK, OK), staff_scope="customers:read"),
    "internationalTransfer": Row("query($id: ID!) { internationalTransfer(id: $id) { id status } }",
                                 _international_transfer_read_target, "transactions:read", False, NOT_FOUND,
                                 _cells(OK, F, N, OK, OK, OK, OK, OK), staff_scope="transactions:read"),
    "card": Row("query($id: ID!) { card(id: $id) { id lastFour } }", _card_read_target, "customers:read", False,
                NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK), staff_scope="customers:read"),
    "cards": Row("query($c: ID!) { cards(customerId: $c, first: 100) { nodes { id } } }", _funding_list_target,
                 "customers:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK),
                 staff_scope="customers:read"),
    "merchant": Row("query($id: ID!) { merchant(id: $id) { id status } }", _merchant_read_target, "customers:read",
                    False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK), staff_scope="partners:read"),
    "merchants": Row("{ merchants(first: 100) { nodes { id } } }", _merchant_list_target, "customers:read", False,
                     HIDDEN, _cells(OK, F, H, OK, OK, OK, OK, OK), staff_scope="partners:read"),
    "qrDecode": Row("query($p: String!) { qrDecode(payload: $p) { paymentRequestId amount { amount } } }", _qr_target,
                    "transactions:read", False, OK, _cells(OK, F, OK, OK, OK, OK, OK, OK)),
    # Payments (issue 13): the payer's partner and the merchant's partner (here both A), c1's token for c1's wallet.
    "payment": Row("query($id: ID!) { payment(id: $id) { id amount { amount } } }", _payment_read_target,
                   "transactions:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "paymentAuthorization": Row("query($id: ID!) { paymentAuthorization(id: $id) { id status } }",
                                _authorization_read_target, "transactions:read", False, NOT_FOUND,
                                _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "feeQuote": Row("query($input: FeeQuoteInput!) { feeQuote(input: $input) { feeKind fee { amount } } }",
                    _quote_target, "fees:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "feeSchedule": Row("{ feeSchedule { id kind scope } }", _const(lambda w: {}), "fees:read", False, HIDDEN,
                       _cells(OK, F, H, OK, OK, OK, OK, OK)),
    "fxRates": Row("{ fxRates(first: 5) { nodes { id rate stale } } }", _const(lambda w: {}), "fees:read", False, OK,
                   _cells(OK, F, OK, OK, OK, OK, OK, OK)),
    "feeRevenue": Row(
        "query($f: DateTime!, $t: DateTime!) { feeRevenue(occurredFrom: $f, occurredTo: $t, groupBy: KIND) "
        "{ group transactions revenue { amount currency } } }",
        _const(lambda w: {"f": "2000-01-01T00:00:00Z", "t": "2100-01-01T00:00:00Z"}), "revenue:read", False, NA,
        _cells(F, F, F, F, OK, OK, F, OK)),
    "amlAlerts": Row("{ amlAlerts(first: 1) { nodes { id } } }", _const(lambda w: {}), "aml:read", False, NA,
                     _cells(F, F, F, F, OK, OK, F, F)),
    "amlAlert": Row("query($id: ID!) { amlAlert(id: $id) { id status } }", _alert_target, "aml:read", False, NA,
                    _cells(F, F, F, F, OK, OK, F, F)),
    "amlCases": Row("{ amlCases(first: 1) { nodes { id } } }", _const(lambda w: {}), "aml:read", False, NA,
                    _cells(F, F, F, F, OK, OK, F, F)),
    "amlCase": Row("query($id: ID!) { amlCase(id: $id) { id notes { text } } }", _case_target, "aml:read", False, NA,
                   _cells(F, F, F, F, OK, OK, F, F)),
    "amlCaseReport": Row("query($id: ID!) { amlCaseReport(caseId: $id, format: CSV) }", _case_target, "aml:read",
                         False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    # Settlement reconciliation (issue 14): admin, compliance and analyst read (reconciliation:read).
    "reconciliationExceptions": Row("{ reconciliationExceptions(first: 1) { nodes { id kind } } }", _const(lambda w: {}),
                                    "reconciliation:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reconciliationReport": Row("query($d: String!) { reconciliationReport(date: $d) { rail currency tiesOut } }",
                                _const(lambda w: {"d": "2026-01-01"}), "reconciliation:read", False, NA,
                                _cells(F, F, F, F, OK, OK, F, OK)),
    "auditChainStatus": Row("{ auditChainStatus { ok checkedEvents headPosition } }", _const(lambda w: {}), "audit:read",
                            False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    # Staff reports (issue 17 part 1): admin, compliance and analyst (reports:read); partners never.
    "reportVolumes": Row("query($f: Date!, $t: Date!) { reportVolumes(from: $f, to: $t) { day kind count amount { amount } } }",
                         _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportActiveUsers": Row("query($f: Date!, $t: Date!) { reportActiveUsers(from: $f, to: $t, period: MONTH)"
                             " { period activeWallets } }", _const(lambda w: _REPORT_DAYS), "reports:read", False, NA,
                             _cells(F, F, F, F, OK, OK, F, OK)),
    "reportRevenue": Row("query($f: Date!, $t: Date!) { reportRevenue(from: $f, to: $t) { day bankShare { amount } } }",
                         _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportKycFunnel": Row("query($f: Date!, $t: Date!) { reportKycFunnel(from: $f, to: $t) { submitted approved } }",
                           _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportAmlAlerts": Row("query($f: Date!, $t: Date!) { reportAmlAlerts(from: $f, to: $t) { rule open total } }",
                           _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportTopMerchants": Row("query($f: Date!, $t: Date!) { reportTopMerchants(from: $f, to: $t) { name count } }",
                              _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportTopCategories": Row("query($f: Date!, $t: Date!) { reportTopCategories(from: $f, to: $t) { category count } }",
                               _const(lambda w: _REPORT_DAYS), "reports:read", False, NA,
                               _cells(F, F, F, F, OK, OK, F, OK)),
    "reportSupportSla": Row("query($f: Date!, $t: Date!) { reportSupportSla(from: $f, to: $t) { tickets } }",
                            _const(lambda w: _REPORT_DAYS), "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "reportReconciliationOpen": Row("{ reportReconciliationOpen { rail kind open } }", _const(lambda w: {}),
                                    "reports:read", False, NA, _cells(F, F, F, F, OK, OK, F, OK)),
    "kycSubmissions": Row("{ kycSubmissions(first: 100) { nodes { id legalName } } }", _kyc_list_target, "kyc:read",
                          False, HIDDEN, _cells(OK, F, H, OK, OK, OK, F, F)),
    "kycSubmission": Row("query($id: ID!) { kycSubmission(id: $id) { id idNumber } }", _kyc_read_target, "kyc:read",
                         False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, F, F)),
    "compliancePolicies": Row("{ compliancePolicies { jurisdiction version } }", _const(lambda w: {}),
                              "policies:read", False, NA, _cells(F, F, F, F, OK, OK, OK, OK)),
    "staffUsers": Row("{ staffUsers(first: 1) { nodes { id email role active } } }", _const(lambda w: {}),
                      "staff:read", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "bulkPayout": Row("query($id: ID!) { bulkPayout(id: $id) { id status lines(first: 5) { nodes { status } } } }",
                      _bulk_read_target, "transactions:read", False, NOT_FOUND, _cells(OK, F, N, N, OK, OK, OK, OK),
                      policy_refusals=(("customer", NOT_FOUND),)),
    # Business members and maker-checker (issue 16 parts 5-6): A's business; staff read.
    "businessMembers": Row("query($c: ID!) { businessMembers(customerId: $c, first: 10) { nodes { id role } } }",
                           _biz_customer_target, "customers:read", False, NOT_FOUND,
                           _cells(OK, F, N, N, OK, OK, OK, OK), policy_refusals=(("customer", NOT_FOUND),)),
    "businessApprovalPolicy": Row(
        'query($c: ID!) { businessApprovalPolicy(customerId: $c, currency: "CNY") { id threshold { amount } } }',
        _biz_customer_target, "customers:read", False, NOT_FOUND, _cells(OK, F, N, N, OK, OK, OK, OK),
        policy_refusals=(("customer", NOT_FOUND),)),
    "payoutRequests": Row("query($c: ID!) { payoutRequests(customerId: $c, first: 10) { nodes { id status } } }",
                          _biz_customer_target, "transactions:read", False, NOT_FOUND,
                          _cells(OK, F, N, N, OK, OK, OK, OK), policy_refusals=(("customer", NOT_FOUND),)),
    # Help centre (issue 16 part 1): any verified caller reads published help, without a scope.
    "helpArticles": Row('{ helpArticles(locale: EN, search: "fees", first: 5) { nodes { id slug } } }',
                        _const(lambda w: {}), None, False, NA, _cells(OK, OK, NA, OK, OK, OK, OK, OK)),
    # Support tickets and disputes (issue 16 parts 2-3): the customer's side reads its own; bank support staff
    # (and admin) every one with support:read; the queue is the desk's only.
    "supportTickets": Row("{ supportTickets(first: 100) { nodes { id } } }", _ticket_list_target, "customers:read",
                          False, HIDDEN, _cells(OK, F, H, OK, OK, F, OK, F, treasury=F), staff_scope="support:read"),
    "supportQueue": Row("{ supportQueue(first: 100) { nodes { id } } }", _ticket_list_target, "support:read", False,
                        NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    "disputes": Row("{ disputes(first: 100) { nodes { id } } }", _dispute_list_target, "transactions:read", False,
                    HIDDEN, _cells(OK, F, H, OK, OK, F, OK, F, treasury=F), staff_scope="support:read"),
    # Spending insights and offers (issue 15 parts 5-6): the customer's partner (and its own token), bank staff read;
    # an offer's report is not for the customer's token (the service refuses it).
    "spendingInsights": Row('query($c: ID!) { spendingInsights(customerId: $c, from: "2026-01-01T00:00:00Z",'
                            ' to: "2026-12-31T00:00:00Z") { totals { currency } } }', _const(lambda w: {"c": w.a_c1}),
                            "transactions:read", False, NOT_FOUND, _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "offersForCustomer": Row("query($c: ID!) { offersForCustomer(customerId: $c) { rank } }",
                             _const(lambda w: {"c": w.a_c1}), "customers:read", False, NOT_FOUND,
                             _cells(OK, F, N, OK, OK, OK, OK, OK)),
    "offerReport": Row("query($o: ID!) { offerReport(offerId: $o) { impressions } }", offers_support.matrix_offer_report,
                       "customers:read", False, NOT_FOUND, _cells(OK, F, N, F, OK, OK, OK, OK),
                       policy_refusals=(("customer", FORBIDDEN),)),
}

MUTATIONS: dict[str, Row] = {
    "customerCreate": Row(
        f"mutation($input: CustomerCreateInput!) {{ customerCreate(input: $input) {{ customer {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"externalRef": next_id("matrix"), "kind": "INDIVIDUAL", "displayName": "M",
                                    "country": "CN"}}),
        "customers:write", True, NA, _cells(OK, F, NA, F, F, F, F, F)),
    "walletOpen": Row(
        f"mutation($input: WalletOpenInput!) {{ walletOpen(input: $input) {{ wallet {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"customerId": w.a_c1, "currency": "CNY"}}),
        "wallets:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "walletTopUp": Row(
        f"mutation($input: WalletTopUpInput!) {{ walletTopUp(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"walletId": w.a_w1, "amount": "1.00", "idempotencyKey": next_id("matrix")}}),
        "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "transferCreate": Row(
        f"mutation($input: TransferCreateInput!) {{ transferCreate(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"fromWalletId": w.a_w1, "toWalletId": w.a_w2, "amount": "1.00",
                                    "idempotencyKey": next_id("matrix")}}),
        "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "transfersCreate": Row(
        f"mutation($input: TransfersCreateInput!) {{ transfersCreate(input: $input) {{ results {{ transaction {{ id }}"
        f" {PAYLOAD} }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"transfers": [{"fromWalletId": w.a_w1, "toWalletId": w.a_w2, "amount": "1.00",
                                                   "idempotencyKey": next_id("matrix")}]}}),
        "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "withdrawalCreate": Row(
        f"mutation($input: WithdrawalCreateInput!) {{ withdrawalCreate(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"walletId": w.a_w1, "amount": "1.00", "idempotencyKey": next_id("matrix")}}),
        "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "customerTokenCreate": Row(
        f"mutation($input: CustomerTokenCreateInput!) {{ customerTokenCreate(input: $input) {{ token {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"customerId": w.a_c1, "scopes": ["wallets:read"], "ttlSeconds": 60}}),
        "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "tokenRevoke": Row(
        f"mutation($input: TokenRevokeInput!) {{ tokenRevoke(input: $input) {{ jti {PAYLOAD} }} }}",
        _revoke_target, None, False, NOT_FOUND, _cells(OK, OK, N, OK, OK, F, F, F), staff_scope="partners:write"),
    "partnerCreate": Row(
        f"mutation($input: PartnerCreateInput!) {{ partnerCreate(input: $input) {{ partner {{ id }} clientSecret {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"name": next_id("matrix-partner"), "scopes": ["wallets:read"]}}),
        "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "partnerSuspend": Row(
        f"mutation($input: PartnerStatusInput!) {{ partnerSuspend(input: $input) {{ partner {{ status }} {PAYLOAD} }} }}",
        _partner_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "partnerReactivate": Row(
        f"mutation($input: PartnerStatusInput!) {{ partnerReactivate(input: $input) {{ partner {{ status }} {PAYLOAD} }} }}",
        _suspended_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "apiClientCreate": Row(
        f"mutation($input: ApiClientCreateInput!) {{ apiClientCreate(input: $input) {{ apiClient {{ id }} clientSecret {PAYLOAD} }} }}",
        _new_client_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "apiClientRotateSecret": Row(
        f"mutation($input: ApiClientInput!) {{ apiClientRotateSecret(input: $input) {{ apiClient {{ id }} clientSecret {PAYLOAD} }} }}",
        _client_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "apiClientRevoke": Row(
        f"mutation($input: ApiClientInput!) {{ apiClientRevoke(input: $input) {{ apiClient {{ status }} {PAYLOAD} }} }}",
        _client_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "feeRuleCreate": Row(
        f"mutation($input: FeeRuleInput!) {{ feeRuleCreate(input: $input) {{ rule {{ id }} {PAYLOAD} }} }}",
        _rule_create_target, "fees:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "feeRuleUpdate": Row(
        f"mutation($input: FeeRuleUpdateInput!) {{ feeRuleUpdate(input: $input) {{ rule {{ id }} {PAYLOAD} }} }}",
        _rule_update_target, "fees:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "feeRuleRetire": Row(
        f"mutation($input: FeeRuleRetireInput!) {{ feeRuleRetire(input: $input) {{ rule {{ id effectiveTo }} {PAYLOAD} }} }}",
        _rule_retire_target, "fees:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "partnerFeeShareSet": Row(
        f"mutation($input: PartnerFeeShareInput!) {{ partnerFeeShareSet(input: $input) {{ partner {{ feeShareBps }} {PAYLOAD} }} }}",
        _fee_share_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "partnerStrongAuthSet": Row(
        f"mutation($input: PartnerStrongAuthSetInput!) {{ partnerStrongAuthSet(input: $input) {{ mode {PAYLOAD} }} }}",
        _strong_auth_target, "partners:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    # A correction by the bank: admin and compliance only (transactions:reverse).
    "transactionReverse": Row(
        f"mutation($input: TransactionReverseInput!) {{ transactionReverse(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _reverse_target, "transactions:reverse", False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    "walletFreeze": Row(
        f"mutation($input: WalletStatusInput!) {{ walletFreeze(input: $input) {{ wallet {{ status }} {PAYLOAD} }} }}",
        _freeze_target, "wallets:freeze", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "walletUnfreeze": Row(
        f"mutation($input: WalletStatusInput!) {{ walletUnfreeze(input: $input) {{ wallet {{ status }} {PAYLOAD} }} }}",
        _unfreeze_target, "wallets:freeze", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "amlCaseOpen": Row(
        f"mutation($input: AmlCaseOpenInput!) {{ amlCaseOpen(input: $input) {{ case {{ id }} {PAYLOAD} }} }}",
        _case_open_target, "aml:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "amlCaseAssign": Row(
        f"mutation($input: AmlCaseAssignInput!) {{ amlCaseAssign(input: $input) {{ case {{ assigneeId }} {PAYLOAD} }} }}",
        _case_assign_target, "aml:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "amlCaseNoteAdd": Row(
        f"mutation($input: AmlCaseNoteAddInput!) {{ amlCaseNoteAdd(input: $input) {{ note {{ text }} {PAYLOAD} }} }}",
        _case_note_target, "aml:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "amlCaseClose": Row(
        f"mutation($input: AmlCaseCloseInput!) {{ amlCaseClose(input: $input) {{ case {{ status }} {PAYLOAD} }} }}",
        _case_close_target, "aml:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "amlAlertResolve": Row(
        f"mutation($input: AmlAlertResolveInput!) {{ amlAlertResolve(input: $input) {{ alert {{ status }} {PAYLOAD} }} }}",
        _alert_resolve_target, "aml:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    # Admin and compliance resolve reconciliation exceptions (reconciliation:write); no money moves.
    "reconciliationExceptionResolve": Row(
        f"mutation($input: ReconciliationExceptionResolveInput!) {{ reconciliationExceptionResolve(input: $input) "
        f"{{ exception {{ status }} {PAYLOAD} }} }}",
        _reconciliation_resolve_target, "reconciliation:write", False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    "kycSubmit": Row(
        f"mutation($input: KycSubmitInput!) {{ kycSubmit(input: $input) {{ submission {{ id status }} {PAYLOAD} }} }}",
        _kyc_submit_target, "kyc:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "kycReview": Row(
        f"mutation($input: KycReviewInput!) {{ kycReview(input: $input) {{ submission {{ status }} {PAYLOAD} }} }}",
        _kyc_review_target, "kyc:review", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "kycReveal": Row(
        f"mutation($input: KycRevealInput!) {{ kycReveal(input: $input) {{ value {PAYLOAD} }} }}",
        _kyc_reveal_target, "pii:reveal", False, NA, _cells(F, F, F, F, F, OK, F, F)),
    "compliancePolicyCreate": Row(
        f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyCreate(input: $input) {{ policy {{ version }} {PAYLOAD} }} }}",
        _policy_create_target, "policies:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "compliancePolicyUpdate": Row(
        f"mutation($input: CompliancePolicyInput!) {{ compliancePolicyUpdate(input: $input) {{ policy {{ version }} {PAYLOAD} }} }}",
        _policy_update_target, "policies:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "staffUserDeactivate": Row(
        f"mutation($input: StaffUserDeactivateInput!) {{ staffUserDeactivate(input: $input) {{ staffUser {{ active }} {PAYLOAD} }} }}",
        _staff_deactivate_target, "staff:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "staffUserRoleSet": Row(
        f"mutation($input: StaffUserRoleSetInput!) {{ staffUserRoleSet(input: $input) {{ staffUser {{ role }} {PAYLOAD} }} }}",
        _staff_role_target, "staff:write", False, NA, _cells(F, F, F, F, OK, F, F, F)),
    "customerUpdate": Row(
        f"mutation($input: CustomerUpdateInput!) {{ customerUpdate(input: $input) {{ customer {{ email }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"customerId": w.a_c1, "email": "matrix@example.cn"}}),
        "customers:write", False, NOT_FOUND, _cells(OK, F, N, _delegable("customers:write"), F, F, F, F)),
    "customerLimitsSet": Row(
        f"mutation($input: CustomerLimitsSetInput!) {{ customerLimitsSet(input: $input) {{ ownLimit {{ daily }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"customerId": w.a_c1, "currency": "CNY", "daily": "90000.00"}}),
        "customers:write", False, NOT_FOUND, _cells(OK, F, N, _delegable("customers:write"), F, F, F, F)),
    "customerClose": Row(
        f"mutation($input: CustomerCloseInput!) {{ customerClose(input: $input) {{ customer {{ status }} {PAYLOAD} }} }}",
        _close_customer_target, "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Foreign exchange (issue 14): treasury (and admin) set rates; partners and their customers' tokens quote
    # and convert (staff never move money).
    "fxRateSet": Row(
        f"mutation($input: FxRateSetInput!) {{ fxRateSet(input: $input) {{ rate {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"baseCurrency": "USD", "quoteCurrency": "JPY", "rate": "150.25",
                                    "source": "matrix"}}),
        "fx:write", False, NA, _cells(F, F, F, F, OK, F, F, F, treasury=OK)),
    "fxQuote": Row(
        f"mutation($input: FxQuoteInput!) {{ fxQuote(input: $input) {{ quote {{ id }} {PAYLOAD} }} }}",
        _fx_quote_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "walletConvert": Row(
        f"mutation($input: WalletConvertInput!) {{ walletConvert(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _fx_convert_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, "KYC_REQUIRED", F, F, F, F),
        policy_refusals=(("customer", "KYC_REQUIRED"),)),
    "walletClose": Row(
        f"mutation($input: WalletCloseInput!) {{ walletClose(input: $input) {{ wallet {{ status }} {PAYLOAD} }} }}",
        _close_wallet_target, "wallets:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "sandboxFund": Row(
        f"mutation($input: SandboxFundInput!) {{ sandboxFund(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"walletId": w.a_w1, "amount": "1.00", "idempotencyKey": next_id("matrix")}}),
        "transactions:write", True, NA, _cells(F, F, F, F, F, F, F, F), sandbox_only=True),
    "walletNicknameSet": Row(
        f"mutation($input: WalletNicknameSetInput!) {{ walletNicknameSet(input: $input) {{ wallet {{ nickname }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"walletId": w.a_w1, "nickname": "Matrix"}}),
        "wallets:write", False, NOT_FOUND, _cells(OK, F, N, _delegable("wallets:write"), F, F, F, F)),
    # Webhooks: the partner's own token with webhooks:manage only (issue 12).
    "webhookEndpointCreate": Row(
        f"mutation($input: WebhookEndpointCreateInput!) {{ webhookEndpointCreate(input: $input) {{ webhookEndpoint {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"url": "https://93.184.216.34/hook", "eventTypes": ["*"]}}),
        "webhooks:manage", True, NA, _cells(OK, F, NA, F, F, F, F, F)),
    "webhookEndpointUpdate": Row(
        f"mutation($input: WebhookEndpointUpdateInput!) {{ webhookEndpointUpdate(input: $input) {{ webhookEndpoint {{ id }} {PAYLOAD} }} }}",
        _webhook_endpoint_target(description="matrix"), "webhooks:manage", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "webhookEndpointDelete": Row(
        f"mutation($input: WebhookEndpointInput!) {{ webhookEndpointDelete(input: $input) {{ deletedWebhookEndpointId {PAYLOAD} }} }}",
        _webhook_endpoint_target(), "webhooks:manage", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "webhookEndpointRotateSecret": Row(
        f"mutation($input: WebhookEndpointInput!) {{ webhookEndpointRotateSecret(input: $input) {{ webhookEndpoint {{ id }} {PAYLOAD} }} }}",
        _webhook_endpoint_target(), "webhooks:manage", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "webhookTest": Row(
        f"mutation($input: WebhookEndpointInput!) {{ webhookTest(input: $input) {{ ping {{ succeeded }} {PAYLOAD} }} }}",
        _webhook_endpoint_target(), "webhooks:manage", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "webhookRedeliver": Row(
        f"mutation($input: WebhookRedeliverInput!) {{ webhookRedeliver(input: $input) {{ webhookDelivery {{ id }} {PAYLOAD} }} }}",
        _webhook_delivery_target, "webhooks:manage", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Merchants (issue 13): the partner's own token creates, suspends and reactivates; payment requests also by
    # the business customer's own token (transactions:write), never by staff.
    # Linked funding sources (issue 14): the partner's token or the customer's own (customers:write), never staff;
    # bank admin and compliance alone review a holder-name mismatch (funding:review).
    "bankAccountLink": Row(
        f"mutation($input: BankAccountLinkInput!) {{ bankAccountLink(input: $input) {{ bankAccount {{ id }} {PAYLOAD} }} }}",
        _bank_account_link_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "bankAccountVerify": Row(
        f"mutation($input: BankAccountVerifyInput!) {{ bankAccountVerify(input: $input) {{ bankAccount {{ status }} {PAYLOAD} }} }}",
        _bank_account_verify_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "bankAccountReview": Row(
        f"mutation($input: BankAccountReviewInput!) {{ bankAccountReview(input: $input) {{ bankAccount {{ status }} {PAYLOAD} }} }}",
        _bank_account_review_target, "funding:review", False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    "bankAccountRemove": Row(
        f"mutation($input: BankAccountRemoveInput!) {{ bankAccountRemove(input: $input) {{ bankAccount {{ status }} {PAYLOAD} }} }}",
        _bank_account_remove_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    # International transfers (issue 14 part 7): like linked bank accounts; the transfer needs transactions:write.
    "beneficiaryCreate": Row(
        f"mutation($input: BeneficiaryCreateInput!) {{ beneficiaryCreate(input: $input) {{ beneficiary {{ id }} {PAYLOAD} }} }}",
        _beneficiary_create_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "beneficiaryReview": Row(
        f"mutation($input: BeneficiaryReviewInput!) {{ beneficiaryReview(input: $input) {{ beneficiary {{ status }} {PAYLOAD} }} }}",
        _beneficiary_review_target, "funding:review", False, NA, _cells(F, F, F, F, OK, OK, F, F)),
    "beneficiaryDelete": Row(
        f"mutation($input: BeneficiaryDeleteInput!) {{ beneficiaryDelete(input: $input) {{ beneficiary {{ status }} {PAYLOAD} }} }}",
        _beneficiary_delete_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "internationalTransferCreate": Row(
        f"mutation($input: InternationalTransferCreateInput!) {{ internationalTransferCreate(input: $input) {{ transaction {{ id }} {PAYLOAD} }} }}",
        _international_transfer_create_target, "transactions:write", False, NOT_FOUND,
        _cells(OK, F, N, OK, F, F, F, F)),
    "cardLink": Row(
        f"mutation($input: CardLinkInput!) {{ cardLink(input: $input) {{ card {{ id }} {PAYLOAD} }} }}",
        _card_link_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "cardRemove": Row(
        f"mutation($input: CardRemoveInput!) {{ cardRemove(input: $input) {{ card {{ status }} {PAYLOAD} }} }}",
        _card_remove_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "merchantCreate": Row(
        f"mutation($input: MerchantCreateInput!) {{ merchantCreate(input: $input) {{ merchant {{ id }} {PAYLOAD} }} }}",
        _merchant_create_target, "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "merchantSuspend": Row(
        f"mutation($input: MerchantStatusInput!) {{ merchantSuspend(input: $input) {{ merchant {{ status }} {PAYLOAD} }} }}",
        _merchant_status_target(suspended=False), "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "merchantReactivate": Row(
        f"mutation($input: MerchantStatusInput!) {{ merchantReactivate(input: $input) {{ merchant {{ status }} {PAYLOAD} }} }}",
        _merchant_status_target(suspended=True), "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "merchantSettle": Row(
        f"mutation($input: MerchantSettleInput!) {{ merchantSettle(input: $input) {{ result {{ payments }} {PAYLOAD} }} }}",
        _merchant_settle_target, "customers:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "paymentRequestCreate": Row(
        f"mutation($input: PaymentRequestCreateInput!) {{ paymentRequestCreate(input: $input) {{ paymentRequest {{ id }} {PAYLOAD} }} }}",
        _payment_request_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    # B cannot pay from A's wallet (NOT_FOUND), though anyone may pay A's merchant from its own wallets.
    "paymentCreate": Row(
        f"mutation($input: PaymentCreateInput!) {{ paymentCreate(input: $input) {{ payment {{ id }} {PAYLOAD} }} }}",
        _payment_create_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "refundCreate": Row(
        f"mutation($input: RefundCreateInput!) {{ refundCreate(input: $input) {{ refund {{ id }} {PAYLOAD} }} }}",
        _refund_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Authorisations: the payer's side reserves (c1's token for its own wallet), the merchant's partner captures,
    # either partner voids; never staff.
    "authorizationCreate": Row(
        f"mutation($input: AuthorizationCreateInput!) {{ authorizationCreate(input: $input) {{ authorization {{ id }} {PAYLOAD} }} }}",
        _authorization_create_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "authorizationCapture": Row(
        f"mutation($input: AuthorizationCaptureInput!) {{ authorizationCapture(input: $input) {{ payment {{ id }} {PAYLOAD} }} }}",
        _authorization_capture_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    "authorizationVoid": Row(
        f"mutation($input: AuthorizationVoidInput!) {{ authorizationVoid(input: $input) {{ authorization {{ id }} {PAYLOAD} }} }}",
        _authorization_void_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Payment codes (issue 13 item 4): A's customer's code (c1's token for its own wallet); only the merchant's own
    # partner collects (B cannot name A's merchant: NOT_FOUND).
    "paymentCodeCreate": Row(
        f"mutation($input: PaymentCodeCreateInput!) {{ paymentCodeCreate(input: $input) {{ paymentCode {{ id }} {PAYLOAD} }} }}",
        _payment_code_create_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "paymentCollect": Row(
        f"mutation($input: PaymentCollectInput!) {{ paymentCollect(input: $input) {{ payment {{ id }} {PAYLOAD} }} }}",
        _payment_collect_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Points programmes (issue 15): a partner manages its own (customers:write; its customer's token is refused by
    # the service), bank admin any (fees:write); redeeming moves money: the partner's own token only.
    "pointsProgramCreate": Row(
        f"mutation($input: PointsProgramCreateInput!) {{ pointsProgramCreate(input: $input) {{ program {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"name": "Matrix Points", "unitCode": "PTS", "expiryMonths": 12, "fundingWalletId": w.a_w1,
                                    "valuePerPoint": {"amount": "0.01", "currency": "CNY"}}}),
        "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F), staff_scope="fees:write",
        policy_refusals=(("customer", FORBIDDEN),)),
    "pointsEarnRuleCreate": Row(
        f"mutation($input: PointsEarnRuleInput!) {{ pointsEarnRuleCreate(input: $input) {{ rule {{ id }} {PAYLOAD} }} }}",
        _points_rule_create_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "pointsEarnRuleUpdate": Row(
        f"mutation($input: PointsEarnRuleInput!) {{ pointsEarnRuleUpdate(input: $input) {{ rule {{ id }} {PAYLOAD} }} }}",
        _points_rule_update_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "pointsEarnRuleRetire": Row(
        f"mutation($input: PointsEarnRuleRetireInput!) {{ pointsEarnRuleRetire(input: $input) {{ rule {{ id }} {PAYLOAD} }} }}",
        _points_rule_retire_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "pointsRedeem": Row(
        f"mutation($input: PointsRedeemInput!) {{ pointsRedeem(input: $input) {{ points {PAYLOAD} }} }}",
        _points_redeem_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F)),
    # Coupon campaigns (issue 15 part 4): a partner creates and issues its own (customers:write; its customer's token
    # is refused by the service), bank admin creates BANK campaigns and issues any (fees:write); a customer claims
    # for itself, its partner for it.
    "couponCampaignCreate": Row(
        f"mutation($input: CouponCampaignCreateInput!) {{ couponCampaignCreate(input: $input) {{ campaign {{ id }} {PAYLOAD} }} }}",
        _coupon_campaign_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "couponIssue": Row(
        f"mutation($input: CouponIssueInput!) {{ couponIssue(input: $input) {{ coupons {{ id }} {PAYLOAD} }} }}",
        _coupon_issue_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "couponClaim": Row(
        f"mutation($input: CouponClaimInput!) {{ couponClaim(input: $input) {{ coupon {{ id }} {PAYLOAD} }} }}",
        _coupon_claim_target, "customers:write", False, NOT_FOUND,
        _cells(OK, F, N, _delegable("customers:write"), F, F, F, F)),
    # Bulk payouts: a partner's or member's token; c1's token names another customer's business (NOT_FOUND);
    # approving needs a member's token, so the partner's own is refused by the business rule.
    "bulkPayoutCreate": Row(
        f"mutation($input: BulkPayoutCreateInput!) {{ bulkPayoutCreate(input: $input) {{ bulkPayout {{ id }} {PAYLOAD} }} }}",
        _bulk_create_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, N, F, F, F, F),
        policy_refusals=(("customer", NOT_FOUND),)),
    "bulkPayoutExecute": Row(
        f"mutation($input: BulkPayoutExecuteInput!) {{ bulkPayoutExecute(input: $input) {{ bulkPayout {{ id }} {PAYLOAD} }} }}",
        _bulk_execute_target, "transactions:write", False, NOT_FOUND, _cells(OK, F, N, N, F, F, F, F),
        policy_refusals=(("customer", NOT_FOUND),)),
    "bulkPayoutApprove": Row(
        f"mutation($input: BulkPayoutApproveInput!) {{ bulkPayoutApprove(input: $input) {{ bulkPayout {{ id }} {PAYLOAD} }} }}",
        _bulk_approve_target, "transactions:write", False, NOT_FOUND,
        _cells("MEMBER_ROLE_FORBIDDEN", F, N, N, F, F, F, F),
        policy_refusals=(("partner", "MEMBER_ROLE_FORBIDDEN"), ("customer", NOT_FOUND))),
    # Business members and maker-checker (issue 16 parts 5-6): the partner (or a member token, by role) manages
    # members and the threshold; payout requests are made and decided by member tokens only; staff never write.
    "businessMemberAdd": Row(
        f"mutation($input: BusinessMemberAddInput!) {{ businessMemberAdd(input: $input) {{ member {{ id }} {PAYLOAD} }} }}",
        _member_add_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, N, F, F, F, F),
        policy_refusals=(("customer", NOT_FOUND),)),
    "businessMemberRemove": Row(
        f"mutation($input: BusinessMemberRemoveInput!) {{ businessMemberRemove(input: $input) {{ member {{ id }} {PAYLOAD} }} }}",
        _member_remove_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, N, F, F, F, F),
        policy_refusals=(("customer", NOT_FOUND),)),
    "businessApprovalPolicySet": Row(
        f"mutation($input: BusinessApprovalPolicySetInput!) {{ businessApprovalPolicySet(input: $input) {{ policy {{ id }} {PAYLOAD} }} }}",
        _policy_set_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, N, F, F, F, F),
        policy_refusals=(("customer", NOT_FOUND),)),
    "payoutRequestCreate": Row(
        f"mutation($input: PayoutRequestCreateInput!) {{ payoutRequestCreate(input: $input) {{ payoutRequest {{ id }} {PAYLOAD} }} }}",
        _payout_create_target, "transactions:write", False, "MEMBER_ROLE_FORBIDDEN",
        _cells("MEMBER_ROLE_FORBIDDEN", F, "MEMBER_ROLE_FORBIDDEN", "MEMBER_ROLE_FORBIDDEN", F, F, F, F),
        policy_refusals=(("partner", "MEMBER_ROLE_FORBIDDEN"), ("customer", "MEMBER_ROLE_FORBIDDEN"))),
    "payoutRequestApprove": Row(
        f"mutation($input: PayoutRequestApproveInput!) {{ payoutRequestApprove(input: $input) {{ payoutRequest {{ id }} {PAYLOAD} }} }}",
        _payout_decide_target, "transactions:write", False, NOT_FOUND,
        _cells("MEMBER_ROLE_FORBIDDEN", F, N, N, F, F, F, F),
        policy_refusals=(("partner", "MEMBER_ROLE_FORBIDDEN"), ("customer", NOT_FOUND))),
    "payoutRequestReject": Row(
        f"mutation($input: PayoutRequestRejectInput!) {{ payoutRequestReject(input: $input) {{ payoutRequest {{ id }} {PAYLOAD} }} }}",
        _payout_decide_target, "transactions:write", False, NOT_FOUND,
        _cells("MEMBER_ROLE_FORBIDDEN", F, N, N, F, F, F, F),
        policy_refusals=(("partner", "MEMBER_ROLE_FORBIDDEN"), ("customer", NOT_FOUND))),
    # Help centre (issue 16 part 1): bank support and admin write it (help:write); nobody else.
    "helpArticleCreate": Row(
        f"mutation($input: HelpArticleCreateInput!) {{ helpArticleCreate(input: $input) {{ article {{ id }} {PAYLOAD} }} }}",
        _help_create_target, "help:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    "helpArticleUpdate": Row(
        f"mutation($input: HelpArticleUpdateInput!) {{ helpArticleUpdate(input: $input) {{ article {{ id }} {PAYLOAD} }} }}",
        _help_update_target, "help:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    "helpArticlePublish": Row(
        f"mutation($input: HelpArticlePublishInput!) {{ helpArticlePublish(input: $input) {{ article {{ id }} {PAYLOAD} }} }}",
        _help_publish_target, "help:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    # Support tickets (issue 16 part 2): the customer's side opens and replies (customers:write), bank support and
    # admin too (support:write); notes, assignment and priority/status are the desk's only.
    "supportTicketOpen": Row(
        f"mutation($input: SupportTicketOpenInput!) {{ supportTicketOpen(input: $input) {{ ticket {{ id }} {PAYLOAD} }} }}",
        _ticket_open_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, OK, F, OK, F, treasury=F),
        staff_scope="support:write"),
    "supportTicketReply": Row(
        f"mutation($input: SupportTicketReplyInput!) {{ supportTicketReply(input: $input) {{ message {{ body }} {PAYLOAD} }} }}",
        _ticket_reply_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, OK, F, OK, F, treasury=F),
        staff_scope="support:write"),
    "supportTicketNote": Row(
        f"mutation($input: SupportTicketNoteInput!) {{ supportTicketNote(input: $input) {{ message {{ body }} {PAYLOAD} }} }}",
        _ticket_note_target, "support:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    "supportTicketAssign": Row(
        f"mutation($input: SupportTicketAssignInput!) {{ supportTicketAssign(input: $input) {{ ticket {{ id }} {PAYLOAD} }} }}",
        _ticket_assign_target, "support:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    "supportTicketUpdate": Row(
        f"mutation($input: SupportTicketUpdateInput!) {{ supportTicketUpdate(input: $input) {{ ticket {{ id }} {PAYLOAD} }} }}",
        _ticket_update_target, "support:write", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    # Disputes (issue 16 part 3): the payer's side (or the desk) opens, the merchant's partner alone answers, bank
    # support and admin decide (disputes:decide; for the customer a refund posts).
    "disputeOpen": Row(
        f"mutation($input: DisputeOpenInput!) {{ disputeOpen(input: $input) {{ dispute {{ id }} {PAYLOAD} }} }}",
        _dispute_open_target, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, OK, F, OK, F, treasury=F),
        staff_scope="support:write"),
    "disputeRespond": Row(
        f"mutation($input: DisputeRespondInput!) {{ disputeRespond(input: $input) {{ dispute {{ id }} {PAYLOAD} }} }}",
        _dispute_respond_target, "transactions:write", True, NOT_FOUND, _cells(OK, F, N, F, F, F, F, F, treasury=F)),
    "disputeDecide": Row(
        f"mutation($input: DisputeDecideInput!) {{ disputeDecide(input: $input) {{ dispute {{ id }} {PAYLOAD} }} }}",
        _dispute_decide_target, "disputes:decide", False, NA, _cells(F, F, F, F, OK, F, OK, F, treasury=F)),
    # Consents and offers (issue 15 part 6): consent and engagement by the partner or its customer's token; a partner
    # manages its own offers (customers:write), bank admin the bank's (fees:write, where the partner allows them).
    "customerConsentSet": Row(
        f"mutation($input: CustomerConsentSetInput!) {{ customerConsentSet(input: $input) {{ consent {{ id }} {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"customerId": w.a_c1, "kind": "MARKETING", "granted": True, "textVersion": "m1"}}),
        "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
    "offerCreate": Row(
        f"mutation($input: OfferInput!) {{ offerCreate(input: $input) {{ offer {{ id }} {PAYLOAD} }} }}",
        offers_support.matrix_offer_create, "customers:write", False, NA, _cells(OK, F, NA, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "offerUpdate": Row(
        f"mutation($input: OfferInput!) {{ offerUpdate(input: $input) {{ offer {{ id }} {PAYLOAD} }} }}",
        offers_support.matrix_offer_update, "customers:write", False, NOT_FOUND, _cells(OK, F, N, F, OK, F, F, F),
        staff_scope="fees:write", policy_refusals=(("customer", FORBIDDEN),)),
    "partnerOfferSettingsSet": Row(
        f"mutation($input: PartnerOfferSettingsSetInput!) {{ partnerOfferSettingsSet(input: $input) {{ allowBankOffers {PAYLOAD} }} }}",
        _const(lambda w: {"input": {"allowBankOffers": True}}), "customers:write", True, NA,
        _cells(OK, F, NA, F, F, F, F, F)),
    "offerEventRecord": Row(
        f"mutation($input: OfferEventRecordInput!) {{ offerEventRecord(input: $input) {{ kind {PAYLOAD} }} }}",
        offers_support.matrix_offer_event, "customers:write", False, NOT_FOUND, _cells(OK, F, N, OK, F, F, F, F)),
}

MATRIX: dict[str, Row] = {**QUERIES, **MUTATIONS}
CELLS = [(name, caller) for name in MATRIX for caller in CALLERS
         if caller == "anonymous" or MATRIX[name].expect[caller] != NA]


# --- the table against the schema and the documented matrix -------------------


def _root_fields() -> dict[str, set[str]]:
    graphql_schema = api_schema._schema
    return {"Query": set(graphql_schema.query_type.fields), "Mutation": set(graphql_schema.mutation_type.fields)}


def test_every_root_field_has_a_row():
    roots = _root_fields()
    assert set(QUERIES) == roots["Query"], f"Query fields without a row: {roots['Query'] - set(QUERIES)}"
    assert set(MUTATIONS) == roots["Mutation"], f"Mutation fields without a row: {roots['Mutation'] - set(MUTATIONS)}"


def _derived(row: Row, caller: str) -> str:
    """The outcome the documented rules give for one cell."""
    if caller == "anonymous":
        return UNAUTHENTICATED
    allowed_but_refused = dict(row.policy_refusals).get(caller)
    if allowed_but_refused is not None:
        # Permitted (the rules below must say OK), then refused by policy: the call reached the service.
        assert _derived(replace(row, policy_refusals=()), caller) == OK, (row.document, caller)
        return allowed_but_refused
    if caller in ("partner", "partner-without-scope", "other-partner"):
        if row.sandbox_only:
            return FORBIDDEN  # A and B are live partners (tests/api/test_sandbox_isolation.py runs the sandbox side)
        if row.scope is not None and (caller == "partner-without-scope" or row.scope not in PARTNER_SCOPES):
            return NULL if row.scope_checked_in_resolver else FORBIDDEN  # node(id:): null, like a missing ID
        return row.foreign if caller == "other-partner" else OK
    if caller == "customer":
        refused = row.partner_only or (row.scope is not None and row.scope not in CUSTOMER_TOKEN_SCOPES)
        return FORBIDDEN if refused else OK
    needed = row.staff_scope or row.scope
    refused = row.partner_only or (needed is not None and needed not in permissions_of(caller))
    return FORBIDDEN if refused else OK


@pytest.mark.parametrize("name", list(MATRIX))
def test_the_table_agrees_with_the_role_matrix_and_the_schema(name):
    row = MATRIX[name]
    type_name = "Query" if name in QUERIES else "Mutation"
    strawberry_field = api_schema.get_field_for_type(name, type_name)
    classes = strawberry_field.permission_classes
    scopes = {getattr(c, "scope", "") for c in classes} - {""}
    staff_scopes = {getattr(c, "staff_scope", "") for c in classes} - {""}
    # The row's scopes are the ones the schema enforces (node checks it per ID type, in its resolver).
    assert scopes == (set() if row.scope is None or row.scope_checked_in_resolver else {row.scope}), (name, scopes)
    assert staff_scopes == ({row.staff_scope} if row.staff_scope else set()), (name, staff_scopes)
    assert (PartnerToken in classes) == row.partner_only, (name, classes)
    assert (SandboxToken in classes) == row.sandbox_only, (name, classes)
    assert classes, f"{name} has no permission class"
    for caller in CALLERS[1:]:
        assert row.expect[caller] == _derived(row, caller), (name, caller, row.expect[caller], _derived(row, caller))


def test_no_staff_role_but_admin_writes_and_partners_never_reach_staff_operations():
    for name, row in MUTATIONS.items():
        assert row.expect["analyst"] == FORBIDDEN, f"analyst may {name}"
        assert row.expect["support"] == FORBIDDEN or row.scope in SUPPORT_WRITES or row.staff_scope in SUPPORT_WRITES, (
            f"support may {name}")
    for name, row in MATRIX.items():
        # A staff-only permission keeps partners out, unless the row names a partner scope of its own (events).
        staff_only = row.scope in STAFF_ONLY_PERMISSIONS or (row.staff_scope in STAFF_ONLY_PERMISSIONS and row.scope not in PARTNER_SCOPES)
        if staff_only and row.scope is not None:
            for caller in ("partner", "partner-without-scope", "other-partner", "customer"):
                assert row.expect[caller] == FORBIDDEN, (name, caller)
    # No staff role moves money.
    for name in ("walletTopUp", "transferCreate", "withdrawalCreate", "sandboxFund"):
        assert all(MUTATIONS[name].expect[role] == FORBIDDEN for role in STAFF_ROLES), name


# --- running the cells --------------------------------------------------------


async def _token_for(w: World, row: Row, caller: str) -> str | None:
    if caller == "anonymous":
        return None
    if caller == "partner":
        return w.a.token
    if caller == "other-partner":
        return w.b.token
    if caller == "customer":
        return w.customer.token
    if caller == "partner-without-scope":
        if row.scope is None:
            return (await w.a_token_with(frozenset({"fees:read"}))).token
        return (await w.a_token_with(frozenset(PARTNER_SCOPES) - {row.scope})).token
    return w.staff[caller].token


def _global_ids(value: Any) -> list[tuple[str, uuid.UUID]]:
    found: list[tuple[str, uuid.UUID]] = []
    if isinstance(value, dict):
        for item in value.values():
            found += _global_ids(item)
    elif isinstance(value, str) and (parsed := parse_global_id(value)) is not None:
        found.append(parsed)
    return found


async def _state(w: World, variables: dict[str, Any]) -> dict[str, Any]:
    """Everything a refused call could have changed: table sizes, balances, and the targets' rows."""
    counts = {model.__name__: await model.all().count() for model in (
        Partner, ApiClient, Customer, Wallet, Account, Transaction, Entry, IdempotencyRecord, RevokedToken,
        StaffUser, SigningKey, FeeRule, AmlAlert, AmlCase, AmlCaseNote, DomainEvent, CustomerOwnLimit,
        WebhookEndpoint, WebhookDelivery)}
    partner_ids = [uuid.UUID(w.a.partner_id), uuid.UUID(w.b.partner_id)]
    balances = await Account.filter(partner_id__in=partner_ids).order_by("id").values_list("id", "balance_minor")
    targets: dict[str, Any] = {}
    for type_name, object_id in _global_ids(variables):
        if type_name == "Partner":
            targets[str(object_id)] = await Partner.filter(id=object_id).values_list("status", "name", "fee_share_bps")
        elif type_name == "ApiClient":
            targets[str(object_id)] = await ApiClient.filter(id=object_id).values_list("status", "secret_hash", "scopes")
        elif type_name == "FeeRule":
            targets[str(object_id)] = await FeeRule.filter(id=object_id).values_list("effective_to", "rate_bps")
        elif type_name == "Wallet":
            targets[str(object_id)] = await Wallet.filter(id=object_id).values_list(
                "status", "status_reason", "nickname", "closed_at")
        elif type_name == "Customer":
            targets[str(object_id)] = await Customer.filter(id=object_id).values_list(
                "status", "display_name_enc", "email_enc", "phone_enc", "address_enc")
        elif type_name == "AmlCase":
            targets[str(object_id)] = await AmlCase.filter(id=object_id).values_list("status", "assignee_id")
        elif type_name == "AmlAlert":
            targets[str(object_id)] = await AmlAlert.filter(id=object_id).values_list("status", "case_id")
        elif type_name == "WebhookEndpoint":
            targets[str(object_id)] = await WebhookEndpoint.filter(id=object_id).values_list(
                "status", "url", "description", "secret_enc", "previous_secret_enc")
        elif type_name == "WebhookDelivery":
            targets[str(object_id)] = await WebhookDelivery.filter(id=object_id).values_list("status", "next_attempt_at")
        elif type_name == "StaffUser":
            targets[str(object_id)] = await StaffUser.filter(id=object_id).values_list("active", "role", "min_token_iat_s")
    return {"counts": counts, "balances": balances, "targets": targets,
            "suspended": await Partner.filter(status=PartnerStatus.SUSPENDED).count(),
            "policies": await CompliancePolicy.all().order_by("jurisdiction").values_list("jurisdiction", "version", "name")}


def _outcome(name: str, response: httpx.Response) -> str:
    if response.status_code == 401:
        assert error_codes(response.json()) == [UNAUTHENTICATED], response.text
        return UNAUTHENTICATED
    assert response.status_code == 200, response.text
    body = response.json()
    codes = error_codes(body)
    if codes:
        assert len(set(codes)) == 1, body
        assert all(error["path"][0] == name for error in body["errors"]), body
        assert body["data"] is None or body["data"].get(name) is None, body
        return codes[0]
    payload = body["data"][name]
    if payload is None or (isinstance(payload, list) and payload and all(item is None for item in payload)):
        return NULL
    user_errors = payload.get("userErrors") if isinstance(payload, dict) else None
    if isinstance(payload, dict) and not user_errors and len(payload.get("results") or []) == 1:
        user_errors = payload["results"][0].get("userErrors")  # a batch of one (transfersCreate): its item's refusal
    if user_errors:
        user_codes = {error["code"] for error in user_errors}
        assert len(user_codes) == 1, payload
        return user_codes.pop()
    return OK


def _ids_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_ids_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ids_in(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


@pytest.mark.parametrize(("name", "caller"), CELLS, ids=[f"{n}-{c}" for n, c in CELLS])
async def test_cell(world, name, caller):
    row = MATRIX[name]
    expected = UNAUTHENTICATED if caller == "anonymous" else row.expect[caller]
    token = await _token_for(world, row, caller)
    variables = await row.variables(world, caller)
    before = await _state(world, variables)
    audit_before = await AuditEvent.all().count()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await world.http.post("/graphql", json={"query": row.document, "variables": variables}, headers=headers)
    outcome = _outcome(name, response)
    if expected == HIDDEN:
        assert outcome == OK, response.text
        seen = _ids_in(response.json()["data"])
        assert not seen & world.a_ids, f"partner B sees A's objects: {seen & world.a_ids}"
    else:
        assert outcome == expected, (name, caller, response.text[:500])
    if expected in (OK, HIDDEN):
        return
    if expected == NULL:
        assert "errors" not in response.json(), response.text
    assert await _state(world, variables) == before, f"{name} refused to {caller} changed the database"
    if name in MUTATIONS and caller != "anonymous":
        # A refused mutation still leaves its trace in the audit log, with the refusal as outcome.
        assert await AuditEvent.all().count() > audit_before
        last = await AuditEvent.filter(operation=name).order_by("-id").first()
        assert last is not None and last.outcome == expected, (name, caller, last and last.outcome)


async def test_allowed_calls_really_act(world):
    """The OK cells above are not vacuous: an allowed transfer by the customer token moves money."""
    before = await world.a.balance(world.a_w2)
    row = MUTATIONS["transferCreate"]
    response = await world.http.post(
        "/graphql", json={"query": row.document, "variables": await row.variables(world, "customer")},
        headers={"Authorization": f"Bearer {world.customer.token}"},
    )
    assert _outcome("transferCreate", response) == OK
    after = await world.a.balance(world.a_w2)
    assert float(after) == pytest.approx(float(before) + 1.0)
