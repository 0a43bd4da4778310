"""Staff users as clients see them: stored staff ids (and "staff:<id>" labels) become StaffUser global IDs."""

from __future__ import annotations

import uuid

import strawberry

from schema.common.relay import to_global_id


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def staff_user_gid(stored: str | None) -> strawberry.ID | None:
    """The StaffUser global ID of a stored staff id; other stored values (a CLI label, say) pass unchanged."""
    if stored is None:
        return None
    staff_id = _as_uuid(stored)
    return to_global_id("StaffUser", staff_id) if staff_id is not None else strawberry.ID(stored)


def actor_label_view(stored: str | None) -> str | None:
    """A stored "kind:subject" label (created_by / updated_by) with a staff subject shown as its global ID."""
    if stored is None:
        return None
    kind, sep, subject = stored.partition(":")
    if sep and kind == "staff" and _as_uuid(subject) is not None:
        return f"staff:{staff_user_gid(subject)}"
    return stored
