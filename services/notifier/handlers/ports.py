"""What the processors work through (ports), as Protocols, and the set of them a notifier is built with.

Processors know these interfaces only; ``notifier.bootstrap`` builds the real adapters (the store's classes,
the in-memory detainer index, the job planner, the feed monitor) once at start-up, and tests hand in their
own where a test needs a window into a race.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from contracts import Alert, Detainer, MatchEvidence, Person, RosterReport
from contracts.envelope import StreamEntry
from contracts.policies import JurisdictionPolicy
from notifier.domain.custody import BookingState
from notifier.domain.reviews import BookingReview
from notifier.handlers.detainer_index import ActiveDetainer
from notifier.matching import MatchRecord
from runtime.clock import Clock, utc_now
from store.alerts import AlertAsRead
from store.bookings import BookingKey, StoredBooking
from store.feeds import FeedActivity

__all__ = [
    "ActiveDetainers",
    "AlertRecords",
    "BookingStates",
    "BookingsByPerson",
    "DeadLetters",
    "FeedWatch",
    "FollowUps",
    "NotifierPorts",
    "ReleaseSchedules",
    "RosterReportKeeper",
    "SharingPolicyLookup",
    "Stored",
]

Stored = StoredBooking[BookingState, BookingReview]


class BookingStates(Protocol):
    """Each booking's custody state and the review decisions on it, saved by compare-and-set
    (``store.bookings.BookingStore``)."""

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, Stored]: ...

    async def load_keys(
        self, keys: Sequence[str], *, where: Callable[[str, bytes, Collection[str]], bool] | None = None
    ) -> dict[str, Stored]: ...

    async def save_many(self, changes: Sequence[tuple[Stored, BookingState]]) -> list[bool]: ...

    async def save_review(self, stored: Stored, review: BookingReview) -> bool: ...

    async def reviews_of(self, pairs: Iterable[tuple[BookingKey, str]]) -> dict[tuple[BookingKey, str], BookingReview]:
        """The decision kept on each (booking, detainer reference) among ``pairs`` that has one."""

    async def file_custody(self, states: Iterable[BookingState]) -> None: ...

    async def in_custody_at(self, facility_ori: str) -> set[str]: ...

    def every_state(self, chunk: int = 500) -> AsyncIterator[list[tuple[BookingState, int | None]]]: ...


class BookingsByPerson(Protocol):
    """Bookings filed under their person's blocking keys (``store.booking_index.BookingIndex``)."""

    async def record(self, transitions: Sequence[tuple[BookingState, BookingState]]) -> None: ...

    def prepare(self, states: Iterable[BookingState]) -> None:
        """Work out ahead what filing these states will take (their person's keys), so ``record`` finds it done:
        CPU the caller spends while it waits on Redis for something else."""

    async def bookings_filed_under_each(self, searches: Sequence[Iterable[str]]) -> list[list[str]]: ...

    def search_keys(self, person: Person | MatchRecord) -> frozenset[str]: ...  # what a lodge looks under

    async def upgrade(self) -> int: ...

    async def refile_former_keys(
        self, states: AsyncIterable[Sequence[tuple[BookingState, int | None]]]
    ) -> int | None: ...

    async def prune(self) -> int: ...


class ActiveDetainers(Protocol):
    """The active detainers, and whom they match (``handlers.detainer_index.DetainerIndex``)."""

    async def sync(self) -> int: ...

    @property
    def generation(self) -> int: ...  # moves on with every change applied: what was matched before still holds

    def get(self, detainer_ref: str) -> ActiveDetainer | None: ...

    def matches(self, person: Person | MatchRecord) -> list[tuple[ActiveDetainer, MatchEvidence]]: ...

    def matches_many(
        self, people: Sequence[Person | MatchRecord]
    ) -> list[list[tuple[ActiveDetainer, MatchEvidence]]]: ...  # ``matches`` of each

    def record(self, detainer_ref: str) -> MatchRecord | None: ...  # an active detainer's subject, as kept

    def could_match(self, person: Person | MatchRecord, detainer_ref: str) -> bool: ...  # False: not in matches

    # Those lifted as far as the changelog was read, each as lifted: what was raised for them before a lift that
    # came meanwhile is to be closed.
    async def lifted_among(self, detainer_refs: Collection[str]) -> list[tuple[str, Detainer]]: ...

    # A changelog entry as synced lately: (a lodge, its detainer's reference); None: read it yourself.
    def change_read(self, message_id: str) -> tuple[bool, str] | None: ...


class AuditRecorder(Protocol):
    """The audit trail (``store.audit.AuditTrail``): what the notifier did on its own, many entries at once."""

    async def record_many(self, *, actor: str, action: str, entries: Sequence[tuple[str, str]]) -> None: ...


class AlertRecords(Protocol):
    """Alerts created once each (``store.alerts.AlertStore``)."""

    async def create(
        self,
        alerts: Sequence[Alert],
        *,
        held_facilities: Set[str] = ...,
        written: dict[str, AlertAsRead] | None = ...,
    ) -> list[Alert]: ...


class FollowUps(Protocol):
    """Plans what follows an alert (reminders, escalations): once per alert, however often it is asked
    (``chores.scheduler.JobPlanner``)."""

    async def plan(self, alerts: Sequence[Alert]) -> int: ...

    async def plan_again(self, alerts: Sequence[Alert]) -> int: ...


class ReleaseSchedules(Protocol):
    """Closes the release schedules whose release time stopped standing, and the alerts of a corrected booking
    for a detainer its person no longer matches (``handlers.release_schedules``)."""

    async def as_created(self, alerts: Sequence[Alert], states: Mapping[BookingKey, BookingState]) -> list[Alert]: ...

    async def close_lifted(
        self, lifted: Sequence[tuple[str, Detainer]], *, held: Collection[str] = ...
    ) -> list[Alert]: ...

    async def close_for(
        self,
        alerts: Sequence[Alert],
        states: Mapping[BookingKey, BookingState],
        *,
        written: Mapping[str, AlertAsRead] | None = ...,
    ) -> list[Alert]: ...

    async def close_superseded(
        self,
        alert_ids: Iterable[str],
        states: Mapping[BookingKey, BookingState],
        *,
        now: datetime | None = ...,
        written: Mapping[str, AlertAsRead] | None = ...,
        delivering: str | None = ...,
    ) -> list[Alert]: ...

    async def withdraw(self, pairs: Sequence[tuple[str, BookingState, str | None]]) -> list[Alert]: ...

    async def withdraw_rejected(self, rejected: Sequence[tuple[BookingReview, BookingState]]) -> list[Alert]: ...

    async def restore(self, alert_ids: Mapping[str, str | None]) -> list[Alert]: ...


class DeadLetters(Protocol):
    """Moves entries no processor can read to the dead letters (``consuming.dead_letters.DeadLetterWriter``)."""

    async def send(
        self, group: str, failures: Sequence[tuple[StreamEntry, str]], *, attempts: Mapping[str, int] | None = ...
    ) -> None: ...


class RosterReportKeeper(Protocol):
    """Keeps each facility's latest roster report (``store.roster_reports.RosterReports``)."""

    async def keep(self, report: RosterReport) -> bool: ...


class FeedWatch(Protocol):
    """Counts what each facility sends and holds its alerts on a surge (``chores.feed_health.FeedMonitor``)."""

    async def observe(self, activity: Mapping[str, FeedActivity]) -> set[str]: ...


class SharingPolicyLookup(Protocol):
    """The sharing policies in force (``policies.enforcement.PolicyEnforcement``)."""

    def policy_for(self, facility_ori: str) -> JurisdictionPolicy | None: ...


@dataclass(frozen=True)
class NotifierPorts:
    """The adapters the processors work through, built once at start-up (``notifier.bootstrap``)."""

    bookings: BookingStates
    booking_index: BookingsByPerson
    detainers: ActiveDetainers
    alerts: AlertRecords
    releases: ReleaseSchedules
    dead_letters: DeadLetters
    roster_reports: RosterReportKeeper
    group: str
    clock: Clock = utc_now
    follow_ups: FollowUps | None = None  # None: no reminders or escalations are planned
    audit: AuditRecorder | None = None  # None: the alerts raised are not entered in the audit trail
    feeds: FeedWatch | None = None  # None: what facilities send is not counted, and no alert is held
    policies: SharingPolicyLookup | None = None  # None: no sharing policy (every detainer answered)
