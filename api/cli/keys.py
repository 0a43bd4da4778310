"""`qianbao keys list|rotate|retire`: the JWT signing keys (and `keys rotate-data`, from api/cli/pii.py)."""

from __future__ import annotations

import argparse

from api.cli.common import fail, run_with_db, with_db
from api.cli.pii import add_rotate_data_parser, add_rotate_master_parser
from api.settings import load_settings


def cmd_keys(args: argparse.Namespace) -> int:
    """List, rotate or retire the JWT signing keys."""
    from services.audit import Actor, record_event
    from services.errors import DomainError
    from services.signing_keys import list_keys, retire_signing_key, rotate_signing_key

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        actor = Actor(kind="cli", id=f"qianbao keys {args.keys_command}")
        if args.keys_command == "rotate":
            kid = await rotate_signing_key()
            await record_event(actor=actor, operation="keysRotate", outcome="OK", object_type="SigningKey", object_id=kid)
            print(f"new signing key {kid}: workers sign with it within 10 s; older keys stay in the JWKS until retired")
        elif args.keys_command == "retire":
            try:
                await retire_signing_key(args.kid, force=args.force)
            except DomainError as exc:
                # A refused staff action is audited too, with its refusal code as the outcome.
                await record_event(actor=actor, operation="keysRetire", outcome=exc.code, object_type="SigningKey",
                                   object_id=args.kid, detail=exc.message)
                return fail(exc.message)
            await record_event(actor=actor, operation="keysRetire", outcome="OK", object_type="SigningKey", object_id=args.kid)
            print(f"key {args.kid} retired: out of the JWKS; its tokens are refused within 10 s")
        for key in await list_keys():
            state = "retired " + key.retired_at.isoformat() if key.retired_at else ("signing" if key.signing else "verifying")
            print(f"{key.kid}  created {key.created_at.isoformat()}  {state}")
        return 0

    return run_with_db(settings.database_url, work)


def add_keys_parser(sub: argparse._SubParsersAction) -> None:
    """Add `keys list|rotate|retire|rotate-data|rotate-master` to the top-level sub-commands."""
    keys = sub.add_parser("keys", help="JWT signing keys").add_subparsers(dest="keys_command", required=True)
    with_db(keys.add_parser("list", help="list keys")).set_defaults(func=cmd_keys)
    with_db(keys.add_parser("rotate", help="add a new signing key (old ones keep verifying)")).set_defaults(func=cmd_keys)
    retire = with_db(keys.add_parser("retire", help="retire a key: out of the JWKS, its tokens refused"))
    retire.add_argument("kid")
    retire.add_argument("--force", action="store_true", help="retire even the signing key or a key whose tokens may be live")
    retire.set_defaults(func=cmd_keys)
    add_rotate_data_parser(keys)
    add_rotate_master_parser(keys)
