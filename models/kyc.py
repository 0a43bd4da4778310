"""KYC submissions: identity data a partner sends for one customer, and the bank's review of it.

Identity values (legal name, date of birth, ID number, address, business
registration data) are stored only as AES-GCM ciphertexts (services.pii);
the columns ending in ``_enc`` never hold plaintext.
"""

from tortoise import fields
from tortoise.models import Model

from models.enums import CustomerKind, KycStatus
from models.ids import uuid7


class KycSubmission(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="kyc_submissions", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="kyc_submissions", on_delete=fields.RESTRICT)
    status = fields.CharEnumField(KycStatus, max_length=16, default=KycStatus.PENDING)
    # The customer's id while this submission is PENDING, NULL otherwise: the
    # unique index makes "one pending submission per customer" a database
    # fact, not a check that two concurrent requests could both pass.
    open_customer_key = fields.CharField(max_length=36, null=True, unique=True)
    subject_kind = fields.CharEnumField(CustomerKind, max_length=16)
    nationality = fields.CharField(max_length=2)
    id_type = fields.CharField(max_length=32)
    legal_name_enc = fields.TextField()
    date_of_birth_enc = fields.TextField(null=True)
    id_number_enc = fields.TextField()
    address_enc = fields.TextField()
    # Company registration data and beneficial owners (business customers), encrypted JSON.
    business_enc = fields.TextField(null=True)
    # [{type, sha256, fileName}]: document fingerprints, no personal data.
    documents = fields.JSONField(default=list)
    # What screening found at submission: {hit, score, listId, entryId} (no names).
    screening = fields.JSONField(null=True)
    tier_granted = fields.SmallIntField(null=True)
    review_reason = fields.CharField(max_length=1000, null=True)
    reviewed_by = fields.CharField(max_length=64, null=True)
    submitted_at = fields.DatetimeField(auto_now_add=True)
    reviewed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "kyc_submission"
        indexes = (("partner_id", "customer_id", "submitted_at"), ("status", "submitted_at"))
