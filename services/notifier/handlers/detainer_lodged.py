"""A newly lodged detainer: the alerts its subject calls for, found in custody now or recently left; and a lifted
one: its alerts still open, closed (``domain.lifts``).

Every booking whose person we know is filed by blocking key (``store.booking_index``); a lodged detainer looks
up its subject's search keys there and decides each candidate booking exactly as that booking's own events
would be decided (over every active detainer, with people's decisions on the booking), so the alerts depend on
the booking's state, never on which came first, the booking or the lodge. A batch's lodges are looked up together
(one round trip for every lodge's keys, another for every candidate's state), then decided one by one. A
candidate whose person is not even a possible match for the lodge's subject (on its own, which deciding among
more detainers could only lower), and on which no one confirmed the pair, is looked at for its person alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from contracts import Alert, AlertTrigger, DetainerLodged, MatchEvidence
from contracts.envelope import StreamEntry
from notifier.domain.alert_rules import DetainerRef
from notifier.domain.custody import BookingState, stored_person
from notifier.domain.reviews import reviewed_matches
from notifier.handlers.ports import NotifierPorts
from notifier.handlers.raising import BatchReport, alerts_for_match, raise_alerts
from notifier.handlers.reading import UnreadableEntryError, read_detainer_change
from store.bookings import BookingKey
from store.detainers import detainer_ref_of

__all__ = ["DetainerLodgeProcessor"]


class DetainerLodgeProcessor:
    """Raises alerts for a newly lodged detainer whose subject is in custody, or left recently; closes a lifted
    detainer's alerts still open."""

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        lodged: list[str] = []  # the lodged detainers' references
        lifts: list[tuple[StreamEntry, str]] = []  # the lifts' entries, with their detainers' references
        unreadable: list[tuple[StreamEntry, str]] = []
        detainers = self._ports.detainers
        # The index reads the changelog first (these entries among them), so each entry is read once: what the
        # index made of it is taken; an entry it did not read lately, or could not read, is read here.
        await detainers.sync()
        for entry in entries:
            read = detainers.change_read(entry.message_id)
            if read is None:
                try:
                    change = read_detainer_change(entry)
                except UnreadableEntryError as error:
                    unreadable.append((entry, str(error)))
                    continue
                read = (isinstance(change, DetainerLodged), detainer_ref_of(entry, change.detainer))
            is_lodge, detainer_ref = read
            if is_lodge:
                lodged.append(detainer_ref)
            else:
                lifts.append((entry, detainer_ref))
        # A detainer lifted since has nothing to raise. The others' subjects (as the index keeps them: their
        # records made once, when it took the lodges) are looked for in one round trip, every candidate booking of
        # the batch loaded in another, then each lodge is decided as on its own.
        subjects = [(ref, subject) for ref in lodged if (subject := detainers.record(ref)) is not None]
        found = await self._ports.booking_index.bookings_filed_under_each(
            [self._ports.booking_index.search_keys(subject) for _, subject in subjects]
        )
        finders: dict[str, list[str]] = {}  # by booking key: the lodges that found it
        for (detainer_ref, _), booking_keys in zip(subjects, found, strict=True):
            for booking_key in booking_keys:
                finders.setdefault(booking_key, []).append(detainer_ref)
        # Most bookings a lodge finds are of other people who share a key with its subject (a common name, a
        # birth date): a pair not decided on when alone cannot be among the booking's matches, and only a
        # person's decision on the pair (a review) could raise its alerts then. Those bookings are looked at for
        # their person alone; the rest are read in full.
        pairs: set[tuple[str, str]] = set()  # (detainer reference, booking key) that may raise alerts

        def may_raise(booking_key: str, state_json: bytes, reviewed: Collection[str]) -> bool:
            person = stored_person(state_json)
            if person is None:
                return False
            kept = False
            for detainer_ref in finders[booking_key]:
                if detainer_ref in reviewed or detainers.could_match(person, detainer_ref):
                    pairs.add((detainer_ref, booking_key))
                    kept = True
            return kept

        loaded = await self._ports.bookings.load_keys(sorted(finders), where=may_raise)
        alerts: list[Alert] = []
        states: dict[BookingKey, BookingState] = {}
        decided: dict[str, list[tuple[DetainerRef, MatchEvidence]]] = {}  # by booking key, within the batch
        raised_at = self._ports.clock()
        for (detainer_ref, _), booking_keys in zip(subjects, found, strict=True):
            for booking_key in booking_keys:
                if (detainer_ref, booking_key) not in pairs or (stored := loaded.get(booking_key)) is None:
                    continue
                state = stored.state
                if state.person is None:
                    continue
                states[state.key] = state
                # The very decision the booking's own events get (over every active detainer, this one
                # included, and with people's decisions on the booking), so the alerts depend on the
                # booking's state, not on which path came first. The same for every lodge of the batch that
                # finds the booking: made once.
                reviewed = decided.get(booking_key)
                if reviewed is None:
                    matches = detainers.matches(state.person)
                    reviewed = decided[booking_key] = reviewed_matches(matches, stored.reviews, detainers.get)
                for match, evidence in reviewed:
                    if match.detainer_ref == detainer_ref:
                        alerts += alerts_for_match(
                            state,
                            match,
                            evidence,
                            trigger=AlertTrigger.DETAINER_LODGED,
                            event_id=None,
                            raised_at=raised_at,
                        )
        report.alerts = await raise_alerts(self._ports, alerts, states)
        # A lifted detainer's alerts still open are closed (after the lodges; a lodge lifted within the batch
        # raised nothing, the index having read the lift). Its entry is read again here: lifts are rare, and the
        # index keeps no lift's reason.
        lifted = []
        for entry, detainer_ref in lifts:
            try:
                change = read_detainer_change(entry)
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))
                continue
            lifted.append((detainer_ref, change.detainer))
        if lifted:
            await self._ports.releases.close_lifted(lifted)
        await self._ports.dead_letters.send(self._ports.group, unreadable)
        report.processed = len(entries) - len(unreadable)
        report.dead_lettered = len(unreadable)
        return report
