"""services.ledger.postgres: the one-statement PostgreSQL backend, called with a plan.

The scenarios (shared with the SQLite backend) are in
tests/integration/backend_support.py; they run here on PostgreSQL only.
"""

from __future__ import annotations

import pytest

from models import LimitUsage, Transaction
from services.caches import USAGE_ROWS
from services.compliance.posting_checks import StaleStanding
from services.ledger.postgres import post_on_postgres
from tests.conftest import requires_postgres
from tests.integration.backend_support import SCENARIOS, funded, planned, transfer_request

pytestmark = requires_postgres


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_the_postgres_backend(database_url, scenario):
    await scenario(post_on_postgres)


async def test_a_usage_row_gone_since_planning_asks_to_plan_again(database_url):
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "3.00"))
    await LimitUsage.filter(customer_id=f.payer.customer_id).delete()  # e.g. a restore, after planning
    with pytest.raises(StaleStanding):
        await post_on_postgres(f.principal, checked, plan, None)
    assert (f.payer.customer_id, "CNY") not in USAGE_ROWS  # forgotten: the next plan creates the row again
    assert not await Transaction.filter(id=checked.transaction_id).exists()
