"""One permission rule: services decide who may call them only through services.authority.

The schema's permission classes decide first; a service that the CLI and jobs
call too guards itself with services.authority (require_staff, require_scope,
require_role, require_partner_token), which refuses with the domain error
Forbidden (code FORBIDDEN). No service raises the built-in PermissionError or
looks at what kind of caller it has by hand; which rows a caller may read is
services.scoping's business.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from auth.principal import CUSTOMER, PARTNER, STAFF, Principal
from auth.roles import permissions_of
from services import authority, wallet_freeze
from services.alert_decisions import resolve_alert
from services.aml import cases
from services.audit_queries import list_audit_events
from services.errors import Forbidden
from services.kyc.application import KycApplication
from services.kyc.reveal import reveal_pii
from services.kyc.review import review_kyc
from services.kyc.submission import submit_kyc

SERVICES = Path(__file__).resolve().parents[2] / "services"
# Where a caller's kind may be looked at: the permission rules, and the read scoping.
DECIDERS = frozenset({"services/authority.py", "services/scoping.py"})
# file -> why it may look at the caller's kind by hand (none so far).
EXCEPTIONS: dict[str, str] = {}
KIND_VALUES = frozenset({PARTNER, CUSTOMER, STAFF})
KIND_NAMES = frozenset({"PARTNER", "CUSTOMER", "STAFF"})

PARTNER_ID, CUSTOMER_ID = uuid.uuid4(), uuid.uuid4()
ALL_PARTNER_SCOPES = frozenset({"customers:read", "customers:write", "wallets:read", "wallets:write", "kyc:read", "kyc:write"})


def _names_a_principal(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "principal" in name.lower()


def _is_a_kind(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value in KIND_VALUES) or (
        isinstance(node, ast.Name) and node.id in KIND_NAMES
    )


def hand_made_checks(source: str) -> list[tuple[int, str]]:
    """(line, what) of every caller check a service should leave to services.authority."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "PermissionError":
            found.append((node.lineno, "raises or catches the built-in PermissionError"))
        elif isinstance(node, ast.Attribute) and node.attr in ("is_staff", "is_customer"):
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            kinds = [side for side in sides if isinstance(side, ast.Attribute) and side.attr == "kind"]
            if any(_names_a_principal(side.value) for side in kinds) or (kinds and any(_is_a_kind(s) for s in sides)):
                found.append((node.lineno, "compares a caller's .kind"))
    if "PermissionError" in source and not any(what.startswith("raises") for _, what in found):
        found.append((0, "mentions PermissionError"))
    return sorted(found)


def test_no_service_decides_who_may_call_it_by_hand():
    offending = []
    for path in sorted(SERVICES.rglob("*.py")):
        relative = f"services/{path.relative_to(SERVICES).as_posix()}"
        if relative in DECIDERS or relative in EXCEPTIONS:
            continue
        offending += [f"{relative}:{line}: {what}" for line, what in hand_made_checks(path.read_text(encoding="utf-8"))]
    assert offending == [], "use services.authority (who may call) or services.scoping (which rows):\n" + "\n".join(offending)


def test_every_exception_is_still_a_file():
    assert [name for name in EXCEPTIONS if not (SERVICES.parent / name).exists()] == []


def test_the_scan_sees_each_hand_made_check():
    source = '''
def guard(principal, target):
    if not (principal.is_staff and principal.has_scope("x")):
        raise PermissionError("no")
    if principal.kind != "partner":
        return None
    if target.kind == STAFF:
        return principal.is_customer
    return f"{principal.kind}:{principal.subject}"  # a label, not a check
'''
    assert [line for line, _ in hand_made_checks(source)] == [3, 4, 5, 7, 8]


def _principal(kind: str, *, scopes: frozenset[str] = frozenset(), role: str | None = None) -> Principal:
    if kind == STAFF:
        return Principal(kind=STAFF, subject=str(uuid.uuid4()), partner_id=None, scopes=permissions_of(role or ""), role=role)
    return Principal(
        kind=kind, subject="client", partner_id=PARTNER_ID, scopes=scopes,
        customer_id=CUSTOMER_ID if kind == CUSTOMER else None,
    )


PARTNER_TOKEN = _principal(PARTNER, scopes=ALL_PARTNER_SCOPES)
CUSTOMER_TOKEN = _principal(CUSTOMER, scopes=ALL_PARTNER_SCOPES)


def test_require_staff_lets_only_staff_holding_the_permission_through():
    authority.require_staff(_principal(STAFF, role="compliance"), "wallets:freeze")
    authority.require_staff(_principal(STAFF, role="analyst"))
    for caller in (PARTNER_TOKEN, CUSTOMER_TOKEN, _principal(STAFF, role="admin")):
        with pytest.raises(Forbidden) as refused:
            authority.require_staff(caller, "wallets:freeze")
        assert refused.value.code == "FORBIDDEN"
        assert refused.value.message == "this operation needs the wallets:freeze scope"  # the schema rule's words
    with pytest.raises(Forbidden):
        authority.require_staff(PARTNER_TOKEN)


def test_require_role_scope_and_partner_token():
    authority.require_role(_principal(STAFF, role="admin"), "admin", "compliance")
    for caller in (_principal(STAFF, role="support"), PARTNER_TOKEN):
        with pytest.raises(Forbidden):
            authority.require_role(caller, "admin", "compliance")
    authority.require_scope(PARTNER_TOKEN, "kyc:write")
    authority.require_scope(_principal(STAFF, role="compliance"), "kyc:review")
    with pytest.raises(Forbidden):
        authority.require_scope(_principal(STAFF, role="support"), "kyc:review")
    authority.require_partner_token(PARTNER_TOKEN)
    for caller in (CUSTOMER_TOKEN, _principal(STAFF, role="admin")):
        with pytest.raises(Forbidden):
            authority.require_partner_token(caller)


SOME_ID = uuid.uuid4()
# Each self-guarding service, called as only its permitted callers may: refused before any query.
GUARDED: dict[str, Callable[[Principal], Awaitable[object]]] = {
    "open_case": lambda caller: cases.open_case(principal=caller, alert_ids=[SOME_ID], title="t"),
    "assign_case": lambda caller: cases.assign_case(principal=caller, case_id=SOME_ID, assignee_staff_id=SOME_ID),
    "add_case_note": lambda caller: cases.add_case_note(principal=caller, case_id=SOME_ID, text="t"),
    "close_case": lambda caller: cases.close_case(principal=caller, case_id=SOME_ID, reason="done"),
    "freeze_wallet": lambda caller: wallet_freeze.freeze_wallet(principal=caller, wallet_id=SOME_ID, reason="a reason"),
    "unfreeze_wallet": lambda caller: wallet_freeze.unfreeze_wallet(principal=caller, wallet_id=SOME_ID, reason="a reason"),
    "review_kyc": lambda caller: review_kyc(principal=caller, submission_id=SOME_ID, decision="REJECT", reason="no", tier=None),
    "reveal_pii": lambda caller: reveal_pii(
        principal=caller, submission_id=SOME_ID, field="ID_NUMBER", reason="a long enough reason"
    ),
    "list_audit_events": lambda caller: list_audit_events(principal=caller, first=1, after=None),
    "resolve_alert": lambda caller: resolve_alert(principal=caller, alert_id=SOME_ID, decision="RELEASE", reason="r"),
}
OTHER_CALLERS = {
    "partner": PARTNER_TOKEN, "customer-token": CUSTOMER_TOKEN,
    "support": _principal(STAFF, role="support"), "analyst": _principal(STAFF, role="analyst"),
}


@pytest.mark.parametrize("service", sorted(GUARDED))
@pytest.mark.parametrize("caller", sorted(OTHER_CALLERS))
async def test_compliance_services_refuse_every_other_caller_with_forbidden(service, caller):
    with pytest.raises(Forbidden):
        await GUARDED[service](OTHER_CALLERS[caller])


@pytest.mark.parametrize("caller", [CUSTOMER_TOKEN, _principal(STAFF, role="compliance")], ids=["customer-token", "staff"])
async def test_only_a_partner_token_submits_kyc(caller):
    application = KycApplication(
        legal_name="A", nationality="CN", id_type="PASSPORT", id_number="X", address="Somewhere", documents=[],
    )
    with pytest.raises(Forbidden):
        await submit_kyc(principal=caller, customer_id=uuid.uuid4(), application=application)
