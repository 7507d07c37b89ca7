"""A person's decision on a possible match: kept with the booking, and for a confirmation, the alerts of a match."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from contracts import Alert, AlertTrigger, ReviewDecision
from contracts.envelope import StreamEntry
from notifier.domain.custody import BookingState
from notifier.domain.reviews import BookingReview, reviewed_matches
from notifier.handlers.ports import NotifierPorts, Stored
from notifier.handlers.raising import BatchReport, alerts_for_match, raise_alerts
from notifier.handlers.reading import UnreadableEntryError, read_alert_review
from runtime.compare_and_set import compare_and_set
from store.bookings import BookingKey, StoredBooking

__all__ = ["AlertReviewProcessor"]

log = logging.getLogger(__name__)


class AlertReviewProcessor:
    """Acts on a person's decision on a possible match.

    The decision is kept with the booking first (compare-and-set on the booking's version), then the
    booking's state is read: a custody event saved concurrently either comes before (and its state is
    read here) or fails its save and reads the decision. A confirmation raises the alerts a match calls
    for (the normal fingerprints: a redelivered review, or a later automatic match, raises none twice);
    a rejection raises nothing, closes what was raised for the pair before (a match a correction since
    made a possible one), and from now on the other processors never raise for the pair. A batch that matched the
    pair before the decision was kept, and writes its alerts after this looked for them, closes them itself: it
    reads the booking's decisions after writing its alerts (``raise_alerts``).
    """

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        reviews: list[BookingReview] = []
        unreadable: list[tuple[StreamEntry, str]] = []
        for entry in entries:
            try:
                reviews.append(read_alert_review(entry))
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))
        await self._ports.detainers.sync()  # a detainer lifted since is not alerted on
        raised_at = self._ports.clock()
        alerts: list[Alert] = []
        states: dict[BookingKey, BookingState] = {}
        rejected: list[tuple[BookingReview, BookingState]] = []
        for review in reviews:
            stored = await self._keep_with_booking(review)
            states[stored.state.key] = stored.state
            # This pair only, as the booking now holds it (the first decision on a pair stands).
            decided = {review.detainer_ref: stored.reviews[review.detainer_ref]}
            if decided[review.detainer_ref].decision is ReviewDecision.REJECTED:
                rejected.append((decided[review.detainer_ref], stored.state))
            for detainer, evidence in reviewed_matches([], decided, self._ports.detainers.get):
                alerts += alerts_for_match(
                    stored.state,
                    detainer,
                    evidence,
                    trigger=AlertTrigger.MATCH_CONFIRMED,
                    event_id=None,
                    raised_at=raised_at,
                )
        report.alerts = await raise_alerts(self._ports, alerts, states)
        if rejected:
            await self._ports.releases.withdraw_rejected(rejected)
        await self._ports.dead_letters.send(self._ports.group, unreadable)
        report.processed = len(reviews)
        report.dead_lettered = len(unreadable)
        return report

    async def _keep_with_booking(self, review: BookingReview) -> Stored:
        """The booking with ``review`` kept on it (already there, on a redelivery: nothing is written)."""
        booking = review.booking
        kept: Stored | None = None

        async def keep_unless_changed(_: list[BookingKey]) -> list[BookingKey]:
            nonlocal kept
            stored = (await self._ports.bookings.load_many([booking]))[booking]
            if review.detainer_ref in stored.reviews:
                kept = stored
            elif await self._ports.bookings.save_review(stored, review):
                kept = StoredBooking(stored.state, stored.version + 1, {**stored.reviews, review.detainer_ref: review})
            else:
                log.info("booking changed concurrently; keeping the review again", extra={"alert_id": review.alert_id})
                return [booking]
            return []

        await compare_and_set([booking], keep_unless_changed, what="booking(s) under review")
        assert kept is not None  # set by the round that wrote nothing more
        return kept
