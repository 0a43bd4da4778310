"""`qianbao audit verify`: chain pending audit rows, then recompute the whole hash chain."""

from __future__ import annotations

import argparse

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Chain pending audit rows, then recompute the whole chain and name the first broken row."""
    from services.audit import chain_pending, verify_chain

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        expect = None
        if args.expect_head:
            seq, _, digest = args.expect_head.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                return fail("--expect-head takes POSITION:HASH as printed by an earlier verify")
            expect = (int(seq), digest)
        if not args.no_chain:
            await chain_pending()
        report = await verify_chain(expect=expect)
        print(f"checked {report.checked} chained audit events; {report.pending} not yet chained")
        if report.ok:
            print(f"audit chain OK; head {report.head_seq}:{report.head_hash} (keep it outside the database)")
            return 0
        print(f"BROKEN: {report.first_broken}")
        return 1

    return run_with_db(settings.database_url, work)


def add_audit_parser(sub: argparse._SubParsersAction) -> None:
    """Add `audit verify` to the top-level sub-commands."""
    audit = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_command", required=True)
    audit_verify = with_db(audit.add_parser("verify", help="recompute the hash chain"))
    audit_verify.add_argument("--no-chain", action="store_true", help="do not chain pending rows first")
    audit_verify.add_argument("--expect-head", metavar="POSITION:HASH", help="a head printed earlier: the chain must still pass through it")
    audit_verify.set_defaults(func=cmd_audit_verify)
