"""The `qianbao` command line: serve, migrate, demo, partner create, ledger verify."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Awaitable, Callable

from api.db import DatabaseUnavailable, apply_migrations, check_reachable, close_orm, init_orm
from api.cli_pii import add_rotate_data_parser, master_key_problem
from api.cli_watchlist import add_watchlist_parser
from api.settings import load_settings
from auth.roles import STAFF_ROLES
from auth.scopes import PARTNER_SCOPES


def _fail(message: str, code: int = 2) -> int:
    print(f"qianbao: {message}", file=sys.stderr)
    return code


async def _prepare(database_url: str, *, migrate: bool = True) -> None:
    """Reach the database (or explain why not) and apply pending migrations."""
    await check_reachable(database_url)
    if migrate:
        await apply_migrations(database_url)


def _run_with_db(database_url: str, work: Callable[[], Awaitable[int]]) -> int:
    async def main() -> int:
        await _prepare(database_url)
        await init_orm(database_url)
        try:
            return await work()
        finally:
            await close_orm()

    try:
        return asyncio.run(main())
    except DatabaseUnavailable as exc:
        return _fail(f"cannot reach the database at {_redact(database_url)}: {exc}")


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API under uvicorn (uvloop + httptools)."""
    settings = load_settings(database_url=args.database_url)
    if args.workers < 1:
        return _fail("--workers must be at least 1")
    if settings.is_sqlite and args.workers > 1:
        return _fail(
            "--workers above 1 needs PostgreSQL: several processes writing one SQLite file are not safe. "
            "Set QIANBAO_DATABASE_URL=postgres://... or run one worker."
        )
    if settings.production and (problem := master_key_problem()) is not None:
        return _fail(problem)  # fail now, not at the first KYC submission
    try:
        asyncio.run(_serve_prepare(settings.database_url, settings.issuer, settings.audience))
    except DatabaseUnavailable as exc:
        return _fail(f"cannot reach the database at {_redact(settings.database_url)}: {exc}")
    os.environ["QIANBAO_DATABASE_URL"] = settings.database_url  # the workers read it
    import uvicorn

    print(f"Qianbao listening on http://{args.host}:{args.port}/graphql ({settings.env}, {_redact(settings.database_url)})")
    uvicorn.run(
        "api.asgi:app", host=args.host, port=args.port, workers=args.workers, loop="uvloop", http="httptools",
        log_level=args.log_level, access_log=False, proxy_headers=False,
    )
    return 0


async def _serve_prepare(database_url: str, issuer: str, audience: str) -> None:
    # Migrate and create the first signing key once, before any worker starts,
    # so every worker process signs with the same key.
    from services.signing_keys import ensure_signing_key

    await _prepare(database_url)
    await init_orm(database_url)
    try:
        await ensure_signing_key()
    finally:
        await close_orm()


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    settings = load_settings(database_url=args.database_url)
    async def migrate_and_seed() -> None:
        await _prepare(settings.database_url)
        await init_orm(settings.database_url)  # stores the shipped policy packs that are missing
        await close_orm()

    try:
        asyncio.run(migrate_and_seed())
    except DatabaseUnavailable as exc:
        return _fail(f"cannot reach the database at {_redact(settings.database_url)}: {exc}")
    print(f"migrations applied to {_redact(settings.database_url)}")
    return 0


def cmd_partner_create(args: argparse.Namespace) -> int:
    """Create a partner and its first API client; print the secret once."""
    from services.errors import DomainError
    from services.partners import create_partner

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        try:
            created = await create_partner(name=args.name, scopes=args.scope or None)
        except DomainError as exc:
            return _fail(exc.message)
        out = {
            "partner_id": str(created.partner.id),
            "client_id": created.client.client_id,
            "client_secret": created.client_secret,
            "scope": created.client.scopes,
        }
        if args.json:
            print(json.dumps(out))
        else:
            print(f"partner      {created.partner.name} ({out['partner_id']})")
            print(f"client_id    {out['client_id']}")
            print(f"client_secret {out['client_secret']}   (shown once: store it now)")
            print(f"scope        {out['scope']}")
        return 0

    return _run_with_db(settings.database_url, work)


def cmd_ledger_verify(args: argparse.Namespace) -> int:
    """Check every ledger invariant; exit 1 and list what breaks."""
    from services.ledger.verify import verify_ledger

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        report = await verify_ledger()
        print(f"checked {report.transactions} transactions, {report.entries} entries, {report.accounts} accounts")
        if report.ok:
            print("ledger OK: every transaction balances, every balance equals its entries, none is negative")
            return 0
        for problem in report.problems:
            print(f"BROKEN: {problem}")
        return 1

    return _run_with_db(settings.database_url, work)


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed demo data and print credentials and a first query."""
    from services.demo import seed_demo

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        partners = await seed_demo(run_id=secrets.token_hex(3))
        base = f"http://{args.host}:{args.port}"
        for partner in partners:
            creds = partner.credentials
            print(f"\n{partner.name}\n  client_id     {creds.client.client_id}\n  client_secret {creds.client_secret}")
        first = partners[0].credentials
        print(
            "\nFirst query (with the server running: qianbao serve):\n\n"
            f"TOKEN=$(curl -s -X POST {base}/oauth/token -d grant_type=client_credentials \\\n"
            f"  -d client_id={first.client.client_id} -d client_secret={first.client_secret} \\\n"
            "  | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
            f"curl -s {base}/graphql -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n"
            "  -d '{\"query\":\"{ viewer { partner { name } } wallets(first: 5) { nodes { id currency balance { amount currency } } } }\"}'\n"
            f"\nGraphiQL: open {base}/graphql in a browser and paste the token into the Headers tab."
        )
        from models import AmlAlert

        if await AmlAlert.filter(rule="SANCTIONS_SCREENING", status="OPEN").exists():
            print(
                "\nScreening: a customer of the first partner matched the example watchlist and is on hold;"
                " compliance staff (qianbao staff create --role compliance) see it in amlAlerts(status: OPEN)."
            )
        return 0

    return _run_with_db(settings.database_url, work)


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        return None
    import getpass

    first = getpass.getpass("Password (12+ characters): ")
    if getpass.getpass("Repeat: ") != first:
        print("qianbao: the passwords differ", file=sys.stderr)
        return None
    return first


def cmd_staff_create(args: argparse.Namespace) -> int:
    """Create a bank staff user; the password comes from a prompt or standard input."""
    from services.audit import Actor, record_event
    from services.errors import DomainError
    from services.staff import create_staff

    settings = load_settings(database_url=args.database_url)
    password = _read_password(args)
    if password is None:
        return _fail("no password: type it at the prompt, or pipe it with --password-stdin")

    async def work() -> int:
        try:
            staff = await create_staff(email=args.email, role=args.role, password=password)
        except DomainError as exc:
            await record_event(actor=Actor(kind="cli", id="qianbao staff create"), operation="staffCreate",
                               outcome=exc.code, object_type="StaffUser", detail=exc.message)
            return _fail(exc.message)
        await record_event(actor=Actor(kind="cli", id="qianbao staff create"), operation="staffCreate", outcome="OK",
                           object_type="StaffUser", object_id=str(staff.id), detail=f"role={staff.role}")
        print(f"staff user {staff.email} ({staff.role}) created: {staff.id}")
        return 0

    return _run_with_db(settings.database_url, work)


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
                return _fail(exc.message)
            await record_event(actor=actor, operation="keysRetire", outcome="OK", object_type="SigningKey", object_id=args.kid)
            print(f"key {args.kid} retired: out of the JWKS; its tokens are refused within 10 s")
        for key in await list_keys():
            state = "retired " + key.retired_at.isoformat() if key.retired_at else ("signing" if key.signing else "verifying")
            print(f"{key.kid}  created {key.created_at.isoformat()}  {state}")
        return 0

    return _run_with_db(settings.database_url, work)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Chain pending audit rows, then recompute the whole chain and name the first broken row."""
    from services.audit import chain_pending, verify_chain

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        expect = None
        if args.expect_head:
            seq, _, digest = args.expect_head.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                return _fail("--expect-head takes POSITION:HASH as printed by an earlier verify")
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

    return _run_with_db(settings.database_url, work)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="qianbao", description="Qianbao wallet API")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", default=None, help="overrides QIANBAO_DATABASE_URL (default: sqlite://qianbao.sqlite3)")
        return p

    serve = with_db(sub.add_parser("serve", help="run the API"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(func=cmd_serve)

    with_db(sub.add_parser("migrate", help="apply migrations")).set_defaults(func=cmd_migrate)

    demo = with_db(sub.add_parser("demo", help="seed demo partners, customers and movements"))
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    partner = sub.add_parser("partner", help="manage partners").add_subparsers(dest="partner_command", required=True)
    create = with_db(partner.add_parser("create", help="create a partner and its first API client"))
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", choices=PARTNER_SCOPES, help="repeat for several (default: all)")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(func=cmd_partner_create)

    staff = sub.add_parser("staff", help="manage bank staff").add_subparsers(dest="staff_command", required=True)
    staff_create = with_db(staff.add_parser("create", help="create a staff user"))
    staff_create.add_argument("--email", required=True)
    staff_create.add_argument("--role", required=True, choices=STAFF_ROLES)
    staff_create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    staff_create.set_defaults(func=cmd_staff_create)

    keys = sub.add_parser("keys", help="JWT signing keys").add_subparsers(dest="keys_command", required=True)
    with_db(keys.add_parser("list", help="list keys")).set_defaults(func=cmd_keys)
    with_db(keys.add_parser("rotate", help="add a new signing key (old ones keep verifying)")).set_defaults(func=cmd_keys)
    retire = with_db(keys.add_parser("retire", help="retire a key: out of the JWKS, its tokens refused"))
    retire.add_argument("kid")
    retire.add_argument("--force", action="store_true", help="retire even the signing key or a key whose tokens may be live")
    retire.set_defaults(func=cmd_keys)
    add_rotate_data_parser(keys, with_db)

    audit = sub.add_parser("audit", help="audit trail").add_subparsers(dest="audit_command", required=True)
    audit_verify = with_db(audit.add_parser("verify", help="recompute the hash chain"))
    audit_verify.add_argument("--no-chain", action="store_true", help="do not chain pending rows first")
    audit_verify.add_argument("--expect-head", metavar="POSITION:HASH", help="a head printed earlier: the chain must still pass through it")
    audit_verify.set_defaults(func=cmd_audit_verify)

    ledger = sub.add_parser("ledger", help="ledger tools").add_subparsers(dest="ledger_command", required=True)
    with_db(ledger.add_parser("verify", help="check every ledger invariant")).set_defaults(func=cmd_ledger_verify)
    add_watchlist_parser(sub, with_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qianbao` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
