"""One scoping path: only services/scoping.py narrows partner-owned reads to a partner by hand.

Every read or lock of a partner-owned row, through the ORM or in raw SQL, gets
its tenant (and customer-token) narrowing from services.scoping. This test
reads every module under services/ and fails on a hand-written tenant filter
anywhere else:

- an ORM lookup on partner_id: `.filter(partner_id=...)`, `partner_id__in=`,
  `Q(partner_id=...)`, `.get(...)`, `.exclude(...)`, ... (creating a row with
  `.create(partner_id=...)` or writing it with `.update(...)` is not a lookup);
- raw SQL comparing partner_id with a parameter: `partner_id = $3`,
  `partner_id = ?`, `partner_id = ANY(...)`, `partner_id IN (...)`,
  `partner_id = {...}` in an f-string;
- a Python comparison `x.partner_id == y` / `!=` (or `row["partner_id"] ==`).
"""

from __future__ import annotations

import ast
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from auth.principal import Principal
from services.scoping import own_customer_clause, scoped_clause, sees_partner, sees_row

SERVICES = Path(__file__).resolve().parents[2] / "services"
THE_PATH = "services/scoping.py"

# ORM calls whose keyword arguments are lookups (a filter), not values to write.
LOOKUP_CALLS = frozenset({"filter", "exclude", "get", "get_or_none", "get_or_create", "update_or_create", "Q"})
SQL_TENANT_FILTER = re.compile(r"partner_id\s*(?:=\s*(?:\$\d+|\?|ANY\s*\(|\{\})|IN\s*\()", re.IGNORECASE)

# (file, function) -> why comparing partner ids there is not tenant scoping.
NOT_SCOPING: dict[tuple[str, str], str] = {
    ("services/fees/rules.py", "matches"): (
        "a partner rule's own selector matched against the charge, like its currency; the rules were already "
        "narrowed to the partner's by services.fees.schedule.schedule_for (through scoping)"
    ),
    ("services/fees/rules.py", "overlaps"): "compares the owners of two fee rules with each other; reads no row",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.function or 'module'}): {self.what}"


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _string_text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with `{}` for each interpolated value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)  # type: ignore[misc]
    return None


def _is_partner_id(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "partner_id"
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "partner_id"


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.function = ""
        self.findings: list[Finding] = []

    def _found(self, node: ast.AST, what: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), self.function, what))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in LOOKUP_CALLS:
            for keyword in node.keywords:
                if keyword.arg is not None and "partner_id" in keyword.arg:
                    self._found(node, f"ORM lookup {name}({keyword.arg}=...)")
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._check_sql(node)  # the literal parts are checked as part of this text; the interpolated code is visited
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.visit(part)

    def visit_Constant(self, node: ast.Constant) -> None:
        self._check_sql(node)

    def _check_sql(self, node: ast.AST) -> None:
        text = _string_text(node)
        if text is not None and (match := SQL_TENANT_FILTER.search(text)):
            self._found(node, f"raw SQL tenant filter {match.group(0)!r}")

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) and any(
            _is_partner_id(side) for side in (node.left, *node.comparators)
        ):
            self._found(node, "Python comparison of partner_id")
        self.generic_visit(node)


def scan(path: Path) -> list[Finding]:
    """Every hand-written tenant filter in one module."""
    relative = f"services/{path.relative_to(SERVICES).as_posix()}"
    scanner = _Scanner(relative)
    scanner.visit(ast.parse(path.read_text(encoding="utf-8"), filename=relative))
    return scanner.findings


def _all_findings() -> list[Finding]:
    return [finding for path in sorted(SERVICES.rglob("*.py")) for finding in scan(path)]


def test_only_the_scoping_module_narrows_reads_to_a_partner():
    offending = [
        str(finding) for finding in _all_findings()
        if finding.path != THE_PATH and (finding.path, finding.function) not in NOT_SCOPING
    ]
    assert offending == [], "narrow partner-owned reads through services/scoping.py:\n" + "\n".join(offending)


def test_every_listed_exception_still_exists():
    """An exception that no longer matches anything is stale: remove it, so it cannot hide a new filter."""
    used = {(finding.path, finding.function) for finding in _all_findings()}
    assert [place for place in NOT_SCOPING if place not in used] == []


def test_the_scanner_sees_each_kind_of_hand_written_filter():
    source = '''
async def reads(partner_id, principal, row, conn, param):
    await Wallet.filter(partner_id=partner_id)
    await Account.filter(customer__partner_id=partner_id)
    await ApiClient.filter(partner_id__in=[partner_id])
    await Wallet.get_or_none(Q(partner_id=partner_id), id=1)
    await fetch(conn, "SELECT 1 FROM wallet w WHERE w.partner_id = $3", [])
    await fetch(conn, "SELECT 1 FROM wallet w WHERE w.partner_id = ANY($1)", [])
    await fetch(conn, f"SELECT 1 FROM wallet w WHERE w.partner_id = {param(partner_id)}", [])
    if row.partner_id != principal.partner_id:
        return row["partner_id"] == partner_id


async def writes(partner_id, conn):
    await Wallet.create(partner_id=partner_id)
    await Wallet.filter(id=1).update(partner_id=partner_id)
    await fetch(conn, "INSERT INTO wallet (partner_id) VALUES ($1)", [])
    await fetch(conn, "SELECT 1 FROM api_client c JOIN partner p ON p.id = c.partner_id", [])
    return row.partner_id is None
'''
    scanner = _Scanner("services/_scan_probe.py")
    scanner.visit(ast.parse(source))
    assert [finding.function for finding in scanner.findings] == ["reads"] * 9, scanner.findings


# ---------------------------------------------------------------- the helpers the path offers


def _caller(kind: str, partner_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None) -> Principal:
    return Principal(kind=kind, subject="s", partner_id=partner_id, customer_id=customer_id)


def test_the_raw_sql_scope_narrows_partners_and_customer_tokens():
    partner, customer = uuid.uuid4(), uuid.uuid4()
    columns = {"partner_column": "w.partner_id", "customer_column": "w.customer_id", "first_placeholder": 4}
    assert scoped_clause(_caller("staff"), **columns) == ("1 = 1", [])
    assert scoped_clause(_caller("partner", partner), **columns) == ("w.partner_id = $4", [partner])
    assert scoped_clause(_caller("customer", partner, customer), **columns) == (
        "w.partner_id = $4 AND w.customer_id = $5", [partner, customer]
    )
    nobody = uuid.UUID(int=0)  # no partner or no customer: a clause no row satisfies
    assert scoped_clause(_caller("customer"), **columns) == ("w.partner_id = $4 AND w.customer_id = $5", [nobody, nobody])
    own = {"id_column": "cu.id", "partner_column": "cu.partner_id", "first_placeholder": 2}
    assert own_customer_clause(_caller("partner", partner), **own) is None
    assert own_customer_clause(_caller("customer", partner, customer), **own) == (
        "cu.partner_id = $2 AND cu.id = $3", [partner, customer]
    )


def test_the_python_scope_of_a_fact_read_outside_the_orm():
    mine, theirs, customer, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert sees_partner(_caller("staff"), theirs) and sees_partner(_caller("partner", mine), mine)
    assert not sees_partner(_caller("partner", mine), theirs) and not sees_partner(_caller("partner"), None)
    assert sees_row(_caller("staff"), partner_id=theirs, customer_id=other)
    assert sees_row(_caller("partner", mine), partner_id=mine, customer_id=other)
    assert not sees_row(_caller("partner", mine), partner_id=theirs, customer_id=other)
    assert sees_row(_caller("customer", mine, customer), partner_id=mine, customer_id=customer)
    assert not sees_row(_caller("customer", mine, customer), partner_id=mine, customer_id=other)
