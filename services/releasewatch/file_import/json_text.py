"""Reading the JSON an import file holds (an NDJSON line, a CSV cell) as the API reads it: JSON alone, so a row
the API would refuse as not JSON is rejected before it is sent, with the reason, and never breaks the import."""

from __future__ import annotations

import json
from typing import Any

from ingest.body import holds_a_lone_surrogate

__all__ = ["NotJsonError", "read_json_text"]


class NotJsonError(ValueError):
    """The text is not JSON; the reason names a position or a constant, never the text."""


def _no_constant(name: str) -> Any:
    raise NotJsonError(f"{name} is not a JSON value")


def read_json_text(text: str) -> Any:
    """The value ``text`` holds; ``NotJsonError`` when it is not JSON: broken, holding NaN or Infinity (which
    Python's reader takes and no JSON reader does), a \\u escape naming half of a character (which Python's
    reader takes, and no UTF-8 writer writes), or nested deeper than it reads."""
    document = _read(text)
    if "\\u" in text and holds_a_lone_surrogate(document):
        raise NotJsonError("a \\u escape names half of a character")
    return document


def _read(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise NotJsonError(f"{error.msg} at character {error.pos}") from None
    except RecursionError:
        raise NotJsonError("nested too deeply to read") from None
    except NotJsonError:
        raise
    except ValueError as error:  # a number of more digits than Python reads, say (the message names the limit)
        raise NotJsonError(str(error)) from None
