"""`qianbao keys rotate-data`: re-encrypt every stored PII value under a new data key (hooked into api/cli/keys.py)."""

from __future__ import annotations

import argparse

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings
from services.pii.master_key import master_key_problem


def cmd_rotate_data(args: argparse.Namespace) -> int:
    """Rotate the PII data keys; print counts; audit the run. Exit 1 when an old key could not be retired."""
    from services.audit import Actor, record_event
    from services.pii import PiiError, rotate_data_keys

    settings = load_settings(database_url=args.database_url)
    if (problem := master_key_problem()) is not None:
        return fail(problem)

    async def work() -> int:
        actor = Actor(kind="cli", id="qianbao keys rotate-data")
        try:
            report = await rotate_data_keys(batch_size=args.batch_size, resume=args.resume)
        except PiiError as exc:
            await record_event(actor=actor, operation="keysRotateData", outcome="PII_ERROR", object_type="DataKey",
                               detail=str(exc))
            return fail(str(exc))
        detail = (f"reencrypted={report.reencrypted} rows={report.rows} retired={','.join(report.retired) or '-'}"
                  f" still_active={','.join(report.still_active) or '-'} unreadable={len(report.unreadable)}")
        await record_event(actor=actor, operation="keysRotateData", outcome="OK" if report.ok else "INCOMPLETE",
                           object_type="DataKey", object_id=report.key_id, detail=detail)
        print(f"new data key {report.key_id}" if not args.resume else f"data key {report.key_id} (resumed)")
        print(f"re-encrypted {report.reencrypted} values in {report.rows} rows")
        print(f"retired {len(report.retired)} old keys{': ' + ', '.join(report.retired) if report.retired else ''}")
        if report.ok:
            return 0
        for context in sorted(report.unreadable):
            print(f"UNREADABLE: {context} failed its integrity check; left as it was")
        if report.still_active:
            print(f"still active (values still use them): {', '.join(report.still_active)}; run again with --resume")
        return 1

    return run_with_db(settings.database_url, work)


def add_rotate_data_parser(keys: argparse._SubParsersAction) -> None:
    """Add `keys rotate-data` to the `keys` sub-commands."""
    rotate = with_db(keys.add_parser("rotate-data", help="re-encrypt all PII under a new data key, retire the old ones"))
    rotate.add_argument("--batch-size", type=int, default=200, help="rows per transaction (default 200)")
    rotate.add_argument("--resume", action="store_true", help="finish an interrupted rotation with the newest key instead of a new one")
    rotate.set_defaults(func=cmd_rotate_data)


def cmd_rotate_master(args: argparse.Namespace) -> int:
    """Move everything the previous master key protects to the current one; print counts; audit the run."""
    from services.audit import Actor, record_event
    from services.master_key_rotation import rotate_master_key
    from services.pii import PiiError

    settings = load_settings(database_url=args.database_url)
    if (problem := master_key_problem()) is not None:
        return fail(problem)

    async def work() -> int:
        actor = Actor(kind="cli", id="qianbao keys rotate-master")
        try:
            report = await rotate_master_key()
        except PiiError as exc:
            await record_event(actor=actor, operation="keysRotateMaster", outcome="PII_ERROR", object_type="DataKey",
                               detail=str(exc))
            return fail(str(exc))
        detail = (f"from={report.previous_key_id} to={report.current_key_id} data_keys={report.data_keys}"
                  f" fingerprints={report.fingerprints} checkpoints={report.checkpoints}"
                  f" refused={','.join(map(str, report.checkpoints_refused)) or '-'} left={report.left_under_previous}")
        await record_event(actor=actor, operation="keysRotateMaster", outcome="OK" if report.done else "INCOMPLETE",
                           object_type="DataKey", detail=detail)
        print(f"master key {report.previous_key_id} -> {report.current_key_id}: re-wrapped {report.data_keys} data keys,"
              f" recomputed {report.fingerprints} bank account fingerprints, re-signed {report.checkpoints} audit checkpoints")
        if report.done:
            print(f"nothing is left under {report.previous_key_id}: restart every process without"
                  " QIANBAO_MASTER_KEY_PREVIOUS and QIANBAO_MASTER_KEY_PREVIOUS_ID to retire it")
            return 0
        if report.checkpoints_refused:
            print(f"NOT RE-SIGNED: audit checkpoints {', '.join(map(str, report.checkpoints_refused))} do not verify under"
                  f" {report.previous_key_id} (run qianbao audit verify); keep the previous key until they are explained")
        if report.left_under_previous:
            print(f"still under {report.previous_key_id}: {report.left_under_previous} data keys; run it again")
        return 1

    return run_with_db(settings.database_url, work)


def add_rotate_master_parser(keys: argparse._SubParsersAction) -> None:
    """Add `keys rotate-master` to the `keys` sub-commands."""
    rotate = with_db(keys.add_parser("rotate-master", help="move everything under the previous master key to the current one"))
    rotate.set_defaults(func=cmd_rotate_master)
