"""KYC: partners submit identity data (encrypted at rest), compliance reviews it, readers see it masked.

Services hand submissions out as services.kyc.records.KycSubmissionRecord, never as the stored row.
"""
