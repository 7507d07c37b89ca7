"""Alerts in Redis: each created once, atomically with its listings, its story and its stream entry; read by
id, by listing and by story; held while its facility's feed surges.

An alert's record is a string of its JSON under ``RedisNames.alert``; it is listed in four sorted sets by the
time raised (all, its office's, its status's, its office's and status's), in its story (every alert of one
detainer) and, for a release schedule, in the listings of its release status. Listing an alert announces it
(``alert_raised`` on the alert stream), except a release schedule closed already (``announced``). A held alert
has its record and its place among its facility's held (or discarded) alerts only: no listing, no story, no
stream entry, until an operator releases the hold. Scripts: ``create_alerts.lua``, ``create_held_alerts.lua``,
``release_held_alerts.lua``, ``discard_held_alerts.lua``. Changes after creation: ``store.alert_updates``;
deliveries: ``store.deliveries``; reminders and escalations: ``store.jobs``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from contracts import Alert, AlertOutcome, AlertRaised, AlertStatus, AlertStep, RedisNames, ReleaseStatus
from contracts.alerts import story_id_for
from runtime import RedisClient
from runtime.clock import epoch_ms
from store.listings import ListingPage, ListingPosition, newest_first
from store.scripts import SCRIPTS

__all__ = [
    "AlertAsRead",
    "AlertStore",
    "HeldRelease",
    "announced",
    "parse_alert",
    "raised_message",
    "story_of",
    "updated_message",
]

_CHUNK = 200  # alerts per script call: keeps each call short on the server


def parse_alert(raw: bytes | str) -> Alert:
    """An alert's record as read (fields a newer writer added are ignored)."""
    return Alert.model_validate_json(raw, extra="ignore")


@dataclass(frozen=True, slots=True)
class AlertAsRead:
    """An alert's record as read: what a compare-and-swap compares (``raw``, "" when there is none), and the alert."""

    raw: str
    alert: Alert | None


@dataclass(frozen=True, slots=True)
class HeldRelease:
    """Held alerts an operator's "deliver" released: ``released`` of them now (the others had been already)."""

    alerts: list[Alert]
    released: int


class AlertStore:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._create = SCRIPTS.on(client, "create_alerts")
        self._create_held = SCRIPTS.on(client, "create_held_alerts")
        self._release_held = SCRIPTS.on(client, "release_held_alerts")
        self._discard_held = SCRIPTS.on(client, "discard_held_alerts")

    # --- creating ------------------------------------------------------------------------------------

    async def create(
        self,
        alerts: Sequence[Alert],
        *,
        held_facilities: Set[str] = frozenset(),
        written: dict[str, AlertAsRead] | None = None,
    ) -> list[Alert]:
        """Create the alerts that do not exist yet (of two copies of one alert, the first); returns those created
        by this call. Alerts of a facility in ``held_facilities`` are created held: kept, but listed nowhere and
        sent to no channel. A release schedule created closed is listed, and sent to no channel (``announced``).
        ``written``: given, each alert created gets its record as written here, by id (what ``read`` would answer
        until the alert next changes)."""
        unique: dict[str, Alert] = {}
        for alert in alerts:
            unique.setdefault(alert.alert_id, alert)
        created = await self._create_held_now(
            [a for a in unique.values() if a.facility_ori in held_facilities], written
        )
        listed = [alert for alert in unique.values() if alert.facility_ori not in held_facilities]
        calls: list[tuple[list[str], list[str | int]]] = []
        chunks: list[tuple[list[Alert], list[str]]] = []
        for start in range(0, len(listed), _CHUNK):
            chunk = listed[start : start + _CHUNK]
            keys = [self._names.alerts_raised]
            args: list[str | int] = []
            records: list[str] = []
            for alert in chunk:
                keys.append(self._names.alert(alert.alert_id))
                keys.extend(self._names.listings("alerts", alert.field_office, alert.status.value))
                record = alert.model_dump_json()
                records.append(record)
                message = raised_message(record) if announced(alert) else ""  # '': listed, not announced
                args += [alert.alert_id, record, epoch_ms(alert.raised_at), message]
            for alert in chunk:  # after every alert's own keys and args: each alert's story
                story_id = story_of(alert)
                keys += [
                    self._names.story(story_id),
                    self._names.story_listing(),
                    self._names.story_listing(field_office=alert.field_office),
                ]
                args.append(story_id)
            for alert in chunk:  # then each release schedule's release listings
                keys += self._release_listings(alert)
                args.append(_release_flag(alert))
            calls.append((keys, args))
            chunks.append((chunk, records))
        # Every chunk in one round trip (shared with ``together``'s other steps: a read after it sees them written).
        for (chunk, records), flags in zip(chunks, await self._create.many(calls), strict=True):
            created += _created(chunk, records, flags, written)
        return created

    async def _create_held_now(self, alerts: Sequence[Alert], written: dict[str, AlertAsRead] | None) -> list[Alert]:
        created: list[Alert] = []
        for start in range(0, len(alerts), _CHUNK):
            chunk = alerts[start : start + _CHUNK]
            keys: list[str] = []
            args: list[str | int] = []
            records = [alert.model_dump_json() for alert in chunk]
            for alert, record in zip(chunk, records, strict=True):
                keys += [self._names.alert(alert.alert_id), self._names.held_alerts(alert.facility_ori)]
                args += [alert.alert_id, record, epoch_ms(alert.raised_at)]
            flags = await self._create_held(keys=keys, args=args)
            created += _created(chunk, records, flags, written)
        return created

    def _release_listings(self, alert: Alert) -> list[str]:
        """The release listings of the alert's release status (all offices', its office's); for an alert that
        is not a release schedule, those of ``scheduled``, named only to keep the script's layout (unused)."""
        status = (alert.release_status or ReleaseStatus.SCHEDULED).value
        return [
            self._names.release_listing(release_status=status),
            self._names.release_listing(release_status=status, field_office=alert.field_office),
        ]

    # --- reading -------------------------------------------------------------------------------------

    async def get(self, alert_id: str) -> Alert | None:
        raw = await self._client.get(self._names.alert(alert_id))
        return None if raw is None else parse_alert(raw)

    async def load(self, alert_ids: Sequence[str]) -> list[Alert]:
        """The alerts of ``alert_ids`` that exist, in that order (one MGET)."""
        if not alert_ids:
            return []
        raw = cast(list[bytes | None], await self._client.mget([self._names.alert(a) for a in alert_ids]))
        return [parse_alert(record) for record in raw if record is not None]

    async def read(self, alert_ids: Sequence[str]) -> dict[str, AlertAsRead]:
        """Each alert's record as read, for a write that must find it unchanged (one MGET)."""
        if not alert_ids:
            return {}
        raw = cast(list[bytes | None], await self._client.mget([self._names.alert(a) for a in alert_ids]))
        return {
            alert_id: AlertAsRead("", None) if record is None else AlertAsRead(record.decode(), parse_alert(record))
            for alert_id, record in zip(alert_ids, raw, strict=True)
        }

    async def page(
        self,
        *,
        field_office: str | None,
        status: AlertStatus | None,
        limit: int,
        after: ListingPosition | None,
        release_status: ReleaseStatus | None = None,
    ) -> tuple[list[Alert], ListingPage]:
        """A page of alerts newest first, narrowed by office and by status or release status (not both)."""
        if release_status is not None:
            listing = self._names.release_listing(release_status=release_status.value, field_office=field_office)
        else:
            listing = self._names.alert_listing(
                field_office=field_office, status=status.value if status is not None else None
            )
        page = await newest_first(self._client, listing, limit=limit, after=after)
        return await self.load(page.ids), page

    async def ids_raised_between(self, start_ms: int, end_ms: int, *, field_office: str | None) -> list[str]:
        """The ids of the alerts raised in [start_ms, end_ms] (the office's only, when given), read from the
        listing by time in chunks: held alerts are listed nowhere, so none is among them."""
        return await _between(self._client, self._names.alert_listing(field_office=field_office), start_ms, end_ms)

    async def story_alert_ids(self, story_ids: Collection[str]) -> list[str]:
        """Every alert id of each story (every alert of one detainer, across bookings and facilities)."""
        wanted = sorted(story_ids)
        if not wanted:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for story_id in wanted:
                pipe.zrange(self._names.story(story_id), 0, -1)
            members: list[list[bytes]] = await pipe.execute()
        return [raw.decode() for ids in members for raw in ids]

    # --- stories -------------------------------------------------------------------------------------

    async def story_page(self, *, field_office: str | None, limit: int, after: ListingPosition | None) -> ListingPage:
        """Story ids newest first (by their latest alert), paged like every listing."""
        return await newest_first(
            self._client, self._names.story_listing(field_office=field_office), limit=limit, after=after
        )

    async def story_alerts(self, story_ids: Sequence[str], *, latest: int) -> dict[str, list[Alert]]:
        """Each story's ``latest`` alerts, newest first (a story without any readable alert is left out)."""
        if not story_ids:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for story_id in story_ids:
                pipe.zrevrange(self._names.story(story_id), 0, latest - 1)
            members: list[list[bytes]] = await pipe.execute()
        alert_ids = [raw.decode() for ids in members for raw in ids]
        by_id = {alert.alert_id: alert for alert in await self.load(alert_ids)}
        stories: dict[str, list[Alert]] = {}
        for story_id, ids in zip(story_ids, members, strict=True):
            alerts = [by_id[raw.decode()] for raw in ids if raw.decode() in by_id]
            if alerts:
                stories[story_id] = alerts
        return stories

    # --- holds ---------------------------------------------------------------------------------------

    async def held_counts(self, facilities: Sequence[str]) -> dict[str, int]:
        """How many alerts each facility holds now."""
        if not facilities:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in facilities:
                pipe.zcard(self._names.held_alerts(ori))
            counts: list[int] = await pipe.execute()
        return dict(zip(facilities, counts, strict=True))

    async def held_ids(self, facility_ori: str, *, limit: int = _CHUNK) -> list[str]:
        """The facility's held alerts, oldest first."""
        return await self._oldest(self._names.held_alerts(facility_ori), limit)

    async def held_or_discarded(
        self, alert_ids: Mapping[str, Collection[str]], *, delivering: str | None = None
    ) -> set[str]:
        """Those of ``alert_ids`` (by facility) that their facility holds, or whose hold an operator discarded
        (of the facility ``delivering``, whose hold an operator is delivering, only those discarded)."""
        wanted = [(ori, sorted(ids)) for ori, ids in alert_ids.items() if ids]
        if not wanted:
            return set()
        async with self._client.pipeline(transaction=False) as pipe:
            for ori, ids in wanted:
                pipe.zmscore(self._names.held_alerts(ori), ids)
                pipe.zmscore(self._names.discarded_alerts(ori), ids)
            replies: list[list[float | None]] = await pipe.execute()
        found: set[str] = set()
        for (ori, ids), held, discarded in zip(wanted, replies[::2], replies[1::2], strict=True):
            if ori == delivering:
                held = [None] * len(ids)
            found |= {alert_id for alert_id, h, d in zip(ids, held, discarded, strict=True) if (h, d) != (None, None)}
        return found

    async def release_held(self, facility_ori: str) -> HeldRelease:
        """Release up to a chunk of the facility's held alerts onto every channel, as if created now: listed, in
        their stories, announced (a release schedule closed meanwhile is not: ``announced``). Each waits among the
        alerts leaving a hold until its reminders and escalations are planned (``leaving_hold``,
        ``forget_leaving_hold``)."""
        alerts = await self.load(await self.held_ids(facility_ori))
        if not alerts:
            return HeldRelease([], 0)
        names = self._names
        keys = [names.alerts_raised, names.held_alerts(facility_ori), names.alerts_leaving_hold]
        args: list[str | int] = []
        for alert in alerts:
            story_id = story_of(alert)
            keys += [
                *names.listings("alerts", alert.field_office, alert.status.value),
                names.story(story_id),
                names.story_listing(),
                names.story_listing(field_office=alert.field_office),
                *self._release_listings(alert),
            ]
            args += [
                alert.alert_id,
                epoch_ms(alert.raised_at),
                AlertRaised(alert=alert).model_dump_json() if announced(alert) else "",
                story_id,
                _release_flag(alert),
            ]
        flags = await self._release_held(keys=keys, args=args)
        return HeldRelease(alerts, sum(int(flag) for flag in flags))

    async def discard_held(self, facility_ori: str, *, raised_by: datetime) -> int:
        """Move up to a chunk of the facility's alerts held that were raised by ``raised_by`` (when an operator
        judged them a data error) to its discarded ones (kept, never sent). One raised after is not the operator's
        to have judged: it stays held."""
        ids = [
            member.decode()
            for member in cast(
                list[bytes],
                await self._client.zrangebyscore(
                    self._names.held_alerts(facility_ori), "-inf", epoch_ms(raised_by), start=0, num=_CHUNK
                ),
            )
        ]
        if not ids:
            return 0
        keys = [self._names.held_alerts(facility_ori), self._names.discarded_alerts(facility_ori)]
        return int(await self._discard_held(keys=keys, args=ids))

    async def leaving_hold(self) -> tuple[list[str], list[Alert]]:
        """Up to a chunk of the alerts released from a hold whose reminders and escalations are still to be
        planned, oldest first (what a crash left between the release and the planning included): their ids,
        and those of them that have a record."""
        ids = await self._oldest(self._names.alerts_leaving_hold, _CHUNK)
        return ids, await self.load(ids)

    async def forget_leaving_hold(self, alert_ids: Collection[str]) -> None:
        """Their reminders and escalations are planned: they no longer wait."""
        if alert_ids:
            await self._client.zrem(self._names.alerts_leaving_hold, *alert_ids)

    async def _oldest(self, key: str, limit: int) -> list[str]:
        ids = cast(list[bytes], await self._client.zrange(key, 0, limit - 1))
        return [alert_id.decode() for alert_id in ids]


async def _between(client: RedisClient, key: str, start_ms: int, end_ms: int) -> list[str]:
    ids: list[str] = []
    while True:
        chunk = cast(list[bytes], await client.zrangebyscore(key, start_ms, end_ms, start=len(ids), num=_READ_CHUNK))
        ids += [member.decode() for member in chunk]
        if len(chunk) < _READ_CHUNK:
            return ids


_READ_CHUNK = 1000  # members per read of a listing


def _created(
    alerts: Sequence[Alert], records: Sequence[str], flags: Sequence[Any], written: dict[str, AlertAsRead] | None
) -> list[Alert]:
    """The alerts a creating script's ``flags`` say it created, each record kept in ``written`` when given."""
    created = [(alert, record) for alert, record, flag in zip(alerts, records, flags, strict=True) if flag]
    if written is not None:
        written.update((alert.alert_id, AlertAsRead(record, alert)) for alert, record in created)
    return [alert for alert, _ in created]


def raised_message(record: str) -> str:
    """The alert stream's ``alert_raised`` message for an alert whose record (its JSON) is ``record``: what
    ``AlertRaised(alert=alert).model_dump_json()`` gives, without serialising the alert a second time."""
    return _RAISED_PREFIX + record + "}"


_RAISED_PREFIX = '{"type":"alert_raised","alert":'


def updated_message(record: str, change: AlertStep) -> str:
    """The alert stream's ``alert_updated`` message for an alert, as it is after ``change``, whose record is
    ``record``: what ``AlertUpdated(alert=alert, change=change).model_dump_json()`` gives, without serialising
    the alert a second time."""
    return f'{_UPDATED_PREFIX}{record},"change":"{change.value}"}}'


_UPDATED_PREFIX = '{"type":"alert_updated","alert":'


def announced(alert: Alert) -> bool:
    """Whether listing ``alert`` announces it (``alert_raised`` on the alert stream, for every channel): every
    alert but a release schedule closed already, whose release time no longer stood when it was created (or
    released from a hold), an alert a hold kept back while its office lifted the detainer, and a release a hold
    kept back that releasewatch withdrew meanwhile (the person was transferred before it, or still held). Those are
    listed and join their story, but no channel pages an office about a countdown that is over, a detainer it no
    longer acts on, or a release that did not happen."""
    return alert.release_status in (None, ReleaseStatus.SCHEDULED) and alert.outcome not in _NOT_ANNOUNCED


_NOT_ANNOUNCED = (AlertOutcome.DETAINER_LIFTED, AlertOutcome.RELEASE_SUPERSEDED)


def story_of(alert: Alert) -> str:
    """The story an alert belongs to (every alert of its detainer)."""
    return alert.story_id or story_id_for(alert.detainer_ref)


def _release_flag(alert: Alert) -> str:
    """'1' for a release schedule (listed in the release listings too), '0' for any other alert."""
    return "1" if alert.release_status is not None else "0"
