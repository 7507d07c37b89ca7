"""The sharing policies a process enforces: the file loaded at start, reloaded on SIGHUP, each load in the audit trail.

Ingest enforces them at intake; each notifier enforces what depends on the detainer (its form, a judicial warrant)
or on a roster (the releases it implies). Both read the same file, and each records its own loads under its own
name (``actor``), so the trail shows which process enforced which file when.

A file that cannot be used stops the start (``python -m ingest`` and ``python -m notifier`` say which line and why,
and exit); on a reload it is refused, the policies in force stay, and the log and the audit trail say why. Every
load that changes what is in force (the first one included) is recorded with the file's digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from contracts.policies import JurisdictionPolicy
from policies.in_force import PoliciesInForce, PolicyChange
from policies.loading import PolicyFileError
from policies.selection import PolicyBook
from store.audit import AuditTrail

__all__ = ["PolicyEnforcement"]

log = logging.getLogger(__name__)


class PolicyEnforcement:
    """The policies in force in this process, and their (re)loading."""

    def __init__(self, path: Path | None, *, actor: str) -> None:
        self.path = path
        self.actor = actor  # who the audit trail says loaded the file: "ingest", "notifier"
        self._in_force = PoliciesInForce(path)
        self._first: PolicyChange | None = None
        self._loaded = False
        self._reloading: asyncio.Task[bool] | None = None

    @property
    def book(self) -> PolicyBook:
        return self._in_force.book

    @property
    def digest(self) -> str | None:
        return self._in_force.digest

    def policy_for(self, facility_ori: str) -> JurisdictionPolicy | None:
        return self._in_force.book.policy_for(facility_ori)

    def load(self) -> None:
        """The first load (before serving). Raises ``PolicyFileError`` for a file that cannot be used."""
        if self._loaded:
            return
        self._first = self._in_force.load()
        self._loaded = True

    async def record_start(self, audit: AuditTrail) -> None:
        """Put the first load in the audit trail (once Redis is there)."""
        change, self._first = self._first, None
        if change is not None:
            await self._record(audit, "policies.loaded", change)
            log.info("sharing policies loaded", extra=_described(change))

    async def reload(self, audit: AuditTrail) -> bool:
        """Read the file again (SIGHUP). A file that cannot be used is refused: the policies in force stay,
        and the log and the audit trail say why. True when what is in force changed."""
        if self.path is None:
            log.info("SIGHUP: no RW_POLICIES_FILE is set, no sharing policy to reload")
            return False
        try:
            change = self._in_force.load()
        except PolicyFileError as error:
            log.error(
                "sharing policies NOT reloaded: the file is refused, the policies in force stay",
                extra={"policies_file": error.source, "problems": [str(problem) for problem in error.problems]},
            )
            await audit.record(
                actor=self.actor,
                action="policies.refused",
                target=self.digest or "none",
                detail=f"{error.describe()}\nstill in force: {self.digest or 'no policy file'}",
            )
            return False
        if change is None:
            log.info("SIGHUP: the sharing policy file is unchanged", extra={"digest": self.digest})
            return False
        await self._record(audit, "policies.reloaded", change)
        log.info("sharing policies reloaded", extra=_described(change))
        return True

    def reload_on_hangup(self, audit: AuditTrail) -> bool:
        """Reload on SIGHUP from now on (in the main thread's event loop only). True when installed."""
        loop = asyncio.get_running_loop()

        def hang_up() -> None:
            if self._reloading is None or self._reloading.done():
                self._reloading = loop.create_task(self.reload(audit))

        try:
            loop.add_signal_handler(signal.SIGHUP, hang_up)
        except (ValueError, RuntimeError, NotImplementedError, AttributeError):
            return False  # not the main thread (an app served in a thread by tests), or no SIGHUP here
        return True

    def stop_reloading(self) -> None:
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    async def _record(self, audit: AuditTrail, action: str, change: PolicyChange) -> None:
        await audit.record(
            actor=self.actor,
            action=action,
            target=change.digest,
            detail=f"{change.source}: {change.policies} polic{'y' if change.policies == 1 else 'ies'} in force; "
            f"before: {change.previous_digest or 'none'}",
        )


def _described(change: PolicyChange) -> dict[str, object]:
    return {
        "policies_file": change.source,
        "digest": change.digest,
        "previous_digest": change.previous_digest,
        "policies": change.policies,
    }
