"""The chaos feed: detainers and custody events whose alerts are known in advance.

Everything here is deterministic (one seeded ``random.Random``) and does not
import the notifier: the alerts a feed must raise are stated from the stories
the generator wrote, by the product's rules (one condition, one alert; see the
README's Alerts), not by running the service's own code.

The feed is made of *stories*, one stay of one person at one facility, each
told in time order: booked -> maybe charges corrected -> maybe a release
scheduled -> maybe released or transferred. Nothing is cancelled or
rescheduled, so what each story must raise is obvious:

==================  ==========================================================
alert               expected when the story's person is an active detainer's
                    subject and ...
==================  ==========================================================
``in_custody``      ... they were booked (every such story)
``release_scheduled``  ... a release time became known while they were held
                    (one per release time; qualifier: that time, in UTC)
``released``        ... they were released
``transferred``     ... they were transferred (qualifier: the facility)
==================  ==========================================================

No alert is expected for a lifted detainer (lifted before its subject's first
event is sent), for a detainer whose subject is never booked, or for anyone
else (*bystanders*).

Matching is fuzzy, so the people are built to be unambiguous: a subject's
bookings carry exactly the person on the detainer (same A-number and FBI
number, same name and date of birth); subjects' names come from pools no
bystander uses, each subject has a name pair and a date of birth of their own,
and bystanders are born in other years and carry other identifiers. No
bystander resembles a subject and no subject resembles another subject's
detainer.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

__all__ = [
    "FULL",
    "SMALL",
    "Batch",
    "Feed",
    "Fingerprint",
    "Lift",
    "Lodge",
    "Scale",
    "Step",
    "Story",
    "build_feed",
    "fingerprint_of_alert",
]

Json = dict[str, Any]

# Names are data here, never a real person's record. Pools are disjoint and sound unlike one another.
SUBJECT_GIVEN = (
    "ALEJANDRO", "BEATRIZ", "CRISTOBAL", "DOLORES", "EDUARDO", "FERNANDA", "GUSTAVO", "HORTENSIA",
    "IGNACIO", "JIMENA", "LEOPOLDO", "MARISOL", "NICANOR", "OCTAVIO", "PRUDENCIA", "RIGOBERTO",
    "SOLEDAD", "TEODORO", "URSULA", "WENCESLAO",
)  # fmt: skip
SUBJECT_SURNAMES = (
    "ARANGUREN", "BUSTAMANTE", "CARVAJAL", "DOMINGUEZ", "ECHEVERRIA", "FIGUEROA", "GALINDO", "HINOJOSA",
    "IBARRA", "JARAMILLO", "LANDAVERDE", "MALDONADO", "NAVARRETE", "OLIVARES", "PALOMINO", "QUINTANILLA",
    "REBOLLEDO", "SEPULVEDA", "TAPIA", "URQUIDI",
)  # fmt: skip
BYSTANDER_GIVEN = (
    "AUGUSTINE", "BARNABY", "CORNELIUS", "DESMOND", "EZEKIEL", "FLORENCE", "GWENDOLYN", "HUMPHREY",
    "IMOGEN", "KATHARINE", "LUCRETIA", "MORTIMER", "NATHANIEL", "OPHELIA", "PERCIVAL", "QUENTIN",
    "ROSAMUND", "SEBASTIAN", "WINIFRED", "YOLANDA",
)  # fmt: skip
BYSTANDER_SURNAMES = (
    "ACKERMANN", "BLACKWOOD", "CHAMBERLAIN", "DUNWOODY", "ELLSWORTH", "FAIRWEATHER", "GOLDSTEIN",
    "HARRINGTON", "INGRAM", "JOHANSSON", "KOWALSKI", "LINDQVIST", "MONTGOMERY", "NAKAMURA", "OKONKWO",
    "PETROVSKY", "QUIGLEY", "ROTHWELL", "SZYMANSKI", "THORNBURY", "UNDERHILL", "WESTBROOK", "YAMAMOTO",
    "ZIMMERMAN",
)  # fmt: skip

# Facility ORI -> its UTC offset, so times arrive in several offsets as they would from real jails.
FACILITIES = {
    "CA0194200": timezone(timedelta(hours=-8)),
    "CA0190000": timezone(timedelta(hours=-8)),
    "TX2270000": timezone(timedelta(hours=-6)),
    "NY0300000": timezone(timedelta(hours=-5)),
    "AZ0070000": timezone(timedelta(hours=-7)),
}
OFFICE_OF = {"CA0194200": "LOS", "CA0190000": "SFR", "TX2270000": "HOU", "NY0300000": "NYC", "AZ0070000": "PHO"}
CHARGES = (
    {"statute": "PC 459", "description": "Burglary, second degree", "severity": "felony", "ncic_code": "2299"},
    {"statute": "PC 484", "description": "Petty theft", "severity": "misdemeanor", "ncic_code": "2399"},
    {"statute": "VC 23152", "description": "Driving under the influence", "severity": "misdemeanor"},
    {"statute": "PC 243", "description": "Battery", "severity": "misdemeanor", "ncic_code": "1313"},
)
RELEASE_REASONS = ("bail_posted", "own_recognizance", "sentence_complete", "court_order", "charges_dropped")

FEED_START = datetime(2026, 11, 8, 6, 0)  # facility-local; the stays run over the following two weeks


class Fingerprint(NamedTuple):
    """What makes two alerts the same alert (one condition, one alert)."""

    kind: str
    detainer_id: str
    facility_ori: str
    booking_number: str
    qualifier: str = ""  # release_scheduled: the release time in UTC; transferred: where to

    def __str__(self) -> str:
        return f"{self.kind} {self.detainer_id} {self.facility_ori}/{self.booking_number} {self.qualifier}".rstrip()


def utc_text(moment: datetime | str) -> str:
    """One spelling of an instant, whatever offset it was written with."""
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fingerprint_of_alert(alert: Json) -> Fingerprint:
    """The fingerprint of an alert as the API (or the alert stream) shows it."""
    kind = str(alert["kind"])
    qualifier = ""
    if kind == "release_scheduled" and alert.get("scheduled_release_at"):
        qualifier = utc_text(str(alert["scheduled_release_at"]))
    elif kind == "transferred":
        qualifier = str(alert.get("to_facility_ori") or "")
    return Fingerprint(
        kind, str(alert["detainer_id"]), str(alert["facility_ori"]), str(alert["booking_number"]), qualifier
    )


@dataclass(frozen=True)
class Story:
    """One stay of one person at one facility, and what happened during it."""

    facility_ori: str
    booking_number: str
    person: Json
    detainer_id: str | None  # the detainer naming this person, if any
    booked_at: datetime
    corrected_at: datetime | None = None  # booking_updated (charges only)
    schedule: tuple[datetime, datetime] | None = None  # (when the time became known, the release time)
    released_at: datetime | None = None
    transfer: tuple[datetime, str] | None = None  # (when, to which facility)

    def left_at(self) -> datetime | None:
        ends = [at for at in (self.released_at, self.transfer[0] if self.transfer else None) if at is not None]
        return min(ends, default=None)

    def expected_alerts(self) -> list[Fingerprint]:
        """The rules, restated: each a fact of the stay (see the module docstring)."""
        if self.detainer_id is None:
            return []
        key = (self.detainer_id, self.facility_ori, self.booking_number)
        alerts = [Fingerprint("in_custody", *key)]
        left = self.left_at()
        if self.schedule is not None and (left is None or self.schedule[0] <= left):
            alerts.append(Fingerprint("release_scheduled", *key, utc_text(self.schedule[1])))
        if self.released_at is not None:
            alerts.append(Fingerprint("released", *key))
        if self.transfer is not None:
            alerts.append(Fingerprint("transferred", *key, self.transfer[1]))
        return alerts


@dataclass(frozen=True)
class Lodge:
    detainer: Json


@dataclass(frozen=True)
class Lift:
    detainer_id: str
    reason: str = "prosecutorial_discretion"


@dataclass(frozen=True)
class Batch:
    events: list[Json]
    resent: int = 0  # how many of them were sent before (the same bodies)


Step = Lodge | Lift | Batch


@dataclass(frozen=True)
class Scale:
    detainers: int  # detainers lodged
    bystanders: int  # stays of people no detainer names
    batch_size: int = 100  # events per POST
    late_lodge_fraction: float = 0.2  # detainers lodged while the feed runs (the lodge finds the booking)
    lift_fraction: float = 0.05  # detainers lifted before anything is sent about their subject
    unbooked_fraction: float = 0.1  # detainers whose subject is never booked
    resend_fraction: float = 0.05  # events sent again later (a source retrying): idempotence
    poison_stories: int = 0  # extra bystander bookings, one event each, for the poison scenario


FULL = Scale(detainers=300, bystanders=1350)  # about 4,000 events
SMALL = Scale(detainers=60, bystanders=190, batch_size=50)  # about 600 events


@dataclass
class Feed:
    seed: int
    detainers: list[Json]
    lifted: set[str]
    stories: list[Story]
    steps: list[Step]
    event_ids: set[str] = field(default_factory=set)
    poison_bookings: list[tuple[str, str]] = field(default_factory=list)  # (facility, booking) of poison stories
    poison_event_ids: set[str] = field(default_factory=set)  # their events

    @property
    def events(self) -> int:
        return len(self.event_ids)

    @property
    def batches(self) -> int:
        return sum(1 for step in self.steps if isinstance(step, Batch))

    def expected_alerts(self) -> Counter[Fingerprint]:
        expected: Counter[Fingerprint] = Counter()
        for story in self.stories:
            if story.detainer_id is not None and story.detainer_id not in self.lifted:
                expected.update(story.expected_alerts())
        return expected


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Generator:
    def __init__(self, seed: int, scale: Scale) -> None:
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        self.oris = sorted(FACILITIES)

    def _local(self, ori: str, minutes: int) -> datetime:
        return (FEED_START + timedelta(minutes=minutes)).replace(tzinfo=FACILITIES[ori])

    def _subjects(self) -> list[Json]:
        rng = self.rng
        pairs = [(given, surname) for given in SUBJECT_GIVEN for surname in SUBJECT_SURNAMES]
        if self.scale.detainers > len(pairs):
            raise ValueError(f"at most {len(pairs)} detainers: each subject needs a name of their own")
        rng.shuffle(pairs)
        # Day 13-28: a day that cannot be read as a month, so no two subjects share a date even swapped.
        dates = [f"{y}-{m:02d}-{d:02d}" for y in range(1955, 1980) for m in range(1, 13) for d in range(13, 29)]
        birth_dates = rng.sample(dates, self.scale.detainers)
        people = []
        for index, ((given, surname), born) in enumerate(zip(pairs, birth_dates, strict=False)):
            people.append(
                {
                    "last_name": surname,
                    "first_name": given,
                    "date_of_birth": born,
                    "sex": rng.choice(("M", "F")),
                    "place_of_birth": rng.choice(("MX", "GT", "HN", "SV", "CO")),
                    "a_number": f"A2{self.seed % 100:02d}{index:06d}",
                    "fbi_number": f"S{self.seed % 100:02d}{index:05d}",
                }
            )
        return people

    def _bystander(self, index: int) -> Json:
        rng = self.rng
        person: Json = {
            "last_name": rng.choice(BYSTANDER_SURNAMES),
            "first_name": rng.choice(BYSTANDER_GIVEN),
            # Born 1983-2006: never a subject's year.
            "date_of_birth": f"{rng.randrange(1983, 2007)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "sex": rng.choice(("M", "F")),
        }
        if rng.random() < 0.5:
            person["a_number"] = f"A3{self.seed % 100:02d}{index:06d}"
        if rng.random() < 0.3:
            person["fbi_number"] = f"B{self.seed % 100:02d}{index:05d}"
        return person

    def _story(self, number: int, person: Json, detainer_id: str | None, *, minimal: bool = False) -> Story:
        rng = self.rng
        ori = rng.choice(self.oris)
        booked = self._local(ori, rng.randrange(0, 14 * 24 * 60))
        booking_number = f"X{self.seed % 1000:03d}-{number:06d}"
        if minimal:
            return Story(ori, booking_number, person, detainer_id, booked)
        corrected = booked + timedelta(minutes=rng.randrange(10, 300)) if rng.random() < 0.3 else None
        schedule = None
        if rng.random() < 0.5:
            known = booked + timedelta(hours=rng.randrange(1, 72))
            release_time = known + timedelta(hours=rng.randrange(24, 96), minutes=15 * rng.randrange(4))
            schedule = (known, release_time)
        after = schedule[0] if schedule else booked  # the stay ends after the schedule became known
        released = transfer = None
        end = rng.random()
        if end < 0.5:
            released = (
                schedule[1] + timedelta(minutes=rng.randrange(0, 90))
                if schedule
                else after + timedelta(hours=rng.randrange(2, 120))
            )
        elif end < 0.65:
            destination = rng.choice([other for other in self.oris if other != ori])
            transfer = (after + timedelta(hours=rng.randrange(1, 48)), destination)
        return Story(ori, booking_number, person, detainer_id, booked, corrected, schedule, released, transfer)

    def _events(self, story: Story, number: int) -> list[Json]:
        def event(kind: str, suffix: str, at: datetime, **fields: Any) -> Json:
            return {
                "event_id": f"cx{self.seed}-{number:06d}-{suffix}",
                "type": kind,
                "occurred_at": _iso(at),
                "facility_ori": story.facility_ori,
                "booking_number": story.booking_number,
                **fields,
            }

        rng = self.rng
        events = [event("booking", "b", story.booked_at, person=story.person, charges=[rng.choice(CHARGES)])]
        if story.corrected_at is not None:
            events.append(event("booking_updated", "u", story.corrected_at, charges=list(rng.sample(CHARGES, 2))))
        if story.schedule is not None:
            known, release_time = story.schedule
            events.append(
                event(
                    "release_scheduled",
                    "s",
                    known,
                    scheduled_release_at=_iso(release_time),
                    release_reason=rng.choice(RELEASE_REASONS),
                )
            )
        if story.released_at is not None:
            events.append(event("release", "r", story.released_at, release_reason=rng.choice(RELEASE_REASONS)))
        if story.transfer is not None:
            events.append(event("transfer", "t", story.transfer[0], to_facility_ori=story.transfer[1]))
        return events

    def build(self) -> Feed:
        rng, scale = self.rng, self.scale
        detainers: list[Json] = []
        stories: list[Story] = []
        for index, person in enumerate(self._subjects()):
            ori = rng.choice(self.oris)
            detainer_id = f"{OFFICE_OF[ori]}-CX{self.seed}-{index:05d}"
            detainers.append(
                {
                    "detainer_id": detainer_id,
                    "form": rng.choice(("I-247A", "I-247A", "I-247N")),
                    "field_office": OFFICE_OF[ori],
                    "person": person,
                    "lodged_with_ori": ori,
                    "issued_at": _iso(self._local(ori, -rng.randrange(24 * 60, 60 * 24 * 60))),
                }
            )
            if rng.random() >= scale.unbooked_fraction:
                stories.append(self._story(len(stories), person, detainer_id))
        for index in range(scale.bystanders):
            stories.append(self._story(len(stories), self._bystander(index), None))
        order = list(range(len(detainers)))
        rng.shuffle(order)
        late_count = round(len(detainers) * scale.late_lodge_fraction)
        late = {detainers[i]["detainer_id"] for i in order[:late_count]}
        early_ids = [detainers[i]["detainer_id"] for i in order[late_count:]]
        lifted = set(rng.sample(early_ids, round(len(detainers) * scale.lift_fraction)))

        events: list[Json] = []
        for number, story in enumerate(stories):
            events += self._events(story, number)
        events.sort(key=lambda e: (datetime.fromisoformat(e["occurred_at"]), e["event_id"]))
        batches = [events[i : i + scale.batch_size] for i in range(0, len(events), scale.batch_size)]

        # A source retrying: some events come again, a few batches later, with the same body.
        resent_into: dict[int, list[Json]] = {}
        for index, batch in enumerate(batches[:-1]):
            for event in batch:
                if rng.random() < scale.resend_fraction:
                    later = min(len(batches) - 1, index + rng.randrange(1, 6))
                    resent_into.setdefault(later, []).append(event)

        steps: list[Step] = [Lodge(d) for d in detainers if d["detainer_id"] not in late]
        steps += [Lift(detainer_id) for detainer_id in sorted(lifted)]
        late_at: dict[int, list[Json]] = {}
        for detainer in detainers:
            if detainer["detainer_id"] in late:
                late_at.setdefault(rng.randrange(len(batches)), []).append(detainer)
        for index, batch in enumerate(batches):
            steps += [Lodge(d) for d in late_at.get(index, [])]
            again = resent_into.get(index, [])
            steps.append(Batch([*batch, *again], resent=len(again)))

        feed = Feed(self.seed, detainers, lifted, stories, steps)
        feed.event_ids = {event["event_id"] for batch in batches for event in batch}
        self._add_poison(feed, len(stories))
        return feed

    def _add_poison(self, feed: Feed, first_number: int) -> None:
        """Bystanders booked in the middle of the feed, one event each, from a random stream of their own:
        the rest of the feed is the same with or without them."""
        self.rng = random.Random(self.seed + 1)
        batch_steps = [i for i, step in enumerate(feed.steps) if isinstance(step, Batch)]
        for offset in range(self.scale.poison_stories):
            number = first_number + offset
            story = self._story(number, self._bystander(self.scale.bystanders + offset), None, minimal=True)
            (event,) = self._events(story, number)
            at = batch_steps[len(batch_steps) // 2 + offset]
            batch = feed.steps[at]
            assert isinstance(batch, Batch)
            feed.steps[at] = Batch([*batch.events, event], resent=batch.resent)
            feed.stories.append(story)
            feed.event_ids.add(event["event_id"])
            feed.poison_bookings.append((story.facility_ori, story.booking_number))
            feed.poison_event_ids.add(event["event_id"])


def build_feed(scale: Scale, *, seed: int = 7) -> Feed:
    """The same feed for the same scale and seed, every time."""
    return _Generator(seed, scale).build()
