"""Where the tests get a real browser: Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot run where the network is closed, so the tests drive the
system's Chromium (``RW_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH, else
``/usr/bin/chromium``). Without one the browser tests are skipped, saying why; on CI (``CI`` set),
where ``.ci/run`` installs it, a missing Chromium is a failure instead, so the tests cannot go quiet.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "chromium_path"]

# Headless as root needs --no-sandbox; the rest keeps Chromium from reaching for the network or updates.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """The Chromium to drive, or None when there is none here."""
    named = os.environ.get("RW_CHROMIUM")
    if named:
        return named
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
