"""The closed sets that service records carry (stored as these values), for the API layer to describe.

They are plain Python enums defined beside the tables (models.enums); the
schema imports them from here, so nothing in schema/ reaches into models/.
"""

from models.enums import (
    AccountKind,
    ApiClientStatus,
    CustomerKind,
    KycStatus,
    PartnerEnvironment,
    PartnerStatus,
    ScreeningStatus,
    TransactionKind,
    TransactionStatus,
    WalletStatus,
)

__all__ = [
    "AccountKind", "ApiClientStatus", "CustomerKind", "KycStatus", "PartnerEnvironment", "PartnerStatus", "ScreeningStatus",
    "TransactionKind", "TransactionStatus", "WalletStatus",
]
