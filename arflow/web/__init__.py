"""The web app and REST API (FastAPI): ``create_app(settings, engine)``."""

from arflow.web.app import create_app

__all__ = ["create_app"]
