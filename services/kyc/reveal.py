"""kycReveal: compliance reads one identity value in clear, for a stated reason.

The schema writes the audit row (field and reason, never the value) before the
value leaves the resolver: a reveal that cannot be audited is not answered.
"""

from __future__ import annotations

import dataclasses
import uuid

from auth.principal import Principal
from services.authority import require_staff
from services.errors import ValidationFailed
from services.kyc.records import KycSubmissionRecord
from services.kyc.views import PII_FIELDS, decrypted, get_submission
from services.outcome import AuditTarget, ServiceResult
from services.validation import clean_reason

REVEAL_PERMISSION = "pii:reveal"
MIN_REASON_CHARS = 10
MAX_REASON_CHARS = 1000


@dataclasses.dataclass(frozen=True, kw_only=True)
class RevealedValue(ServiceResult):
    """One identity value in clear, with the submission it was read from (the object the audit row names)."""

    submission: KycSubmissionRecord
    field: str
    value: str = dataclasses.field(repr=False)  # never in a log line or a traceback's locals dump

    def audit_target(self) -> AuditTarget | None:
        """The reveal is audited as an action on the submission."""
        return self.submission.audit_target()


async def reveal_pii(*, principal: Principal, submission_id: uuid.UUID | None, field: str, reason: str | None) -> RevealedValue:
    """One identity value of a submission in clear (BUSINESS: the company data as JSON)."""
    require_staff(principal, REVEAL_PERMISSION)
    if field not in PII_FIELDS:
        raise ValidationFailed("unknown field", field=["field"])
    clean_reason(reason, min_len=MIN_REASON_CHARS, max_len=MAX_REASON_CHARS)
    submission = await get_submission(principal=principal, submission_id=submission_id, field=["submissionId"])
    value = await decrypted(submission, PII_FIELDS[field])
    if value is None:
        raise ValidationFailed("this submission holds no value for that field", field=["field"])
    return RevealedValue(submission=submission, field=field, value=value)
