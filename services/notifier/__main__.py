"""`python -m notifier`: consume the streams, serve health and metrics."""

from __future__ import annotations

import logging
import sys

import uvicorn

from notifier.bootstrap import build_notifier
from notifier.consuming.dead_letters import AUDIT_ACTOR
from notifier.http import create_http_app
from notifier.settings import NotifierSettings
from policies import PolicyFileError
from policies.enforcement import PolicyEnforcement
from runtime import configure_logging


def main() -> None:
    settings = NotifierSettings()
    configure_logging(settings.log_level, settings.log_format, service="notifier")
    logging.getLogger("notifier.broker").setLevel(logging.WARNING)  # FastStream's per-task chatter
    policies = PolicyEnforcement(settings.policies_file, actor=f"{AUDIT_ACTOR} {settings.consumer_name}")
    try:
        policies.load()
    except PolicyFileError as error:  # every problem with its line; no traceback
        sys.exit(f"notifier will not start: RW_POLICIES_FILE is refused.\n{error.describe()}")
    notifier = build_notifier(settings, policies=policies)
    uvicorn.run(
        create_http_app(notifier),
        host=settings.health_host,
        port=settings.health_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 5,
    )


if __name__ == "__main__":
    main()
