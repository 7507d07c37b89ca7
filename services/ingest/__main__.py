"""`python -m ingest`: serve the API with uvicorn."""

from __future__ import annotations

import uvicorn

from ingest.app import create_app
from ingest.server import IngestServer
from ingest.settings import IngestSettings
from runtime import configure_logging


def main() -> None:
    settings = IngestSettings()
    configure_logging(settings.log_level, settings.log_format, service="ingest")
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep our handlers: structured, no personal data
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    IngestServer(app, config).run()


if __name__ == "__main__":
    main()
