"""KYC: partners submit identity data (encrypted at rest), compliance reviews it, readers see it masked."""

from models import KycSubmission

__all__ = ["KycSubmission"]  # the stored record the schema layer describes
