"""The suspicious activity report of an AML case, as JSON or CSV.

The report names the customer only by id, kind, country and display name:
no KYC personal data (documents, ID numbers, dates of birth, addresses,
e-mail, phone). Ids are named by the caller (the API passes global IDs), amounts decimal strings
in the currency's exponent, times ISO 8601 in UTC. The same case gives the
same bytes every time: rows in id order, JSON keys sorted, no generation
time in the document.

CSV has one row per alert, with the transaction it concerns (if any) on the
same row; the case's notes are in the JSON form only. Text cells that a
spreadsheet would run as a formula (=, +, -, @) are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

from models import AmlAlert, AmlCase, AmlCaseNote, Customer, Transaction
from services.customer_pii import open_contact
from services.errors import NotFound, ValidationFailed
from services.money import format_amount

FORMATS = ("JSON", "CSV")

CSV_COLUMNS = (
    "case_id", "case_title", "case_status", "partner_id",
    "customer_id", "customer_kind", "customer_country", "customer_display_name",
    "alert_id", "alert_rule", "alert_severity", "alert_action", "alert_status", "alert_created_at",
    "alert_resolved_at", "alert_resolved_by", "alert_resolution_reason", "alert_details",
    "transaction_id", "transaction_kind", "transaction_status", "transaction_amount", "transaction_fee",
    "transaction_currency", "transaction_from_wallet_id", "transaction_to_wallet_id", "transaction_created_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# How the report names an object: (type name, stored id) -> the id its reader knows (the API passes global IDs).
IdNamer = Callable[[str, Any], "str | None"]


def stored_ids(type_name: str, object_id: Any) -> str | None:
    """The stored id itself (for bank-internal readers such as the CLI)."""
    return None if object_id is None else str(object_id)


async def suspicious_activity_report(*, case_id: uuid.UUID | None, format: str, name_id: IdNamer = stored_ids) -> str:
    """The case, its customer (no PII), alerts, their transactions and notes, as JSON or CSV."""
    if format not in FORMATS:
        raise ValidationFailed("format must be JSON or CSV", field=["format"])
    document = await _document(case_id, name_id)
    return _as_json(document) if format == "JSON" else _as_csv(document)


async def _document(case_id: uuid.UUID | None, ids: IdNamer) -> dict[str, Any]:
    case = await AmlCase.get_or_none(id=case_id) if case_id else None
    if case is None:
        raise NotFound("case not found", field=["caseId"])
    customer = await Customer.get(id=case.customer_id)  # type: ignore[attr-defined]
    alerts = await AmlAlert.filter(case_id=case.id).order_by("id")
    transaction_ids = sorted({a.transaction_id for a in alerts if a.transaction_id is not None})  # type: ignore[attr-defined]
    transactions = await Transaction.filter(id__in=transaction_ids).order_by("id") if transaction_ids else []
    notes = await AmlCaseNote.filter(case_id=case.id).order_by("id")
    return {
        "case": {
            "id": ids("AmlCase", case.id), "title": case.title, "status": case.status,
            "partnerId": ids("Partner", case.partner_id),  # type: ignore[attr-defined]
            "openedBy": ids("StaffUser", case.opened_by), "assigneeId": ids("StaffUser", case.assignee_id),
            "createdAt": _time(case.created_at), "closedAt": _time(case.closed_at),
        },
        "customer": {
            "id": ids("Customer", customer.id), "kind": _value(customer.kind), "country": customer.country,
            "displayName": (await open_contact(customer)).display_name,
        },
        "alerts": [_alert(alert, ids) for alert in alerts],
        "transactions": [_transaction(txn, ids) for txn in transactions],
        "notes": [
            {"authorId": ids("StaffUser", note.author_id), "text": note.text, "createdAt": _time(note.created_at)} for note in notes
        ],
    }


def _alert(alert: AmlAlert, ids: IdNamer) -> dict[str, Any]:
    return {
        "id": ids("AmlAlert", alert.id), "rule": alert.rule, "severity": alert.severity, "action": alert.action,
        "status": alert.status, "details": alert.details or {},
        "walletId": ids("Wallet", alert.wallet_id), "transactionId": ids("Transaction", alert.transaction_id),  # type: ignore[attr-defined]
        "createdAt": _time(alert.created_at), "resolvedAt": _time(alert.resolved_at),
        "resolvedBy": ids("StaffUser", alert.resolved_by), "resolutionReason": alert.resolution_reason,
    }


def _transaction(txn: Transaction, ids: IdNamer) -> dict[str, Any]:
    return {
        "id": ids("Transaction", txn.id), "kind": _value(txn.kind), "status": _value(txn.status),
        "amount": format_amount(txn.amount_minor, txn.currency), "fee": format_amount(txn.fee_minor, txn.currency),
        "currency": txn.currency,
        "fromWalletId": ids("Wallet", txn.from_wallet_id), "toWalletId": ids("Wallet", txn.to_wallet_id),  # type: ignore[attr-defined]
        "createdAt": _time(txn.created_at),
    }


def _as_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _as_csv(document: dict[str, Any]) -> str:
    case, customer = document["case"], document["customer"]
    transactions = {txn["id"]: txn for txn in document["transactions"]}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for alert in document["alerts"]:
        txn = transactions.get(alert["transactionId"] or "", {})
        writer.writerow([_cell(value) for value in (
            case["id"], case["title"], case["status"], case["partnerId"],
            customer["id"], customer["kind"], customer["country"], customer["displayName"],
            alert["id"], alert["rule"], alert["severity"], alert["action"], alert["status"], alert["createdAt"],
            alert["resolvedAt"], alert["resolvedBy"], alert["resolutionReason"],
            json.dumps(alert["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            txn.get("id"), txn.get("kind"), txn.get("status"), txn.get("amount"), txn.get("fee"),
            txn.get("currency"), txn.get("fromWalletId"), txn.get("toWalletId"), txn.get("createdAt"),
        )])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _value(value: Any) -> str:
    return getattr(value, "value", value)

