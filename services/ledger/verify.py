"""`qianbao ledger verify`: prove every invariant of the ledger, or name what breaks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections

from services.db.sql import fetch


@dataclass
class LedgerReport:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_ledger(*, max_problems: int = 100) -> LedgerReport:
    """Check that every transaction balances, every stored balance and hold equals its entries and held transactions, none is negative,
    and that sandbox partners' money never mixes with live money."""
    conn = connections.get("default")
    report = LedgerReport()
    counts = await fetch(
        conn,
        "SELECT (SELECT COUNT(*) FROM ledger_transaction) AS t, (SELECT COUNT(*) FROM ledger_entry) AS e,"
        " (SELECT COUNT(*) FROM account) AS a",
        [],
    )
    report.transactions, report.entries, report.accounts = (int(counts[0][k]) for k in ("t", "e", "a"))
    checks = [
        (
            "transaction {id} does not balance in {currency}: entries sum to {total}",
            "SELECT transaction_id AS id, currency, SUM(amount_minor) AS total FROM ledger_entry"
            " GROUP BY transaction_id, currency HAVING SUM(amount_minor) <> 0",
        ),
        (
            "posted transaction {id} has fewer than two entries",
            "SELECT t.id AS id FROM ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id"
            " WHERE t.status = 'POSTED' GROUP BY t.id HAVING COUNT(e.id) < 2",
        ),
        (
            # Held transactions wait for compliance and rejected ones never
            # posted: neither may have moved money.
            "{status} transaction {id} has entries",
            "SELECT t.id AS id, t.status AS status FROM ledger_transaction t"
            " WHERE t.status <> 'POSTED' AND EXISTS (SELECT 1 FROM ledger_entry e WHERE e.transaction_id = t.id)",
        ),
        (
            # One hold lifecycle: a wallet's reservation is its held transactions (AML review) plus what its
            # active payment authorisations have not captured yet.
            "wallet account {id} reserves {stored} but its held transactions and authorisations reserve {total}",
            # Each reservation summed once per wallet, then joined: a subquery per wallet scanned every
            # transaction once per wallet (seconds on a test database of a few thousand wallets).
            "SELECT id, stored, total FROM (SELECT a.id AS id, a.held_minor AS stored,"
            " COALESCE(h.total, 0) + COALESCE(au.total, 0) AS total"
            " FROM account a JOIN wallet w ON w.account_id = a.id"
            " LEFT JOIN (SELECT from_wallet_id AS wallet_id, SUM(hold_minor) AS total FROM ledger_transaction"
            "  WHERE status = 'HELD' GROUP BY from_wallet_id) h ON h.wallet_id = w.id"
            " LEFT JOIN (SELECT wallet_id, SUM(amount_minor - captured_minor) AS total FROM payment_authorization"
            "  WHERE status = 'ACTIVE' GROUP BY wallet_id) au ON au.wallet_id = w.id) reserved WHERE stored <> total",
        ),
        (
            "entry {id} is in {entry_currency} on a {account_currency} account",
            "SELECT e.id AS id, e.currency AS entry_currency, a.currency AS account_currency FROM ledger_entry e"
            " JOIN account a ON a.id = e.account_id WHERE e.currency <> a.currency",
        ),
        (
            "account {id} stores balance {stored} but its entries sum to {total}",
            "SELECT a.id AS id, a.balance_minor AS stored, COALESCE(SUM(e.amount_minor), 0) AS total FROM account a"
            " LEFT JOIN ledger_entry e ON e.account_id = a.id WHERE a.tracks_balance"
            " GROUP BY a.id, a.balance_minor HAVING a.balance_minor <> COALESCE(SUM(e.amount_minor), 0)",
        ),
        (
            "wallet account {id} is below zero: balance {balance}, held {held}",
            "SELECT id, balance_minor AS balance, held_minor AS held FROM account"
            " WHERE kind = 'WALLET' AND (balance_minor < 0 OR held_minor < 0 OR held_minor > balance_minor)",
        ),
        (
            "system account {id} keeps a stored balance ({stored}) it should derive from entries",
            "SELECT id, balance_minor AS stored FROM account WHERE NOT tracks_balance AND balance_minor <> 0",
        ),
        (
            "transaction {id} amount {amount} in {currency} is not positive",
            "SELECT id, amount_minor AS amount, currency FROM ledger_transaction WHERE amount_minor <= 0",
        ),
        (
            # Sandbox money stays apart: a sandbox account takes only its own partner's entries...
            "entry {id} of another partner is on sandbox account {account}",
            "SELECT e.id AS id, a.id AS account FROM ledger_entry e JOIN account a ON a.id = e.account_id"
            " WHERE a.kind = 'SANDBOX' AND (a.partner_id IS NULL OR e.partner_id <> a.partner_id)",
        ),
        (
            # ...and a sandbox partner's postings never reach the bank's real settlement or fee revenue accounts.
            "sandbox transaction {id} has an entry on the bank's {kind} account {account}",
            "SELECT e.transaction_id AS id, a.kind AS kind, a.id AS account FROM ledger_entry e"
            " JOIN account a ON a.id = e.account_id JOIN partner p ON p.id = e.partner_id"
            " WHERE p.environment = 'SANDBOX' AND a.kind IN ('SETTLEMENT', 'FEE_REVENUE')",
        ),
        # Foreign exchange (services.fx): every currency balances on its own (the first check, per currency), a
        # single-currency kind stays in one currency, and a conversion goes through an FX position account (or its
        # sandbox partner's own account) in each of its two currencies.
        (
            "{kind} transaction {id} has entries in {n} currencies",
            "SELECT t.id AS id, t.kind AS kind, COUNT(DISTINCT e.currency) AS n FROM ledger_transaction t"
            " JOIN ledger_entry e ON e.transaction_id = t.id WHERE t.kind <> 'FX_CONVERSION' AND t.buy_currency IS NULL"
            " GROUP BY t.id, t.kind HAVING COUNT(DISTINCT e.currency) > 1",
        ),
        (
            "FX conversion {id} has no buy side in another currency",
            "SELECT id FROM ledger_transaction WHERE kind = 'FX_CONVERSION' AND (buy_currency IS NULL"
            " OR buy_amount_minor IS NULL OR buy_amount_minor <= 0 OR buy_currency = currency)"
            # A cross-currency transfer (services.fx.transfers) is a TRANSFER with a buy side: the same rules.
            " OR (buy_currency IS NOT NULL AND (buy_amount_minor IS NULL OR buy_amount_minor <= 0 OR buy_currency = currency))",
        ),
        (
            "FX conversion {id} has no entry on an FX position account in {currency}",
            "SELECT c.id AS id, c.currency AS currency FROM (SELECT id, currency FROM ledger_transaction"
            "  WHERE (kind = 'FX_CONVERSION' OR buy_currency IS NOT NULL) AND status = 'POSTED' UNION ALL"
            "  SELECT id, buy_currency FROM ledger_transaction"
            "  WHERE (kind = 'FX_CONVERSION' OR buy_currency IS NOT NULL) AND status = 'POSTED' AND buy_currency IS NOT NULL) c"
            " WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e JOIN account a ON a.id = e.account_id"
            "  WHERE e.transaction_id = c.id AND e.currency = c.currency AND a.kind IN ('FX_POSITION', 'SANDBOX'))",
        ),
        # Points programmes (services.points): each programme's points balance among its own accounts, so
        # issued (what left its ISSUANCE account) = outstanding (customers' POINTS accounts) + redeemed + expired,
        # and no customer's points nor either sink is ever below zero.
        (
            "points programme {id} does not add up: issued {issued} <> outstanding {outstanding} + redeemed {redeemed}"
            " + expired {expired}",
            # The points accounts' entries are summed once (pts), then each programme picks its accounts: a sum
            # over the entries per programme and account kind cost a scan of the entries each time on PostgreSQL.
            "WITH pts AS (SELECT e.account_id AS account_id, SUM(e.amount_minor) AS s FROM ledger_entry e"
            " JOIN account a ON a.id = e.account_id"
            " WHERE a.kind IN ('POINTS', 'POINTS_ISSUANCE', 'POINTS_REDEEMED', 'POINTS_EXPIRED') GROUP BY e.account_id)"
            " SELECT id, issued, outstanding, redeemed, expired FROM (SELECT p.id AS id,"
            " -COALESCE((SELECT pts.s FROM pts WHERE pts.account_id = p.issuance_account_id), 0) AS issued,"
            " COALESCE((SELECT SUM(pts.s) FROM pts JOIN points_account pa ON pa.account_id = pts.account_id"
            "  WHERE pa.program_id = p.id), 0) AS outstanding,"
            " COALESCE((SELECT pts.s FROM pts WHERE pts.account_id = p.redeemed_account_id), 0) AS redeemed,"
            " COALESCE((SELECT pts.s FROM pts WHERE pts.account_id = p.expired_account_id), 0) AS expired"
            " FROM points_program p) totals"
            " WHERE issued <> outstanding + redeemed + expired OR redeemed < 0 OR expired < 0",
        ),
        (
            "points account {id} is below zero: balance {balance}",
            "SELECT id, balance_minor AS balance FROM account WHERE kind = 'POINTS' AND balance_minor < 0",
        ),
        (
            "{kind} transaction {id} has an entry on account {account} outside its programme's points accounts",
            "SELECT t.id AS id, t.kind AS kind, e.account_id AS account FROM ledger_transaction t"
            " JOIN ledger_entry e ON e.transaction_id = t.id JOIN account a ON a.id = e.account_id"
            " WHERE t.kind IN ('POINTS_EARN', 'POINTS_CLAWBACK', 'POINTS_REDEEM', 'POINTS_EXPIRY', 'POINTS_RETURN')"
            " AND a.kind NOT IN ('POINTS', 'POINTS_ISSUANCE', 'POINTS_REDEEMED', 'POINTS_EXPIRED')",
        ),
        (
            # The per-customer limit is claimed on coupon_use (services.coupons.reserving): each pair's row counts
            # exactly its used coupons, and a pair with used coupons has its row.
            "customer {customer} has {counted} used coupons of campaign {campaign} but its coupon_use row counts {used}",
            "SELECT k.campaign_id AS campaign, k.customer_id AS customer, COUNT(*) AS counted, MAX(u.used) AS used"
            " FROM coupon k LEFT JOIN coupon_use u ON u.campaign_id = k.campaign_id AND u.customer_id = k.customer_id"
            " WHERE k.status IN ('REDEEMED', 'FORFEITED') GROUP BY k.campaign_id, k.customer_id"
            " HAVING MAX(u.used) IS NULL OR MAX(u.used) <> COUNT(*)",
        ),
        (
            "customer {customer} has no used coupons of campaign {campaign} but its coupon_use row counts {used}",
            "SELECT u.campaign_id AS campaign, u.customer_id AS customer, u.used FROM coupon_use u WHERE u.used <> 0"
            " AND NOT EXISTS (SELECT 1 FROM coupon k WHERE k.campaign_id = u.campaign_id AND k.customer_id = u.customer_id"
            " AND k.status IN ('REDEEMED', 'FORFEITED'))",
        ),
        (
            # Deferred settlement (services.merchants.settlement): a merchant's clearing account holds exactly what
            # its payments put there that no POSTED settlement has moved on.
            "merchant {merchant}'s clearing account holds {held} but its unsettled payments put {owed} there",
            "SELECT m.id AS merchant, bal.total AS held, COALESCE(un.total, 0) AS owed FROM merchant m"
            " JOIN (SELECT e.account_id, SUM(e.amount_minor) AS total FROM ledger_entry e"
            "  JOIN merchant mc ON mc.clearing_account_id = e.account_id GROUP BY e.account_id) bal"
            "  ON bal.account_id = m.clearing_account_id"
            " LEFT JOIN (SELECT p.merchant_id, SUM(e.amount_minor) AS total FROM payment p"
            "  JOIN merchant mp ON mp.id = p.merchant_id"
            "  JOIN ledger_entry e ON e.transaction_id = p.transaction_id AND e.account_id = mp.clearing_account_id"
            "  LEFT JOIN merchant_settlement s ON s.id = p.settlement_id"
            "  WHERE s.status IS NULL OR s.status <> 'POSTED' GROUP BY p.merchant_id) un ON un.merchant_id = m.id"
            " WHERE bal.total <> COALESCE(un.total, 0)",
        ),
        (
            "settlement {id} of merchant {merchant} moved {moved} out of the clearing account, not its {amount}",
            "SELECT id, merchant, amount, moved FROM (SELECT s.id AS id, s.merchant_id AS merchant,"
            " s.amount_minor AS amount, COALESCE((SELECT -SUM(e.amount_minor) FROM ledger_entry e"
            " WHERE e.transaction_id = s.transaction_id AND e.account_id = m.clearing_account_id), 0) AS moved"
            " FROM merchant_settlement s JOIN merchant m ON m.id = s.merchant_id WHERE s.status = 'POSTED') posted"
            " WHERE amount <> moved",
        ),
    ]
    for template, sql in checks:
        for row in await fetch(conn, sql, []):
            if len(report.problems) >= max_problems:
                report.problems.append("... more problems not listed")
                return report
            report.problems.append(template.format(**row))
    report.problems.extend((await _held_problems(conn))[: max(max_problems - len(report.problems), 0)])
    report.problems.extend((await _reserve_problems(conn))[: max(max_problems - len(report.problems), 0)])
    return report


async def _reserve_problems(conn: Any) -> list[str]:
    """Per points programme, its POINTS_RESERVE holds exactly what its customers' funded_minor say (services.points.reserve).

    A HELD payment has already claimed its points' funding but posts the reserve's leg only when released: its
    held leg on the reserve counts as paid. No customer's funded_minor is below zero.
    """
    rows = await fetch(conn, (
        "SELECT p.id, p.reserve_account_id AS reserve,"
        " COALESCE((SELECT SUM(e.amount_minor) FROM ledger_entry e WHERE e.account_id = p.reserve_account_id), 0) AS held,"
        " COALESCE((SELECT SUM(pa.funded_minor) FROM points_account pa WHERE pa.program_id = p.id), 0) AS funded,"
        " (SELECT COUNT(*) FROM points_account pa WHERE pa.program_id = p.id AND pa.funded_minor < 0) AS negative"
        " FROM points_program p WHERE p.reserve_account_id IS NOT NULL"), [])
    if not rows:
        return []
    reserves = {int(r["reserve"]): r for r in rows}
    pending: dict[int, int] = {}
    for held in await fetch(conn, "SELECT held_legs FROM ledger_transaction WHERE status = 'HELD'", []):
        legs = held["held_legs"]
        for leg in (json.loads(legs) if isinstance(legs, str) else legs) or []:
            if int(leg[0]) in reserves:
                pending[int(leg[0])] = pending.get(int(leg[0]), 0) + int(leg[1])
    problems = []
    for reserve, row in reserves.items():
        balance = int(row["held"]) + pending.get(reserve, 0)
        if balance != int(row["funded"]):
            problems.append(f"points programme {row['id']} reserve holds {balance} but its customers' funding is {row['funded']}")
        if int(row["negative"]):
            problems.append(f"points programme {row['id']} has {row['negative']} customers with funding below zero")
    return problems


async def _held_problems(conn: Any) -> list[str]:
    """Each HELD transaction's legs balance and its reservation is exactly what its payer will pay."""
    problems = []
    rows = await fetch(
        conn,
        "SELECT t.id, t.hold_minor, t.held_legs, w.account_id AS payer FROM ledger_transaction t"
        " LEFT JOIN wallet w ON w.id = t.from_wallet_id WHERE t.status = 'HELD'",
        [],
    )
    for row in rows:
        legs = row["held_legs"]
        legs = json.loads(legs) if isinstance(legs, str) else legs
        # A cross-currency transfer's held legs carry their currency as a third element: each currency balances.
        sums: dict[str, int] = {}
        for leg in legs or []:
            currency = str(leg[2]) if len(leg) > 2 else ""
            sums[currency] = sums.get(currency, 0) + int(leg[1])
        if not legs or any(sums.values()):
            problems.append(f"held transaction {row['id']} has legs that do not balance")
            continue
        pays = -sum(int(leg[1]) for leg in legs if row["payer"] is not None and int(leg[0]) == int(row["payer"]))
        if int(row["hold_minor"]) != max(pays, 0):
            problems.append(f"held transaction {row['id']} reserves {row['hold_minor']} but its payer pays {pays}")
    return problems
