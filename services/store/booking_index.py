"""Bookings by blocking key: how a newly lodged detainer finds its subject.

Every booking whose person we know is filed under that person's blocking
keys for as long as its state is kept: for good while the person is held,
until the retention ends after they left. A lodge therefore finds the
person in custody now and one who left recently, so the alerts for a
(detainer, booking) pair depend on the booking's state alone, never on
whether a source happened to re-send its events.

The keys are the caller's (``keys_of`` a state: the notifier passes the
matcher's keys for this index, a lodged detainer searches with their search
keys). The index proposes candidates; the booking's stored state and the
matcher decide. When the keys change (a scheme of fewer keys), ``refile``
moves every booking from the former keys to the current ones, once.

Layout: the filings of many blocking keys share one sorted set (a bucket),
so the index costs its filings rather than a key per blocking key. A filing
is the member ``<the 6 hex digits of the key's digest after the tag><the
booking's reference>`` (the reference is the booking key without the part
every booking key shares), scored by when it expires (s, or ``inf`` while
the person is held). Bucket names carry digest prefixes only. A key's
buckets form ``LEVELS`` levels under the digest's hash tag (its first two
hex digits, 256 tags): 16 buckets a tag at level 1, each level 16 times more.
A filing stays in the bucket it is in, else goes to the first of its key's
buckets from level ``FIRST_LEVEL`` (2) on holding fewer than
``MAX_FILINGS_A_BUCKET`` (Redis keeps a sorted set of up to 128 members in its
compact listpack encoding by default; the last level takes any), so the
buckets stay compact as the index grows: level 2's 65,536 buckets hold about
11 filings each at 100,000 bookings (some 740,000 filings) and their fullest
reach 128 past about 6 million filings; at 16 million filings level 3 holds
about 8 a bucket (its fullest would reach 128 near 100 million filings).
Level 1 (4,096 buckets) takes no new filing: it is full past about 500,000
filings, and every new filing would look through a full bucket there before
going on (a ZCARD, a ZSCORE of 128 members and a ZREMRANGEBYSCORE each); it
keeps, updates and unfiles the filings a former version put there, and
lookups read it as every level.
A lookup reads every level's bucket of each key (no SCAN) and keeps the members
of that key's digest prefix; a prefix shared by two keys only proposes one
more candidate. A batch of lookups (the lodges of a batch) is one round trip:
a ``find_bookings.lua`` call a tag, which reads a bucket several of them share
once, skips a level (or the former sets) of which nothing exists after one
EXISTS of them all, and answers only each key's own filings.

A filing under a key new to the booking (its person first known, or known by another name now) is not looked
for past where it goes: the first bucket with room takes it, or a full one that holds it already (a batch filed,
then redelivered before its state was saved, finds its filings where they went, unless the buckets changed in
between: then a second copy, which an unfiling removes with the first). Only a filing the booking had before (a
release, a redelivery) is looked for level by level, so a growing index costs a new booking the size of each level
it passes and a ZSCORE of each full bucket, not the search.

Writes: a batch's filings are grouped by tag, one ``file_bookings.lua`` call per tag (every filing of that tag, and
its keys' buckets at every level, or from ``FIRST_LEVEL`` on when its filings are all new, as most are: those never
go before it; the filings one a line, an argument for each operation and expiry, which its first line names), so at
most 256 script calls, in one pipeline. A call reads a bucket's size once (a ZCARD) and counts what it adds and
removes, drops the expired filings of a full bucket a filing would go to (so they never push a filing deeper), and a
bucket it touched expires with its last filing (a bucket it made has no expiry to remove; one given only new
filings with an expiry takes the latest unless its own is later or it has none, its last filing's already).
``prune`` (a notifier's chore, every trim interval) drops the rest (a lookup skips them meanwhile): the buckets are
known by name (no SCAN), in 4,096 slices of 273 (a level-1 bucket and the 16 and 256 under it); each run takes the
next ``PRUNE_SLICES_A_RUN`` slices after a cursor the notifiers share, so a pass over every bucket takes 64 runs (32
minutes at the default interval) and a filing outlives its booking's retention by at most one pass. ``refile`` and
``upgrade`` keep or unfile what a booking had (their calls are given every level).

Upgrading from the former layouts (one sorted set of whole booking keys per
blocking key, scored in ms: first untagged, then under the 256 tags):
``upgrade`` (the notifier runs it before it reads) moves their bookings to the
buckets, never over a filing already there, then removes them from the former
sets (which go when empty). Lookups read the buckets only. A notifier of
either former layout cannot run beside this one anyway: it reads a booking's
state as plain JSON, and this one saves states compressed, so those notifiers
are stopped before these start (and what they filed is moved then).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Callable, Collection, Iterable, Sequence
from typing import Generic, TypeVar, cast

from contracts import RedisNames
from runtime import RedisClient
from runtime.clock import Clock, epoch_ms, utc_now
from runtime.digests import sha256 as _sha256
from runtime.scripts import ScriptCall
from store.bookings import BookingRecord
from store.scripts import SCRIPTS

__all__ = ["BookingIndex"]

State = TypeVar("State", bound=BookingRecord)

LEVELS = 3  # 16, 256 and 4,096 buckets a tag (1,048,576 in all at level 3)
FIRST_LEVEL = 2  # where a filing goes first, unless it is where it is already (level 1: see the docstring)
MAX_FILINGS_A_BUCKET = 128  # Redis's default zset-max-listpack-entries: a fuller bucket would leave listpack
# The hex digits of the key's digest a member carries, after the tag's two. A member is at most 6 + 50 B (an ORI
# of 9, ":", a booking number of up to 40 ASCII characters), under zset-max-listpack-value's 64.
FRAGMENT_DIGITS = 6
_FRAGMENT = slice(2, 2 + FRAGMENT_DIGITS)
_LEVEL_ENDS = tuple(2 + level for level in range(1, LEVELS + 1))  # a level's bucket: the digest's digits to there
_BUCKETS = _LEVEL_ENDS[-1]  # the digest's digits naming a key's buckets (the last level's)
_PREFIX_BYTES = (max(_BUCKETS, 2 + FRAGMENT_DIGITS) + 1) // 2  # the digest's bytes a filing or a lookup needs
_FILE, _NEW, _UNFILE, _KEEP = "f", "n", "u", "k"  # file_bookings.lua's operations
_UPGRADE_CHUNK = 500  # former sets moved per pipeline
_SLICES = 256 * 16  # a level-1 bucket and every bucket under it: one script call of the prune
PRUNE_SLICES_A_RUN = 64  # a pass over every bucket in 64 runs
_HEX = "0123456789abcdef"


class _Filings:
    """One batch's filings, grouped by hash tag: one ``file_bookings.lua`` call each."""

    def __init__(self, names: RedisNames) -> None:
        self._buckets_of = names.booking_index_buckets_of
        # By tag: the index in KEYS of each key's first bucket (by the digest's digits after the tag that name its
        # buckets, in the order first seen: keys sharing them share their buckets), the filings of the batch's first
        # operation and expiry after its head ("<op> <expiry>"), and those of others, by head. The bucket names are
        # spelt once, by ``calls``.
        self._by_tag: dict[str, tuple[dict[str, int], list[str], dict[str, list[str]]]] = {}
        self._first_head: str | None = None
        self._not_new: set[str] = set()  # the heads of the batch's operations other than _NEW

    def add(self, digests: Iterable[str], reference: str, op: str, expiry: str) -> None:
        """One booking's filings (``op``, ``expiry``) under the blocking keys of these digests (their ``_prefixes``
        at least), one pass over them."""
        by_tag = self._by_tag
        head = f"{op} {expiry}"
        first_head = self._first_head
        if first_head is None:
            first_head = self._first_head = head
        other = head != first_head
        if op != _NEW:
            self._not_new.add(head)
        for digest in digests:
            call = by_tag.get(tag := digest[:2])
            if call is None:
                call = by_tag[tag] = ({}, [first_head], {})
            first_of, filings, others = call
            first = first_of.get(buckets := digest[2:_BUCKETS])
            if first is None:
                first = first_of[buckets] = len(first_of) + 1
            if other:
                filings = others.get(head) or others.setdefault(head, [head])
            filings.append(f"{first} {digest[_FRAGMENT]}{reference}")

    def calls(self, now_s: int) -> list[ScriptCall]:
        """Each tag's call, its KEYS level by level and its filings one a line, an argument for each operation and
        expiry, after its head (``file_bookings.lua``). A call whose filings are all new (``_NEW``) is given its
        keys' buckets from ``FIRST_LEVEL`` on only (a new filing never goes before it), the others every level."""
        buckets_of = self._buckets_of
        not_new = self._not_new
        first_new = self._first_head not in not_new
        calls: list[ScriptCall] = []
        for tag, (first_of, filings, others) in self._by_tag.items():
            head = buckets_of(tag)
            if len(filings) > 1:
                groups: Iterable[list[str]] = [filings, *others.values()]
                new_only = first_new
            else:
                groups = others.values()
                new_only = True
            top = FIRST_LEVEL if new_only and not_new.isdisjoint(others) else 1
            keys: list[str] = []
            for digits in range(top, LEVELS):  # booking_index_bucket, level by level: the digest's digits to there
                keys += [head + buckets[:digits] for buckets in first_of]
            keys += [head + buckets for buckets in first_of]  # (the last level's: every digit naming the buckets)
            calls.append((keys, [now_s, MAX_FILINGS_A_BUCKET, LEVELS, FIRST_LEVEL, top, *map("\n".join, groups)]))
        return calls


def _sizes(groups: list[list[str]]) -> str:
    """How many KEYS each group of a ``find_bookings.lua`` call has, as its third argument spells it."""
    return " ".join(str(len(group)) for group in groups)


def _prefixes(blocking_keys: Iterable[str]) -> list[str]:
    """The start of each key's SHA-256 digest that its filings and lookups take: the tag, the buckets' digits and
    the member's fragment (8 hex digits: 4 bytes hashed, not 64 digits spelt out and cut)."""
    return [_sha256(key.encode()).digest()[:_PREFIX_BYTES].hex() for key in blocking_keys]


class BookingIndex(Generic[State]):
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        keys_of: Callable[[State], Collection[str]],
        retention_seconds: int,
        clock: Clock = utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._keys_of = keys_of
        self._retention_ms = retention_seconds * 1000
        self._clock = clock
        self._file = SCRIPTS.on(client, "file_bookings")
        self._find = SCRIPTS.on(client, "find_bookings")

    async def record(self, transitions: Sequence[tuple[State, State]]) -> None:
        """File and unfile bookings as their states went from ``before`` to ``after``.

        A booking that stays in custody under the same keys while its state moved on (a release scheduled, a
        charge corrected) is filed as it was: its filings last for good already. One whose state did not move
        (``before == after``: a redelivery of events applied before) is filed again, whatever it holds, so a
        crash between saving a state and filing it is repaired when the batch comes back. A booking out of
        custody is filed again at every change, its filings' expiry following its state's."""
        now = epoch_ms(self._clock())
        retained = str((now + self._retention_ms) // 1000)  # the expiry of a filing out of custody
        filings = _Filings(self._names)
        for before, after in transitions:
            old, new = frozenset(self._keys_of(before)), frozenset(self._keys_of(after))  # (a frozenset is not copied)
            if old == new and before.in_custody and after.in_custody and before != after:
                continue
            reference = self._names.booking_reference(self._names.booking(*after.key))
            expiry = "+inf" if after.in_custody else retained
            if old:
                filings.add(_prefixes(new & old), reference, _FILE, expiry)
                filings.add(_prefixes(new - old), reference, _NEW, expiry)
                filings.add(_prefixes(old - new), reference, _UNFILE, "+inf")
            else:  # a person new to the booking: filed where new filings go, without looking for them first
                filings.add(_prefixes(new), reference, _NEW, expiry)
        await self._file.many(filings.calls(now // 1000))

    async def refile(
        self,
        states: AsyncIterable[Sequence[tuple[State, int | None]]],
        changed_keys_of: Callable[[State], tuple[Collection[str], Collection[str]]],
        *,
        scheme: str,
    ) -> int | None:
        """Move every booking from the blocking keys of a former scheme to those of the current one, ``scheme``,
        unless done before (the scheme is kept once done). ``states``: every stored state, with how long it is
        kept still (ms; None while held), a chunk at a time; ``changed_keys_of(state)``: the keys only the former
        scheme filed it under (unfiled) and those only the current one does (filed unless filed already: a batch
        since filed the booking as its state is now). Answers how many bookings, None when done before.

        Meanwhile (and for notifiers of the former scheme still running) lookups are given both schemes' keys,
        so a lodge finds a booking filed under either."""
        marker = self._names.booking_index_scheme
        if await self._client.get(marker) == scheme.encode():
            return None
        seen = 0
        async for chunk in states:
            now = epoch_ms(self._clock())
            retained = str((now + self._retention_ms) // 1000)
            filings = _Filings(self._names)
            for state, kept_ms in chunk:
                gone, added = changed_keys_of(state)
                if not gone and not added:
                    continue
                if state.in_custody:
                    expiry = "+inf"
                elif kept_ms is None:
                    expiry = retained
                else:
                    expiry = str(math.ceil((now + kept_ms) / 1000))  # with its state, to the second after
                reference = self._names.booking_reference(self._names.booking(*state.key))
                filings.add(_prefixes(gone), reference, _UNFILE, "+inf")
                filings.add(_prefixes(added), reference, _KEEP, expiry)
                seen += 1
            await self._file.many(filings.calls(now // 1000))
        await self._client.set(marker, scheme)
        return seen

    async def bookings_filed_under(self, keys: Iterable[str]) -> list[str]:
        """Booking keys filed under any of ``keys`` and not expired."""
        (found,) = await self.bookings_filed_under_each([keys])
        return found

    async def bookings_filed_under_each(self, searches: Sequence[Iterable[str]]) -> list[list[str]]:
        """For each search (blocking keys), what ``bookings_filed_under`` answers for it, in one round trip: a
        ``find_bookings.lua`` call a hash tag, every level's bucket of its keys each read once. A key several
        searches share is looked up once."""
        now_s = epoch_ms(self._clock()) // 1000
        buckets_of = self._names.booking_index_buckets_of
        # By tag: what its buckets' names start with, the position in its level's group of each bucket (by the
        # digest's digits naming it, as a line spells it), the groups' KEYS (a level's buckets each), the lines (a
        # key each) and each line's digest.
        by_tag: dict[str, tuple[str, dict[str, str], list[list[str]], list[str], list[str]]] = {}
        seen: set[str] = set()
        plans: list[list[str]] = []  # each search's digests
        for keys in searches:
            digests = list(set(_prefixes(keys)))
            for digest in digests:
                if digest in seen:
                    continue
                seen.add(digest)
                call = by_tag.get(tag := digest[:2])
                if call is None:
                    call = by_tag[tag] = (buckets_of(tag), {}, [[] for _ in range(LEVELS)], [], [])
                head, index_of, groups, lines, digests_of = call
                line = [digest[_FRAGMENT]]
                for group, end in zip(groups, _LEVEL_ENDS, strict=True):
                    at = index_of.get(digits := digest[2:end])
                    if at is None:
                        group.append(head + digits)
                        at = index_of[digits] = str(len(group))
                    line.append(at)
                lines.append(" ".join(line))
                digests_of.append(digest)
            plans.append(digests)
        calls: list[ScriptCall] = [
            ([name for group in groups for name in group], [now_s, _sizes(groups), *lines])
            for _, _, groups, lines, _ in by_tag.values()
        ]
        booking_of = self._names.booking_of_reference
        found_of: dict[str, list[str]] = {}  # the bookings found under a key, for the keys that found any
        for (*_, digests_of), reply in zip(by_tag.values(), await self._find.many(calls), strict=True):
            for item in range(0, len(reply), 2):
                position, refs = reply[item : item + 2]
                found_of[digests_of[position - 1]] = [booking_of(reference.decode()) for reference in refs]
        answers: list[list[str]] = []
        for digests in plans:
            found: set[str] = set()
            for digest in digests:
                if (bookings := found_of.get(digest)) is not None:
                    found.update(bookings)
            answers.append(sorted(found))
        return answers

    async def prune(self, slices: int = PRUNE_SLICES_A_RUN) -> int:
        """Drop the expired filings of the next ``slices`` slices of buckets; answers how many filings."""
        end = int(await self._client.incrby(self._names.booking_index_prune_cursor, slices))
        now_s = epoch_ms(self._clock()) // 1000
        calls: list[ScriptCall] = [
            (self._slice(n % _SLICES), [now_s, MAX_FILINGS_A_BUCKET, LEVELS]) for n in range(end - slices, end)
        ]
        return sum(await self._file.many(calls))

    def _slice(self, number: int) -> list[str]:
        """The buckets of one slice: a level-1 bucket (the tag's two hex digits and one) and all under it."""
        level = [f"{number:03x}"]
        prefixes = list(level)
        for _ in range(LEVELS - 1):
            level = [prefix + digit for prefix in level for digit in _HEX]
            prefixes += level
        return [self._names.booking_index_bucket(prefix) for prefix in prefixes]

    async def upgrade(self) -> int:
        """Move every set of the former layouts to the buckets; answers how many former sets were found."""
        found: list[str] = []
        moved = 0
        async for raw in self._client.scan_iter(match=self._names.former_booking_index_pattern, count=1000):
            found.append(raw.decode() if isinstance(raw, bytes) else str(raw))
            if len(found) >= _UPGRADE_CHUNK:
                moved += await self._move(found)
                found = []
        return moved + await self._move(found)

    async def _move(self, former: list[str]) -> int:
        if not former:
            return 0
        async with self._client.pipeline(transaction=False) as pipe:
            for name in former:
                pipe.zrange(name, 0, -1, withscores=True)
            contents = cast(list[list[tuple[bytes, float]]], await pipe.execute())
        filings = _Filings(self._names)
        for name, members in zip(former, contents, strict=True):
            digest = name.rsplit(":", 1)[1]
            for member, score in members:
                expiry = "+inf" if score == float("inf") else str(int(score) // 1000)
                filings.add((digest,), self._names.booking_reference(member.decode()), _KEEP, expiry)
        await self._file.many(filings.calls(epoch_ms(self._clock()) // 1000))
        async with self._client.pipeline(transaction=False) as pipe:
            for name, members in zip(former, contents, strict=True):
                if members:
                    pipe.zrem(name, *(member for member, _ in members))
            await pipe.execute()
        return len(former)
