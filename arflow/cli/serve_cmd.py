"""`arflow serve`: the scheduler (daily cycle, dispatcher every minute) until Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

from arflow.cli.context import database, fail, settings


def serve_command() -> None:
    """Run the service: the daily cycle at the configured time, mail every minute."""
    from arflow.jobs import cycle_time
    from arflow.service import serve
    from arflow.settings import SettingsError

    config = settings()
    try:
        cycle_time(config)
    except SettingsError as exc:
        fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(config, database()))
