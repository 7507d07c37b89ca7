"""Which policy applies to a facility: the most specific one covering it."""

from __future__ import annotations

from contracts.policies import JurisdictionPolicy, PolicyFile

__all__ = ["PolicyBook"]

# A facility's ORI is covered by its full ORI, its county (state and 3 characters) and its state, most
# specific first.
_PREFIX_LENGTHS = (9, 5, 2)


class PolicyBook:
    """The policies of one file, looked up by facility."""

    def __init__(self, policies: PolicyFile) -> None:
        self.file = policies
        self._by_jurisdiction = {policy.jurisdiction: policy for policy in policies.policies}

    def policy_for(self, facility_ori: str) -> JurisdictionPolicy | None:
        """The facility's own policy, else its county's, else its state's; None: it shares everything."""
        for length in _PREFIX_LENGTHS:
            policy = self._by_jurisdiction.get(facility_ori[:length])
            if policy is not None:
                return policy
        return None

    def overridden_by(self, policy: JurisdictionPolicy) -> list[JurisdictionPolicy]:
        """The more specific policies inside ``policy``'s jurisdiction, which apply there instead of it."""
        return sorted(
            (
                other
                for other in self.file.policies
                if len(other.jurisdiction) > len(policy.jurisdiction)
                and other.jurisdiction.startswith(policy.jurisdiction)
            ),
            key=lambda other: other.jurisdiction,
        )

    def overrides(self, policy: JurisdictionPolicy) -> list[JurisdictionPolicy]:
        """The broader policies ``policy`` takes the place of inside its own jurisdiction."""
        return [
            other
            for length in _PREFIX_LENGTHS
            if length < len(policy.jurisdiction)
            and (other := self._by_jurisdiction.get(policy.jurisdiction[:length])) is not None
        ]

    def __len__(self) -> int:
        return len(self._by_jurisdiction)
