"""The one conversion of a stored event payload to what partners see (the feed, webhook bodies, subscriptions).

The outbox stores raw ids (services.event_catalogue): each ID field of the
catalogue becomes the global ID of its documented type here, Money stays
{amount, currency}, and a field the catalogue does not document is dropped,
so nothing undocumented (and no raw id) leaves the bank.
"""

from __future__ import annotations

import uuid
from typing import Any

from schema.common.relay import to_global_id
from services.event_catalogue import CATALOGUE, FieldKind


def wire_payload(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of one event with every id a global ID, only the catalogue's fields of its type."""
    entry = CATALOGUE.get(event_type)
    if entry is None:
        return {}
    out: dict[str, Any] = {}
    for field in entry.fields:
        value = payload.get(field.name)
        if field.kind is FieldKind.ID and value is not None:
            assert field.id_type is not None
            value = str(to_global_id(field.id_type, uuid.UUID(str(value))))
        out[field.name] = value
    return out
