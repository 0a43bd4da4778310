"""The ASGI entry point uvicorn workers import (`api.asgi:app`)."""

from api.app import create_app

app = create_app()
