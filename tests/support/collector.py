"""Collecting what earlier code left for the cyclic garbage collector, without its warnings failing the test that
happens to collect (a socket closed by a transport's callback that an event loop ended before warns then)."""

from __future__ import annotations

import gc
import warnings


def collect_quietly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
