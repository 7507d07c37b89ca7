"""SHA-256 of the many short strings the hot paths digest (the booking index's blocking keys, receipts of events).

``hashlib.sha256`` goes through OpenSSL where Python was built with it, and OpenSSL 3 sets up a context for every
hash object: for a key of twenty-odd bytes that is most of the cost (about 1 µs a digest, measured on 10 blocking
keys at a time). CPython ships its own SHA-256 as well (the ``_sha2`` module since 3.12, ``_sha256`` before),
with no such set-up: about 0.6 µs. The digests are the same; ``sha256`` is that implementation where the
interpreter has it, else ``hashlib``'s.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from typing import Protocol, cast

__all__ = ["Hash", "sha256"]


class Hash(Protocol):
    def digest(self) -> bytes: ...

    def hexdigest(self) -> str: ...


def _builtin_sha256() -> Callable[[bytes], Hash]:
    for module in ("_sha2", "_sha256"):  # CPython 3.12 on, 3.11
        try:
            return cast(Callable[[bytes], Hash], importlib.import_module(module).sha256)
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256  # another interpreter: the same digests, through hashlib


sha256: Callable[[bytes], Hash] = _builtin_sha256()
