"""Keeping the cyclic garbage collector out of a long-running service's way.

Everything a service holds once it has started (its modules, their classes and schemas, the compiled
validators, its settings, an index loaded at start) lives as long as the process. Left to the collector, each
full collection walks all of it again: measured on the notifier between batches of a steady trickle, a full
collection took 60 to 90 ms, once every few seconds, and every event in flight waited for it. ``settle`` runs one
collection and then freezes what survived (``gc.freeze``): later collections walk only what was made since.

It also makes young collections rarer: every ``YOUNG_COLLECTION_EVERY`` allocations instead of Python's 700. A
batch's objects (hundreds of states, events and alerts, alive across the batch's round trips to Redis) outlived
the frequent young collections that ran in the middle of it, were promoted, and set off full collections:
measured on the notifier draining 84,000 events, 58 full collections of about 120 ms each (7 s of a 40 s drain)
with Python's thresholds, one with these; the custody path's CPU an event about a sixth less. Every 20,000 still
collected in the middle of a batch of 500 (its objects peak above that between its round trips): 51 young
collections of about 10 ms each in that drain, 4.5% of the notifier's CPU; every 50,000, none in it (the
cyclic garbage a batch leaves is small: the count falls back as its objects are freed).
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_COLLECTION_EVERY", "settle"]

YOUNG_COLLECTION_EVERY = 50_000  # allocations (less deallocations) of tracked objects between young collections


def settle() -> None:
    """Once started: collect what start-up left behind, put the rest out of later collections' way, and
    collect the young generation every ``YOUNG_COLLECTION_EVERY`` allocations."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)
