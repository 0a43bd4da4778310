"""`qianbao staff create`: a bank staff user, its password from a prompt or standard input."""

from __future__ import annotations

import argparse
import sys

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings
from auth.roles import STAFF_ROLES


class NoPassword(Exception):
    """The password could not be read: why, as one line for the user."""


def _read_password(args: argparse.Namespace) -> str:
    """The new user's password, from one line of standard input or typed twice at the prompt."""
    if args.password_stdin:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:  # closed or empty: end of input before any line
            raise NoPassword("no password on standard input (it was empty or closed): pipe one line with --password-stdin")
        return line.rstrip("\n")
    if sys.stdin is None or not sys.stdin.isatty():
        raise NoPassword("no password: type it at the prompt, or pipe it with --password-stdin")
    import getpass

    try:
        first = getpass.getpass("Password (12+ characters): ")
        repeated = getpass.getpass("Repeat: ")
    except EOFError:  # Ctrl-D at the prompt
        if sys.stderr.isatty():
            print(file=sys.stderr)  # end the prompt's line
        raise NoPassword("no password typed (end of input at the prompt); no staff user created") from None
    if repeated != first:
        raise NoPassword("the passwords differ; no staff user created")
    return first


def cmd_staff_create(args: argparse.Namespace) -> int:
    """Create a bank staff user; the password comes from a prompt or standard input."""
    from services.audit import Actor, record_event
    from services.errors import DomainError
    from services.staff import create_staff

    settings = load_settings(database_url=args.database_url)
    try:
        password = _read_password(args)
    except NoPassword as exc:
        return fail(str(exc))

    async def work() -> int:
        try:
            staff = await create_staff(email=args.email, role=args.role, password=password)
        except DomainError as exc:
            await record_event(actor=Actor(kind="cli", id="qianbao staff create"), operation="staffCreate",
                               outcome=exc.code, object_type="StaffUser", detail=exc.message)
            return fail(exc.message)
        await record_event(actor=Actor(kind="cli", id="qianbao staff create"), operation="staffCreate", outcome="OK",
                           object_type="StaffUser", object_id=str(staff.id), detail=f"role={staff.role}")
        print(f"staff user {staff.email} ({staff.role}) created: {staff.id}")
        return 0

    return run_with_db(settings.database_url, work)


def add_staff_parser(sub: argparse._SubParsersAction) -> None:
    """Add `staff create` to the top-level sub-commands."""
    staff = sub.add_parser("staff", help="manage bank staff").add_subparsers(dest="staff_command", required=True)
    staff_create = with_db(staff.add_parser("create", help="create a staff user"))
    staff_create.add_argument("--email", required=True)
    staff_create.add_argument("--role", required=True, choices=STAFF_ROLES)
    staff_create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    staff_create.set_defaults(func=cmd_staff_create)
