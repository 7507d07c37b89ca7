"""What a policy file would do to a recorded feed: every event judged in order as intake would, nothing sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from contracts import CustodyEvent
from policies.disclosure import BookingDisclosure, disclose
from policies.selection import PolicyBook

__all__ = ["DryRun", "JudgedEvent", "dry_run"]


@dataclass(frozen=True, slots=True)
class JudgedEvent:
    """One event the policy withheld, or whose person it stripped: where it is in the file, and why (no
    personal data: ids, types, the rule, the reason, the names of the fields stripped)."""

    line: int
    event_id: str
    event_type: str
    facility_ori: str
    shared: bool
    rule: str | None
    reason: str
    stripped: tuple[str, ...]


@dataclass(slots=True)
class DryRun:
    """The tally of a dry run."""

    events: int = 0
    not_covered: int = 0  # events of facilities no policy covers: shared as they are
    shared: int = 0
    withheld: Counter[str] = field(default_factory=Counter)  # by rule
    held_then_published: int = 0  # withheld when they came, published with a later event the policy shares
    bookings_still_held: int = 0  # bookings whose identity was never published by the end of the feed
    stripped: Counter[str] = field(default_factory=Counter)  # events whose person lost the field, by field
    judged: list[JudgedEvent] = field(default_factory=list)  # every event withheld or stripped, in file order

    @property
    def withheld_total(self) -> int:
        return sum(self.withheld.values())


def dry_run(book: PolicyBook, events: Iterable[tuple[int, CustodyEvent]]) -> DryRun:
    """Judge ``events`` (each with its line in the file), in the order given, under ``book``."""
    tally = DryRun()
    bookings: dict[tuple[str, str], BookingDisclosure] = {}
    for line, event in events:
        tally.events += 1
        policy = book.policy_for(event.facility_ori)
        if policy is None:
            tally.not_covered += 1
            continue
        key = (event.facility_ori, event.booking_number)
        outcome = disclose(policy, bookings.get(key), event)
        if outcome.state is not None:
            bookings[key] = outcome.state
        verdict = outcome.verdict
        if verdict.shared:
            tally.shared += 1
            tally.held_then_published += len(outcome.publish) - 1  # the held events published before it
        else:
            assert verdict.rule is not None
            tally.withheld[verdict.rule.rule] += 1
        tally.stripped.update(outcome.stripped)
        if not verdict.shared or outcome.stripped:
            tally.judged.append(
                JudgedEvent(
                    line=line,
                    event_id=event.event_id,
                    event_type=event.type,
                    facility_ori=event.facility_ori,
                    shared=verdict.shared,
                    rule=verdict.rule.rule if verdict.rule is not None else None,
                    reason=verdict.reason,
                    stripped=outcome.stripped,
                )
            )
    tally.bookings_still_held = sum(1 for state in bookings.values() if state.held)
    return tally
