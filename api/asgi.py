"""The ASGI entry point uvicorn workers import (`api.asgi:app`)."""

import gc

from api.app import create_app

app = create_app()

# Everything built at start-up lives as long as the worker: keep it out of the
# collector's way, and collect young objects less often (requests allocate many
# short-lived ones; fewer pauses, measured by bench/transfers.py).
gc.freeze()
gc.set_threshold(50_000, 20, 20)
