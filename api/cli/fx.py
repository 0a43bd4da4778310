"""`qianbao fx import FILE`: FX mid rates from a CSV file (base,quote,rate,source,as_of), all or nothing.

A file with any malformed line is refused as a whole: every bad line is
printed with its line number and nothing is stored (exit 1). Importing the
same file again stores nothing new (its lines are already there).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings


def cmd_fx_import(args: argparse.Namespace) -> int:
    """Import the rates of a CSV file; print what was added, or every bad line."""
    from services.audit import Actor, record_event
    from services.fx.rate_import import import_rates_file

    settings = load_settings(database_url=args.database_url)
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"cannot read {args.file}: {exc}", code=1)

    async def work() -> int:
        actor = Actor(kind="cli", id="qianbao fx import")
        report = await import_rates_file(text, created_by="cli:qianbao fx import")
        if not report.ok:
            for number, reason in report.errors:
                print(f"{args.file}:{number}: {reason}")
            await record_event(actor=actor, operation="fxImport", outcome="VALIDATION", object_type="FxRate",
                               detail=f"{len(report.errors)} bad line(s), nothing imported")
            return fail(f"{len(report.errors)} bad line(s): nothing was imported", code=1)
        await record_event(actor=actor, operation="fxImport", outcome="OK", object_type="FxRate",
                           detail=f"added={report.added} unchanged={report.unchanged}")
        print(f"{report.added} rate(s) added, {report.unchanged} already stored")
        return 0

    return run_with_db(settings.database_url, work)


def add_fx_parser(sub: argparse._SubParsersAction) -> None:
    """Add `fx import` to the top-level sub-commands."""
    fx = sub.add_parser("fx", help="foreign exchange rates").add_subparsers(dest="fx_command", required=True)
    fx_import = with_db(fx.add_parser("import", help="import mid rates from a CSV file (base,quote,rate,source,as_of)"))
    fx_import.add_argument("file", help="the CSV file; a bad line refuses the whole file")
    fx_import.set_defaults(func=cmd_fx_import)
