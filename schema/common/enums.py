"""The storage enums, exposed to GraphQL under the same names and values."""

from __future__ import annotations

import strawberry

from services.records import enums

CustomerKind = strawberry.enum(enums.CustomerKind, name="CustomerKind")
KycStatus = strawberry.enum(enums.KycStatus, name="KycStatus")
WalletStatus = strawberry.enum(enums.WalletStatus, name="WalletStatus")
PartnerStatus = strawberry.enum(enums.PartnerStatus, name="PartnerStatus")
AccountKind = strawberry.enum(enums.AccountKind, name="AccountKind")
TransactionKind = strawberry.enum(enums.TransactionKind, name="TransactionKind")
TransactionStatus = strawberry.enum(enums.TransactionStatus, name="TransactionStatus")
ApiClientStatus = strawberry.enum(enums.ApiClientStatus, name="ApiClientStatus")
