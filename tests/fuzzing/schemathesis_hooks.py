"""Loaded by schemathesis (``SCHEMATHESIS_HOOKS``) when the tests fuzz the API: how to send a body as
NDJSON, the batch endpoint's second media type (one JSON document per line)."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    items = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(item) for item in items).encode()
