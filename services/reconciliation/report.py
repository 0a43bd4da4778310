"""The daily reconciliation report of a rail, per currency: positions and movements from the rail transfers, the
same computed from the ledger's settlement entries, and whether the two tie out.

Definitions (all amounts positive minor units; a day is 00:00 to 24:00 UTC):
- Movements of a day, from the rail transfers: settled in (top-ups whose settled_at falls in the day), settled out
  (withdrawals likewise), returned in (top-ups whose return was posted, status RETURNED, ended_at in the day:
  money that went back out to the payer's bank) and returned out (withdrawals returned: money that came back).
- Net of a day = settled in - settled out - returned in + returned out: the money the rail brought into the wallet
  system, net. Position at an instant = the net of every movement before it (what came in through the rail, net,
  since the first transfer). Opening = the position at the day's start; closing = opening + the day's net.
- The ledger side is the same, computed from ledger entries: the entries on the bank's edge account (SETTLEMENT, or
  the partner's SANDBOX account for a sandbox partner) of each rail transfer's transaction (rail_transfer.
  transaction_id, dated by its settled_at, or ended_at/created_at when it never settled) and of its return
  (return_transaction_id, dated by ended_at). A top-up debits the edge account, a withdrawal credits it, a return
  the other way. A sandbox account also takes the bank's part of a fee; that part (the fee less the partner's share)
  is taken off, so only the principal is compared.
- tiesOut: the two sides agree on the opening position and on every movement line (count and amount).
- Returns the rail made that the wallet could not give back (RETURN_UNRECOVERED) have no ledger posting: they are
  shown apart (unrecoveredReturns) and are in neither position until staff recover them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from tortoise import connections

from auth.principal import Principal
from services.authority import require_staff
from services.db.sql import as_datetime, fetch
from services.reconciliation.exceptions import READ_PERMISSION

SETTLED_IN, SETTLED_OUT, RETURNED_IN, RETURNED_OUT = "settled_in", "settled_out", "returned_in", "returned_out"
LINES = (SETTLED_IN, SETTLED_OUT, RETURNED_IN, RETURNED_OUT)
_SIGN = {SETTLED_IN: 1, SETTLED_OUT: -1, RETURNED_IN: -1, RETURNED_OUT: 1}  # each line's effect on the position


@dataclass(frozen=True)
class Flow:
    """A movement line: how many transfers, and their amount in minor units."""

    count: int = 0
    amount_minor: int = 0


@dataclass
class Side:
    """One side of the report (the rail transfers, or the ledger): opening position and the day's movements."""

    opening_minor: int = 0
    lines: dict[str, Flow] = field(default_factory=lambda: {line: Flow() for line in LINES})

    @property
    def net_minor(self) -> int:
        """The day's net movement (settled in - settled out - returned in + returned out)."""
        return sum(_SIGN[line] * flow.amount_minor for line, flow in self.lines.items())

    @property
    def closing_minor(self) -> int:
        """Opening + the day's net."""
        return self.opening_minor + self.net_minor


@dataclass
class RailDayReport:
    """One rail and currency on one day: both sides, the returns not recovered, and whether it ties out."""

    rail: str
    currency: str
    day: date
    transfers: Side = field(default_factory=Side)
    ledger: Side = field(default_factory=Side)
    unrecovered_returns: Flow = field(default_factory=Flow)

    @property
    def ties_out(self) -> bool:
        """Whether the ledger agrees with the transfers on the opening position and every movement line."""
        return (self.transfers.opening_minor, self.transfers.lines) == (self.ledger.opening_minor, self.ledger.lines)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's start and end (UTC)."""
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


async def daily_report(*, principal: Principal, day: date, rail: str | None = None) -> list[RailDayReport]:
    """The report of each rail (or only `rail`) and currency on the day, sorted by rail then currency."""
    require_staff(principal, READ_PERMISSION)
    start, end = day_bounds(day)
    reports: dict[tuple[str, str], RailDayReport] = {}

    def report_of(rail_name: str, currency: str) -> RailDayReport:
        """The report of one rail and currency, created on first use."""
        return reports.setdefault((rail_name, currency), RailDayReport(rail=rail_name, currency=currency, day=day))

    for row in await _transfer_rows(end, rail):
        report = report_of(str(row["rail"]), str(row["currency"]))
        _add(report.transfers, row, start, int(row["amount_minor"]), report)
    for row in await _ledger_rows(end, rail):
        report = report_of(str(row["rail"]), str(row["currency"]))
        _add(report.ledger, row, start, row["principal"], None)
    return [reports[key] for key in sorted(reports)]


def _line(direction: str, what: str) -> str:
    """The movement line of a transfer's direction and what happened (SETTLED or RETURNED)."""
    return {("IN", "SETTLED"): SETTLED_IN, ("OUT", "SETTLED"): SETTLED_OUT,
            ("IN", "RETURNED"): RETURNED_IN, ("OUT", "RETURNED"): RETURNED_OUT}[(direction, what)]


def _add(side: Side, row: dict, start: datetime, amount: int, report: RailDayReport | None) -> None:
    """Count one transfer's movement: in the opening position when before the day, else on its line."""
    what, at = str(row["what"]), as_datetime(row["at"])
    assert at is not None
    if what == "RETURN_UNRECOVERED":
        if report is not None and at >= start:
            report.unrecovered_returns = Flow(report.unrecovered_returns.count + 1,
                                              report.unrecovered_returns.amount_minor + amount)
        return
    line = _line(str(row["direction"]), what)
    if at < start:
        side.opening_minor += _SIGN[line] * amount
    else:
        flow = side.lines[line]
        side.lines[line] = Flow(flow.count + 1, flow.amount_minor + amount)


async def _transfer_rows(end: datetime, rail: str | None) -> list[dict]:
    """Every settlement and return of a transfer before `end`: rail, currency, direction, what, when, amount."""
    rail_filter, values = (" AND rail = $2", [end, rail]) if rail is not None else ("", [end])
    return await fetch(connections.get("default"),
        "SELECT rail, currency, direction, 'SETTLED' AS what, settled_at AS at, amount_minor FROM rail_transfer"
        f" WHERE settled_at IS NOT NULL AND settled_at < $1{rail_filter}"
        " UNION ALL SELECT rail, currency, direction, status, ended_at, amount_minor FROM rail_transfer"
        f" WHERE status IN ('RETURNED', 'RETURN_UNRECOVERED') AND ended_at < $1{rail_filter}", values)


async def _ledger_rows(end: datetime, rail: str | None) -> list[dict]:
    """The principal each rail transfer's transactions moved on the edge account, dated as the module says."""
    rail_filter, values = (" AND r.rail = $2", [end, rail]) if rail is not None else ("", [end])
    # Per transaction: its entries on the edge account (SETTLEMENT or SANDBOX), whether that was a sandbox
    # account, and the partner's fee share (PARTNER_REVENUE entries): a sandbox account took the bank's fee part.
    per_transaction = (
        "SELECT e.transaction_id,"
        " SUM(CASE WHEN a.kind IN ('SETTLEMENT', 'SANDBOX') THEN e.amount_minor ELSE 0 END) AS edge,"
        " SUM(CASE WHEN a.kind = 'SANDBOX' THEN 1 ELSE 0 END) AS sandbox,"
        " SUM(CASE WHEN a.kind = 'PARTNER_REVENUE' THEN e.amount_minor ELSE 0 END) AS share"
        " FROM ledger_entry e JOIN account a ON a.id = e.account_id"
        " WHERE e.transaction_id IN (SELECT transaction_id FROM rail_transfer"
        "  UNION SELECT return_transaction_id FROM rail_transfer WHERE return_transaction_id IS NOT NULL)"
        " GROUP BY e.transaction_id")
    rows = await fetch(connections.get("default"),
        "SELECT r.rail, r.currency, r.direction, 'SETTLED' AS what, COALESCE(r.settled_at, r.ended_at, r.created_at) AS at,"
        " x.edge, x.sandbox, x.share, t.fee_minor FROM rail_transfer r"
        f" JOIN ({per_transaction}) x ON x.transaction_id = r.transaction_id"
        " JOIN ledger_transaction t ON t.id = r.transaction_id"
        f" WHERE COALESCE(r.settled_at, r.ended_at, r.created_at) < $1{rail_filter}"
        " UNION ALL SELECT r.rail, r.currency, r.direction, 'RETURNED', r.ended_at, x.edge, x.sandbox, x.share,"
        " t.fee_minor FROM rail_transfer r"
        f" JOIN ({per_transaction}) x ON x.transaction_id = r.return_transaction_id"
        " JOIN ledger_transaction t ON t.id = r.return_transaction_id"
        f" WHERE r.ended_at < $1{rail_filter}", values)
    found = []
    for row in rows:
        edge = int(row["edge"] or 0)
        if int(row["sandbox"] or 0):
            edge -= int(row["fee_minor"] or 0) - int(row["share"] or 0)  # the bank's fee part, on the same account
        # The edge account is debited by a top-up and credited by a withdrawal (and the other way by a return):
        # the principal as the transfers count it is the edge movement with the sign of the movement line.
        sign = -1 if (row["direction"], row["what"]) in (("IN", "SETTLED"), ("OUT", "RETURNED")) else 1
        found.append({**row, "principal": sign * edge})
    return found

