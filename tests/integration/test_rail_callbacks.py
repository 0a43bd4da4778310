"""The rail callback's own checks (services.rails.callbacks), below the HTTP route: configuration and refusals."""

from __future__ import annotations

import json

from models import RailCallback
from services.rails import registry
from services.rails.callbacks import MAX_BODY_BYTES, accept_callback


async def test_production_without_a_callback_secret_accepts_nothing(database_url, monkeypatch):
    registry.reset()
    monkeypatch.setenv("QIANBAO_ENV", "production")
    monkeypatch.delenv("QIANBAO_RAIL_CALLBACK_SECRET", raising=False)
    answer = await accept_callback("simulated", b"{}", {})
    assert (answer.status, answer.body["code"]) == (503, "NOT_CONFIGURED")
    monkeypatch.setenv("QIANBAO_RAIL_CALLBACK_SECRET", "whsec_" + "c2VjcmV0LWZvci10aGUtcmFpbC10ZXN0")
    unsigned = await accept_callback("simulated", json.dumps({"reference": "r", "status": "SETTLED"}).encode(), {})
    assert (unsigned.status, unsigned.body["code"]) == (401, "UNAUTHENTICATED")
    registry.reset()


async def test_unknown_rails_and_oversized_bodies_are_refused_before_anything_is_read(database_url):
    before = await RailCallback.all().count()
    assert (await accept_callback("nowhere", b"{}", {})).status == 404
    assert (await accept_callback("simulated", b"x" * (MAX_BODY_BYTES + 1), {})).status == 413
    assert await RailCallback.all().count() == before
    registry.reset()
