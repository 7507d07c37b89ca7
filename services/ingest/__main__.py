"""`python -m ingest`: serve the API with uvicorn."""

from __future__ import annotations

import sys

import uvicorn

from ingest.app import create_app
from ingest.auth import ApiKeys
from ingest.policies.intake import AUDIT_ACTOR
from ingest.server import IngestServer
from ingest.settings import IngestSettings
from policies import PolicyFileError
from policies.enforcement import PolicyEnforcement
from runtime import configure_logging

_MAKE_A_KEY = (
    "make one with `releasewatch api-key --name NAME --role operator` (in a container: `docker compose run --rm "
    "--no-deps ingest releasewatch api-key ...`) and put the entry it prints in RW_API_KEYS or RW_API_KEYS_FILE"
)


def _refusal_to_start(settings: IngestSettings) -> str | None:
    """Why this API would refuse every call, said before it starts rather than after."""
    try:
        keys = ApiKeys.configured(auth=settings.auth, api_keys=settings.api_keys, api_keys_file=settings.api_keys_file)
    except (ValueError, OSError) as error:  # not JSON, not key entries (a ValueError too), no such file
        return f"the API keys cannot be read ({type(error).__name__}): check RW_API_KEYS and RW_API_KEYS_FILE"
    if keys.required and len(keys) == 0:
        return f"RW_AUTH=required but no API key is configured, so every call would be refused: {_MAKE_A_KEY}"
    return None


def main() -> None:
    settings = IngestSettings()
    configure_logging(settings.log_level, settings.log_format, service="ingest")
    refusal = _refusal_to_start(settings)
    if refusal is not None:
        sys.exit(f"ingest will not start: {refusal}")
    policies = PolicyEnforcement(settings.policies_file, actor=AUDIT_ACTOR)
    try:
        policies.load()
    except PolicyFileError as error:  # every problem with its line; no traceback
        sys.exit(f"ingest will not start: RW_POLICIES_FILE is refused.\n{error.describe()}")
    app = create_app(settings, policies=policies)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep our handlers: structured, no personal data
        access_log=False,
        timeout_graceful_shutdown=10,
        http="httptools",  # a dependency: the C parser, not h11 (docs/performance.md)
    )
    IngestServer(app, config).run()


if __name__ == "__main__":
    main()
