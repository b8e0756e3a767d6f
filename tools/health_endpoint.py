"""GET /health on Rasa's own server: is the conversation store writing? (`install`)

    200 {"store": "ok", "unsaved_turns": 0, ...}
    503 {"store": "failing", "unsaved_turns": 3, "unsaved_conversations": 1,
         "unsaved_escalations": 1, "not_spooled": 0, "last_error_at": "2026-…Z",
         "last_error": "OperationalError: database or disk is full"}

A monitor polls it; counts and times only, no conversation ids (the port is public, for the
widget and the webhooks). The same patch runs a task that retries unsaved conversations
every BOT_STORE_RETRY_INTERVAL_SECONDS, so a conversation whose patient never writes again
is still written once the database takes it (conversation_store.tracker_store).

Rasa internals touched (Rasa 3.6.21 only): `rasa.core.run.configure_app`, the function
`serve_application` calls by its module-global name to build the Sanic app; it is wrapped to
add the route and the task to the app it returns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
ROUTE = "/health"


def health_report() -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of /health."""
    from conversation_store.tracker_store import active_store

    store = active_store()
    if store is None:  # no database configured (`make bench --no-store`), or not loaded yet
        return 200, {"store": "none"}
    report = store.health.report()
    return (503 if report["store"] == "failing" else 200), report


async def retry_unsaved_forever() -> None:
    from conversation_store.tracker_store import active_store

    while True:
        store = active_store()
        await asyncio.sleep(store.retry_interval if store else 5)
        if store is not None and store.health.unsaved:
            waiting = store.flush_unsaved()
            logger.info("Unsaved conversations retried: %d still waiting", waiting)


def install() -> None:
    """Add /health and the retry task to the app `rasa run` builds."""
    import rasa
    import rasa.core.run

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"tools.health_endpoint patches Rasa {RASA_VERSION} internals "
            f"(rasa.core.run.configure_app); this is Rasa {rasa.__version__}: check them"
        )
    configure = rasa.core.run.configure_app
    if getattr(configure, "serves_health", False):
        return

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        from sanic import response

        app = configure(*args, **kwargs)

        async def health(_request: Any) -> Any:
            status, body = health_report()
            return response.json(body, status=status)

        app.add_route(health, ROUTE, methods=["GET"], name="store_health")
        app.add_task(retry_unsaved_forever)
        return app

    configure_app.serves_health = True  # type: ignore[attr-defined]
    rasa.core.run.configure_app = configure_app  # type: ignore[assignment]
