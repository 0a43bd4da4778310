"""services.ledger.sqlite: the SQLite posting backend, called with a plan, on the checks and writes both backends share.

The scenarios are in tests/integration/backend_support.py; they run here on SQLite only.
"""

from __future__ import annotations

import pytest

from models import LimitUsage
from services.ledger.sqlite import USAGE_UPDATE, post_on_sqlite
from tests.conftest import backend
from tests.integration.backend_support import SCENARIOS, funded, planned, transfer_request

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="the SQLite backend runs on SQLite")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_the_sqlite_backend(database_url, scenario):
    await scenario(post_on_sqlite)


async def test_a_missing_usage_row_is_created_inside_the_posting(database_url):
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "3.00"))
    await LimitUsage.filter(customer_id=f.payer.customer_id).delete()  # e.g. a restore, after planning
    await post_on_sqlite(f.principal, checked, plan, None)
    usage = await LimitUsage.get(customer_id=f.payer.customer_id, currency="CNY")
    assert (usage.day_out_minor, usage.lifetime_out_minor) == (300, 300)


def test_totals_saturate_instead_of_overflowing():
    assert "CASE WHEN lifetime_out_minor > $7 - $6 THEN $7 ELSE lifetime_out_minor + $6 END" in USAGE_UPDATE
