"""The ASGI entry point uvicorn workers import (`api.asgi:app`)."""

from api.app import create_app
from api.collector import tune_collector

app = create_app()

# Everything built at start-up lives as long as the worker; short collector pauses (api/collector.py).
tune_collector()
