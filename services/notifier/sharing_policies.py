"""The sharing policies where the notifier raises alerts: the same file ingest enforces (``RW_POLICIES_FILE``).

Ingest withholds custody events at intake; what depends on the detainer (its form, a judicial warrant) or on a
roster (the releases it implies) is only known here, so the notifier loads the file too: at start (a file that
cannot be used stops it, naming the line) and again on SIGHUP (a bad file is refused, the policies in force stay).
"""

from __future__ import annotations

import logging
from pathlib import Path

from contracts.policies import JurisdictionPolicy
from policies import PoliciesInForce, PolicyFileError

__all__ = ["SharingPolicies"]

log = logging.getLogger(__name__)


class SharingPolicies:
    """The policies in force in this notifier, looked up by facility."""

    def __init__(self, path: Path | None) -> None:
        self._in_force = PoliciesInForce(path)
        self._path = path

    def load(self) -> None:
        """The first load. Raises ``PolicyFileError`` for a file that cannot be used."""
        change = self._in_force.load()
        if change is not None:
            log.info("sharing policies loaded", extra={"digest": change.digest, "policies": change.policies})

    def reload(self) -> bool:
        """Read the file again (SIGHUP); a bad file is refused and logged. True when what is in force changed."""
        if self._path is None:
            return False
        try:
            change = self._in_force.load()
        except PolicyFileError as error:
            log.error(
                "sharing policies NOT reloaded: the file is refused, the policies in force stay",
                extra={"policies_file": error.source, "problems": [str(problem) for problem in error.problems]},
            )
            return False
        if change is None:
            return False
        log.info(
            "sharing policies reloaded",
            extra={"digest": change.digest, "previous_digest": change.previous_digest, "policies": change.policies},
        )
        return True

    def policy_for(self, facility_ori: str) -> JurisdictionPolicy | None:
        return self._in_force.book.policy_for(facility_ori)
