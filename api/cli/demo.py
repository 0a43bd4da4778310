"""`qianbao demo`: seed demo partners, customers and movements; print credentials and a first query."""

from __future__ import annotations

import argparse
import secrets

from api.cli.common import run_with_db, with_db
from api.settings import load_settings


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed demo data and print credentials and a first query."""
    from services.demo import seed_demo

    settings = load_settings(database_url=args.database_url)

    async def work() -> int:
        partners = await seed_demo(run_id=secrets.token_hex(3), history_days=args.days)
        base = f"http://{args.host}:{args.port}"
        for partner in partners:
            creds = partner.credentials
            print(f"\n{partner.name}\n  client_id     {creds.client.client_id}\n  client_secret {creds.client_secret}")
            if partner.history is not None:
                h = partner.history
                print(f"  history       {h.days} days, {h.postings} movements ({h.merchant_payments} merchant payments),"
                      f" {h.kyc_decided} KYC decisions")
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

    return run_with_db(settings.database_url, work)


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    """Add `demo` to the top-level sub-commands."""
    demo = with_db(sub.add_parser("demo", help="seed demo partners, customers and movements"))
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--days", type=int, default=42, help="days of past activity per partner (0: none; default 42)")
    demo.set_defaults(func=cmd_demo)
