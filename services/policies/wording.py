"""A policy told in words, rule by rule, as ``releasewatch policy check`` prints it for the people who wrote it."""

from __future__ import annotations

from contracts.policies import IdentityField, JurisdictionPolicy, ShareRule
from policies.conditions import describe_condition
from policies.disclosure import EVENT_WORDS
from policies.selection import PolicyBook

__all__ = ["explain_policy"]

_LEVEL_WORDS = {
    "state": "every facility of the state {j}",
    "county": "every facility whose ORI starts {j} (one county)",
    "facility": "the facility {j}",
}


def _share_words(rule: ShareRule) -> str:
    if rule.always is not None:
        return "always shared" if rule.always else "never shared"
    assert rule.when is not None
    return f"shared only when {describe_condition(rule.when)}"


def explain_policy(book: PolicyBook, policy: JurisdictionPolicy) -> list[str]:
    """The policy's rules, one line each, with the rule names withheld events are counted by."""
    j = policy.jurisdiction
    lines = [f"{j}: {policy.name}", f"  applies to {_LEVEL_WORDS[policy.level].format(j=j)}"]
    broader = book.overrides(policy)
    if broader:
        lines.append("    in place of " + ", ".join(f"{other.jurisdiction} ({other.name})" for other in broader))
    narrower = book.overridden_by(policy)
    if narrower:
        lines.append(
            "    except where a more specific policy applies: " + ", ".join(other.jurisdiction for other in narrower)
        )
    for index, condition in enumerate(policy.never_share):
        lines.append(
            f"  [{j} never_share[{index}]] nothing about a booking is shared when {describe_condition(condition)}"
        )
    for event_type, words in EVENT_WORDS.items():
        rule: ShareRule = getattr(policy.share, event_type)
        lines.append(f"  [{j} share.{event_type}] {words}: {_share_words(rule)}")
    if policy.share.booking.always is not True:
        lines.append(
            "    a booking not shared is held (stripped) and published only with a later event this policy shares; "
            "no in-custody alert is ever raised for it unless the booking rule comes to hold; corrections "
            "(booking_updated) go with the booking"
        )
    lines.append(
        "    a release cancellation is shared when it cancels a release schedule that was shared; releases inferred "
        "from a roster follow share.release"
    )
    shared = policy.shared_identity
    kept = [field.value for field in IdentityField if field in shared]
    stripped = [field.value for field in IdentityField if field not in shared]
    lines.append(f"  identity shared: {', '.join(kept)}")
    if stripped:
        lines.append(
            f"  identity stripped before anything is stored or published, and kept nowhere: {', '.join(stripped)}"
            + (" (also an alias's middle name)" if IdentityField.MIDDLE_NAME not in shared else "")
        )
    else:
        lines.append("  identity stripped: nothing (every field is shared)")
    forms = "any form" if policy.detainer_forms is None else ", ".join(f.value for f in policy.detainer_forms)
    lines.append(f"  [{j} detainer_forms] alerts only for detainers on {forms}")
    if policy.require_judicial_warrant:
        lines.append(f"  [{j} require_judicial_warrant] alerts only for detainers backed by a judicial warrant")
    else:
        lines.append("  a judicial warrant is not required")
    return lines
