"""What a policy decided about one thing (an event, an inferred release, a detainer), and why."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.policies import JurisdictionPolicy, PolicyRule, Withholding

__all__ = ["NO_POLICY", "Verdict", "rule_of"]


def rule_of(policy: JurisdictionPolicy, clause: str) -> PolicyRule:
    """The rule ``clause`` (``share.release``, ``never_share[0]``...) of ``policy``, named for counting."""
    return PolicyRule(rule=f"{policy.jurisdiction} {clause}", policy=policy.name)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Shared or withheld, by which rule (None: no policy covers the facility), and why in words."""

    shared: bool
    rule: PolicyRule | None
    reason: str

    @property
    def by_never_share(self) -> bool:
        """Decided by one of the policy's ``never_share`` conditions (nothing about the booking is shared)."""
        return self.rule is not None and " never_share[" in self.rule.rule

    @property
    def withholding(self) -> Withholding | None:
        """The ``withheld`` of the answer to the source, for a withheld event."""
        if self.shared or self.rule is None:
            return None
        return Withholding(rule=self.rule.rule, policy=self.rule.policy, reason=self.reason)


NO_POLICY = Verdict(True, None, "no sharing policy covers this facility: everything is shared")
