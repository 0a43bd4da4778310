"""The append-only audit log of mutations and staff actions, hash-chained.

Rows are written unchained (chain_seq NULL) in the request that acts, so
writers never wait for each other; a chainer then appends them to the one
linear chain in id order: hash = sha256(prev_hash + canonical row).
"""

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    actor_kind = fields.CharField(max_length=16)  # partner, customer, staff, cli, anonymous
    actor_id = fields.CharField(max_length=128)
    partner_id = fields.UUIDField(null=True)
    operation = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=32, null=True)
    object_id = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64, null=True)
    outcome = fields.CharField(max_length=48)  # OK, a userError code, FORBIDDEN, ERROR
    detail = fields.TextField(null=True)
    chain_seq = fields.BigIntField(null=True, unique=True)
    prev_hash = fields.CharField(max_length=64, null=True)
    hash = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_event"
        indexes = (("partner_id", "id"), ("actor_id", "id"), ("object_id",), ("occurred_at",))


class AuditChainHead(Model):
    """The chain's last position and hash, moved by the chainer in the same
    transaction as the rows it chains: deleting the newest rows leaves the head
    pointing past the end, which `qianbao audit verify` reports."""

    id = fields.SmallIntField(primary_key=True)  # always 1
    chain_seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "audit_chain_head"


class AuditCheckpoint(Model):
    """The chain's head at a moment, signed with a MAC under the master key (services.audit_checkpoint).

    The master key lives outside the database, so whoever can write the database
    cannot forge one: deleting chained rows a checkpoint covers is detected even
    when the head row is moved back with them. Numbered 1, 2, ... with the
    number signed, so a checkpoint taken out of the middle is detected too.
    """

    number = fields.BigIntField(primary_key=True)
    chain_seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    master_key_id = fields.CharField(max_length=64)
    signature = fields.CharField(max_length=64)  # base64url of the 12-byte nonce and the 16-byte AES-GCM tag

    class Meta:
        table = "audit_checkpoint"
