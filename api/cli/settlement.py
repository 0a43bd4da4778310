"""`qianbao settlement import FILE` and `qianbao settlement report --date DAY` (hooked into api/cli/parser.py)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings

_ACTOR = "qianbao settlement"


def _day(text: str) -> date:
    """An argparse type: a YYYY-MM-DD day."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a day as YYYY-MM-DD")


def cmd_settlement_import(args: argparse.Namespace) -> int:
    """Import a rail's settlement file; print what it did; audit the run. Exit 1 on an unreadable or refused file."""
    from services.audit import Actor, record_event
    from services.reconciliation.importing import import_settlement_file
    from services.reconciliation.settlement_file import SettlementFileInvalid

    settings = load_settings(database_url=args.database_url)
    path = Path(args.file)

    async def work() -> int:
        actor = Actor(kind="cli", id=f"{_ACTOR} import")
        try:
            content = path.read_bytes()
        except OSError as exc:
            return fail(f"cannot read {path}: {exc.strerror or exc}; nothing was imported", code=1)
        try:
            report = await import_settlement_file(content=content, name=path.name, rail=args.rail, as_of=args.as_of)
        except SettlementFileInvalid as exc:
            await record_event(actor=actor, operation="settlementImport", outcome=exc.code,
                               object_type="SettlementFile", detail=f"file={path.name} rail={args.rail} {exc.message}")
            return fail(exc.message, code=1)
        counts = " ".join(f"{name}={count}" for name, count in sorted(report.counts.items()))
        if report.already_imported:
            print(f"{path.name}: already imported for rail {args.rail} (sha256 {report.sha256}); nothing changed")
            return 0
        await record_event(actor=actor, operation="settlementImport", outcome="OK", object_type="SettlementFile",
                           object_id=str(report.settlement_file_id),
                           detail=f"file={path.name} rail={args.rail} sha256={report.sha256} lines={report.lines}"
                                  f" {counts} newExceptions={report.new_exceptions}")
        print(f"{path.name}: {report.lines} lines imported for rail {args.rail} (sha256 {report.sha256})")
        for name, count in sorted(report.counts.items()):
            print(f"  {name}: {count}")
        print(f"  new exceptions: {report.new_exceptions} (OPEN ones already known are not raised twice)")
        return 0

    return run_with_db(settings.database_url, work)


def cmd_settlement_report(args: argparse.Namespace) -> int:
    """Print the day's reconciliation report per rail and currency; exit 3 when one does not tie out."""
    from auth.principal import Principal
    from services.money import format_amount
    from services.reconciliation.report import LINES, daily_report

    settings = load_settings(database_url=args.database_url)
    # The command line is the bank's operator: it reads as staff with reconciliation:read.
    operator = Principal(kind="staff", subject=_ACTOR, partner_id=None, role="cli",
                         scopes=frozenset({"reconciliation:read"}))

    async def work() -> int:
        reports = await daily_report(principal=operator, day=args.date, rail=args.rail)
        if not reports:
            print(f"{args.date.isoformat()}: no rail movement up to the end of the day")
            return 0
        for report in reports:
            money = lambda minor: format_amount(minor, report.currency)  # noqa: E731 - one report's currency
            print(f"{report.day.isoformat()} rail {report.rail} {report.currency}:"
                  f" {'ties out' if report.ties_out else 'DOES NOT TIE OUT'}")
            print(f"  {'':14} {'transfers':>24} {'ledger':>24}")
            print(f"  {'opening':14} {money(report.transfers.opening_minor):>24} {money(report.ledger.opening_minor):>24}")
            for line in LINES:
                ours, books = report.transfers.lines[line], report.ledger.lines[line]
                print(f"  {line:14} {f'{ours.count} x {money(ours.amount_minor)}':>24}"
                      f" {f'{books.count} x {money(books.amount_minor)}':>24}")
            print(f"  {'closing':14} {money(report.transfers.closing_minor):>24} {money(report.ledger.closing_minor):>24}")
            unrecovered = report.unrecovered_returns
            if unrecovered.count:
                print(f"  unrecovered returns: {unrecovered.count} x {money(unrecovered.amount_minor)}")
        return 0 if all(report.ties_out for report in reports) else 3

    return run_with_db(settings.database_url, work)


def add_settlement_parser(sub: argparse._SubParsersAction) -> None:
    """Add `settlement import FILE` and `settlement report --date DAY` to the top-level sub-commands."""
    settlement = sub.add_parser("settlement", help="rail settlement files and reconciliation").add_subparsers(
        dest="settlement_command", required=True)
    load = with_db(settlement.add_parser(
        "import", help="import a rail's settlement CSV (reference,amount,currency,value_date,status[,reason_code])"))
    load.add_argument("file", help="the CSV file; the same content imported twice changes nothing")
    load.add_argument("--rail", default="simulated", help="the rail the file comes from (default: simulated)")
    load.add_argument("--as-of", type=_day, default=None,
                      help="YYYY-MM-DD: transfers SUBMITTED before this day and on no line are MISSING_FROM_FILE"
                           " (default: the file's latest value_date)")
    load.set_defaults(func=cmd_settlement_import)
    report = with_db(settlement.add_parser(
        "report", help="the daily reconciliation report per rail and currency (exit 3 when one does not tie out)"))
    report.add_argument("--date", type=_day, required=True, help="the UTC day, YYYY-MM-DD")
    report.add_argument("--rail", default=None, help="only this rail (default: every rail)")
    report.set_defaults(func=cmd_settlement_report)
