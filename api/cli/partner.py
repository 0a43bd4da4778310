"""`qianbao partner create`: a partner and its first API client, the secret printed once."""

from __future__ import annotations

import argparse
import json

from api.cli.common import fail, run_with_db, with_db
from api.settings import load_settings
from auth.scopes import PARTNER_SCOPES


def cmd_partner_create(args: argparse.Namespace) -> int:
    """Create a partner and its first API client; print the secret once."""
    from schema.common.relay import to_global_id
    from services.errors import DomainError
    from services.partners.onboarding import create_partner

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        try:
            created = await create_partner(
                name=args.name, scopes=args.scope or None, environment="SANDBOX" if args.sandbox else "LIVE"
            )
        except DomainError as exc:
            return fail(exc.message)
        out = {
            # The partner's global ID: the one feeRuleCreate(partnerId:) and every other API argument accepts.
            "partner_id": to_global_id("Partner", created.partner.id),
            "api_client_id": to_global_id("ApiClient", created.client.id),
            "client_id": created.client.client_id,
            "client_secret": created.client_secret,
            "scope": " ".join(created.client.scopes),
            "environment": created.partner.environment.value,  # LIVE, or SANDBOX with --sandbox
        }
        if args.json:
            print(json.dumps(out))
        else:
            print(f"partner      {created.partner.name} ({out['partner_id']})")
            print(f"client_id    {out['client_id']}")
            print(f"client_secret {out['client_secret']}   (shown once: store it now)")
            print(f"scope        {out['scope']}")
            print(f"environment  {out['environment']}")
        return 0

    return run_with_db(settings.database_url, work)


def add_partner_parser(sub: argparse._SubParsersAction) -> None:
    """Add `partner create` to the top-level sub-commands."""
    partner = sub.add_parser("partner", help="manage partners").add_subparsers(dest="partner_command", required=True)
    create = with_db(partner.add_parser("create", help="create a partner and its first API client"))
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", choices=PARTNER_SCOPES, help="repeat for several (default: all)")
    create.add_argument(
        "--sandbox", action="store_true",
        help="a sandbox partner: test credentials, customers and money apart from live data (default: live)",
    )
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(func=cmd_partner_create)
