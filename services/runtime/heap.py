"""Keeping the cyclic garbage collector's full collections short in a long-running service.

Everything a service holds once it has started (its modules, their classes and schemas, the compiled
validators, its settings, an index loaded at start) lives as long as the process. Left to the collector, each
full collection walks all of it again: measured on the notifier between batches of a steady trickle, a full
collection took 60 to 90 ms, once every few seconds, and every event in flight waited for it. ``settle`` runs one
collection and then freezes what survived (``gc.freeze``): later collections walk only what was made since.
"""

from __future__ import annotations

import gc

__all__ = ["settle"]


def settle() -> None:
    """Once started: collect what start-up left behind, then put the rest out of later collections' way."""
    gc.collect()
    gc.freeze()
