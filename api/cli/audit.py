"""`qianbao audit verify` and `qianbao audit checkpoint`: the hash chain checked, and its head signed."""

from __future__ import annotations

import argparse
from datetime import timedelta

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Chain pending audit rows, then recompute the whole chain and check it against the signed checkpoints."""
    from services import clock
    from services.audit import chain_pending
    from services.audit_checkpoint import checkpoint_age, verify_audit

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        expect = None
        if args.expect_head:
            seq, _, digest = args.expect_head.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                return fail("--expect-head takes POSITION:HASH as printed by an earlier verify")
            expect = (int(seq), digest)
        if args.max_checkpoint_age is not None and args.max_checkpoint_age < 1:
            return fail("--max-checkpoint-age takes a number of seconds, at least 1")
        if not args.no_chain:
            await chain_pending()
        verification = await verify_audit(expect=expect)
        report, check = verification.report, verification.checkpoints
        print(f"checked {report.checked} chained audit events; {report.pending} not yet chained")
        for note in check.skipped:
            print(f"note: {note}")
        if check.newest is not None:
            print(f"newest audit checkpoint {check.newest.number}: chain position {check.newest.chain_seq},"
                  f" signed {check.newest.created_at.isoformat()}")
        else:
            print("no audit checkpoint yet (qianbao serve takes one every QIANBAO_AUDIT_CHECKPOINT_S seconds)")
        if not report.ok:
            print(f"BROKEN: {report.first_broken}")
            return 1
        if args.max_checkpoint_age is not None:
            age = checkpoint_age(check, clock.now())
            limit = timedelta(seconds=args.max_checkpoint_age)
            if age is None or age > limit:
                said = "there is none" if age is None else f"the newest is {int(age.total_seconds())} s old"
                print(f"BROKEN: no audit checkpoint in the last {args.max_checkpoint_age} s ({said}): the newest"
                      " checkpoints were deleted with the rows they covered, or none were taken (is qianbao serve running?)")
                return 1
        print(f"audit chain OK; head {report.head_seq}:{report.head_hash} (keep it outside the database)")
        return 0

    return run_with_db(settings.database_url, work)


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Chain pending audit rows, then sign the chain's head as the next checkpoint."""
    from services.audit import chain_pending
    from services.audit_checkpoint import take_checkpoint

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        await chain_pending()
        row = await take_checkpoint()
        assert row is not None  # no minimum interval asked
        print(f"audit checkpoint {row.number}: chain position {row.chain_seq} hash {row.hash},"
              f" signed under master key {row.master_key_id}")
        return 0

    return run_with_db(settings.database_url, work)


def add_audit_parser(sub: argparse._SubParsersAction) -> None:
    """Add `audit verify` and `audit checkpoint` to the top-level sub-commands."""
    audit = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_command", required=True)
    audit_verify = with_db(audit.add_parser("verify", help="recompute the hash chain and check its signed checkpoints"))
    audit_verify.add_argument("--no-chain", action="store_true", help="do not chain pending rows first")
    audit_verify.add_argument("--expect-head", metavar="POSITION:HASH", help="a head printed earlier: the chain must still pass through it")
    audit_verify.add_argument("--max-checkpoint-age", metavar="SECONDS", type=int, default=None,
                              help="fail when the newest signed checkpoint is older (e.g. twice QIANBAO_AUDIT_CHECKPOINT_S)")
    audit_verify.set_defaults(func=cmd_audit_verify)
    checkpoint = with_db(audit.add_parser("checkpoint", help="sign the chain's head now (serve does it on a schedule)"))
    checkpoint.set_defaults(func=cmd_audit_checkpoint)
