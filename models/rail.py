"""Money moved through payment rails (storage only): one row per top-up or withdrawal that a rail carries."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class RailTransfer(Model):
    # A top-up from (IN) or withdrawal to (OUT) a linked funding source, carried by a rail. Its ledger
    # transaction is HELD from the start (the one hold lifecycle: a withdrawal's funds are reserved at once,
    # a top-up's legs wait): the rail's SETTLED posts the held legs, FAILED rejects them (the reservation and
    # the limit usage end), and RETURNED after settlement posts a RAIL_RETURN transaction that undoes the
    # principal exactly once (return_transaction_id, set in that posting's own atomic write).
    # (A comment, not a docstring: Tortoise would make a docstring the table's SQL comment.)

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="rail_transfers", on_delete=fields.RESTRICT)
    wallet = fields.ForeignKeyField("models.Wallet", related_name="rail_transfers", on_delete=fields.RESTRICT)
    direction = fields.CharField(max_length=3)  # IN (top-up) or OUT (withdrawal)
    rail = fields.CharField(max_length=32)  # the rail's name (services.rails.registry)
    source_kind = fields.CharField(max_length=16)  # BANK_ACCOUNT or CARD
    source_id = fields.UUIDField()  # the linked bank account or card
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    transaction = fields.ForeignKeyField("models.Transaction", related_name="rail_transfer", unique=True,
                                         on_delete=fields.RESTRICT)
    return_transaction_id = fields.UUIDField(null=True)
    # SUBMITTING (waiting to be handed to the rail), AWAITING_REVIEW (AML holds it: not submitted until released),
    # SUBMITTED, SETTLED, FAILED, RETURNED, RETURN_UNRECOVERED (a returned top-up the wallet no longer covers).
    status = fields.CharField(max_length=20, default="SUBMITTING")
    reason_code = fields.CharField(max_length=64, null=True)  # the rail's or processor's reason (FAILED, RETURNED)
    rail_reference = fields.CharField(max_length=64, null=True)  # the rail's own id, once submitted
    submitted_at = fields.DatetimeField(null=True)
    settled_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)  # FAILED or RETURNED
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rail_transfer"
        unique_together = (("rail", "rail_reference"),)
        indexes = (("status", "created_at"), ("partner_id", "created_at"))


class RailCallback(Model):
    # Every rail callback accepted, by the rail's event id: a replayed callback finds its id here and changes nothing.
    id = fields.CharField(primary_key=True, max_length=128)  # "<rail>:<webhook-id>"
    rail = fields.CharField(max_length=32)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "rail_callback"


class SimulatedRailEvent(Model):
    # What the simulated rail will report and when (due_at): delivered by the rail jobs through the same
    # handler as a real rail's callback, once (delivered_at).
    id = fields.UUIDField(primary_key=True, default=uuid7)
    rail = fields.CharField(max_length=32)
    rail_reference = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16)  # SETTLED, FAILED or RETURNED
    reason_code = fields.CharField(max_length=64, null=True)
    due_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "simulated_rail_event"
        # One outcome of each kind per reference: a transfer submitted twice (two hosts) is scheduled once.
        unique_together = (("rail", "rail_reference", "status"),)
        indexes = (("delivered_at", "due_at"),)
