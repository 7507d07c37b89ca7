"""The policies a service enforces: loaded at start (a bad file stops the start), reloaded on SIGHUP (a bad file
is refused and the policies in force stay), each change told with the file's digest for the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.policies import PolicyFile
from policies.loading import LoadedPolicies, load_policy_file
from policies.selection import PolicyBook

__all__ = ["PoliciesInForce", "PolicyChange"]


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """What the audit trail records of a (re)load: the file, its digest before and after, how many policies."""

    source: str
    previous_digest: str | None  # None: the first load
    digest: str
    policies: int


class PoliciesInForce:
    """The policy file named by the settings (None: no file, every facility shares everything)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._loaded: LoadedPolicies | None = None
        self.book = PolicyBook(PolicyFile())

    @property
    def digest(self) -> str | None:
        return self._loaded.digest if self._loaded is not None else None

    def load(self) -> PolicyChange | None:
        """Read the file (at start, and again on SIGHUP). Raises ``PolicyFileError`` for a file that cannot be
        used, leaving the policies in force as they were. Returns the change, or None when the file is the one
        in force already (or there is no file)."""
        if self._path is None:
            return None
        loaded = load_policy_file(self._path)
        previous = self.digest
        if loaded.digest == previous:
            return None
        self._loaded = loaded
        self.book = PolicyBook(loaded.policies)
        return PolicyChange(loaded.source, previous, loaded.digest, len(self.book))
