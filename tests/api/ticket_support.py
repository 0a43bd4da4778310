"""Support tickets and disputes through the API, for tests/api/test_support_api.py, test_disputes_api.py, the
permission matrix and the nodes test: documents, and a world of a payer's partner and a merchant's partner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.api.payment_support import pay, shop_and_payer
from tests.factories import GraphQLClient, next_id

TICKET_FIELDS = ("id customerId transactionId category channel subject priority status assigned assigneeId"
                 " firstResponseDueAt resolutionDueAt firstRespondedAt resolvedAt firstResponseBreached"
                 " resolutionBreached disputeId messages(first: 50) { nodes { author body internal } }")
OPEN = ("mutation($input: SupportTicketOpenInput!) { supportTicketOpen(input: $input) {"
        f" ticket {{ {TICKET_FIELDS} }} userErrors {{ code message field }} }} }}")
REPLY = ("mutation($input: SupportTicketReplyInput!) { supportTicketReply(input: $input) {"
         f" message {{ author body internal }} ticket {{ {TICKET_FIELDS} }} userErrors {{ code message field }} }} }}")
NOTE = ("mutation($input: SupportTicketNoteInput!) { supportTicketNote(input: $input) {"
        " message { author body internal } userErrors { code message field } } }")
ASSIGN = ("mutation($input: SupportTicketAssignInput!) { supportTicketAssign(input: $input) {"
          f" ticket {{ {TICKET_FIELDS} }} userErrors {{ code message field }} }} }}")
UPDATE = ("mutation($input: SupportTicketUpdateInput!) { supportTicketUpdate(input: $input) {"
          f" ticket {{ {TICKET_FIELDS} }} userErrors {{ code message field }} }} }}")
TICKET = f"query($id: ID!) {{ node(id: $id) {{ ... on SupportTicket {{ {TICKET_FIELDS} }} }} }}"
QUEUE = "query { supportQueue(first: 100) { nodes { id priority status } } }"
DISPUTE_FIELDS = ("id ticketId paymentId reasonCode status amount { amount currency } respondBy evidence outcome"
                  " refundId")
DISPUTE_OPEN = ("mutation($input: DisputeOpenInput!) { disputeOpen(input: $input) {"
                f" dispute {{ {DISPUTE_FIELDS} }} userErrors {{ code message field }} }} }}")
DISPUTE_RESPOND = ("mutation($input: DisputeRespondInput!) { disputeRespond(input: $input) {"
                   f" dispute {{ {DISPUTE_FIELDS} }} userErrors {{ code message field }} }} }}")
DISPUTE_DECIDE = ("mutation($input: DisputeDecideInput!) { disputeDecide(input: $input) {"
                  f" dispute {{ {DISPUTE_FIELDS} }} userErrors {{ code message field }} }} }}")


def ticket_input(customer_id: str, **values: Any) -> dict[str, Any]:
    """supportTicketOpen's input with sensible defaults."""
    return {"customerId": customer_id, "category": "OTHER", "channel": "IN_APP_CHAT", "subject": "Help please",
            "message": "Something is wrong with my wallet.", **values}


async def open_ticket(client: GraphQLClient, customer_id: str, **values: Any) -> dict[str, Any]:
    """supportTicketOpen; the payload."""
    return (await client.ok(OPEN, {"input": ticket_input(customer_id, **values)}))["supportTicketOpen"]


async def new_ticket(client: GraphQLClient, customer_id: str, **values: Any) -> str:
    """A new ticket of the customer (asserting no userErrors); its global ID."""
    opened = await open_ticket(client, customer_id, **values)
    assert opened["userErrors"] == [], opened
    return opened["ticket"]["id"]


@dataclass
class DisputeWorld:
    """A payer (of payer_partner) who paid a merchant (of merchant_partner), and a ticket about that payment."""

    payer_partner: GraphQLClient
    merchant_partner: GraphQLClient
    payer_customer: str
    payer_wallet: str
    merchant_wallet: str
    payment: dict[str, Any]
    ticket: str


async def paid_and_ticketed(payer_partner: GraphQLClient, merchant_partner: GraphQLClient, *,
                            amount: str = "80.00") -> DisputeWorld:
    """A payment of `amount` CNY to a new merchant, the merchant's wallet funded beyond it, and a PAYMENT ticket."""
    merchant, request, wallet = await shop_and_payer(merchant_partner, payer_partner, amount=amount, singleUse=True)
    paid = await pay(payer_partner, wallet, next_id("pay"), qrPayload=request["payload"])
    assert paid["userErrors"] == [], paid
    data = await payer_partner.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet})
    customer = data["wallet"]["customer"]["id"]
    settlement = (await merchant_partner.ok(
        "query($id: ID!) { node(id: $id) { ... on Merchant { settlementWalletId } } }", {"id": merchant["id"]}
    ))["node"]["settlementWalletId"]
    ticket = await new_ticket(payer_partner, customer, category="PAYMENT", transactionId=paid["payment"]["transactionId"],
                              subject="Never received my order", message="I paid but nothing came.")
    return DisputeWorld(payer_partner=payer_partner, merchant_partner=merchant_partner, payer_customer=customer,
                        payer_wallet=wallet, merchant_wallet=settlement, payment=paid["payment"], ticket=ticket)


async def opened_dispute(world: DisputeWorld, reason: str = "NOT_RECEIVED") -> dict[str, Any]:
    """disputeOpen by the payer's partner on the world's ticket; the dispute."""
    opened = (await world.payer_partner.ok(DISPUTE_OPEN, {"input": {"ticketId": world.ticket, "reasonCode": reason}}))
    assert opened["disputeOpen"]["userErrors"] == [], opened
    return opened["disputeOpen"]["dispute"]


async def support_ids(client: GraphQLClient) -> dict[str, str]:
    """One SupportTicket and one Dispute of the partner (payer and merchant both), by type name (test_nodes)."""
    world = await paid_and_ticketed(client, client, amount="3.00")
    dispute = await opened_dispute(world)
    return {"SupportTicket": world.ticket, "Dispute": dispute["id"]}
