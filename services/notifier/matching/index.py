"""An in-memory index of people by blocking key, compact enough for a million entries.

Keys are held as 64-bit hashes in one sorted numpy array (with the entry's
slot beside each) and a directory of where each range of hashes starts (the
hash's top bits index it, 8 to 16 postings to a range on average): a search
reads all its keys' ranges in one gather, a few cache lines per key instead of
a binary search's twenty-odd reads over the whole array (at a million people,
17 million postings: 16 MB of directory). Entries filed since the
last merge sit in a small dict and are merged in when it grows. Beside the
directory, a bitmap has a bit for each value of a hash's top bits (4 to 8 bits a
posting): most of a booked person's keys are filed under by no one, and a clear
bit tells so without reading the arrays (at a million people, 16 MB). The search keys that find only
records without a date of birth (``o:``) or only entries of an index for undated searches (``n:``) are not
looked under at all where there are none (a person on the wire always has a date of birth). A removed
entry's slot is emptied at once, so it is never a candidate again, and its
postings are dropped at the next merge. Per entry the index keeps its id, an
optional tag (the detainer index keeps the field office there) and the
pre-normalised ``MatchRecord``, in parallel lists: no object per entry.
A batch's booked people are searched for at once (``matches_many``): every
person's keys through the bitmap and the directory in a few numpy calls, where
one person's dozen keys are read one by one.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from contracts import MatchEvidence, Person
from notifier.matching.decide import MatchConfig, decide_among
from notifier.matching.keys import filing_keys, person_lookup_keys
from notifier.matching.model import MatchModel
from notifier.matching.record import MatchRecord, match_record

__all__ = ["PersonIndex"]

_MIN_MERGE = 50_000  # postings waiting in the dict before they are merged into the arrays
_PER_BUCKET = 16  # postings per directory entry, at most on average (8 bytes an entry)
_FILTER_BITS = 4  # bits of the bitmap a posting, at least (a key no one has passes one time in 5 to 8, or fewer)
_FILTER_CHUNK = 1 << 18  # postings whose bits are set at a time (the working arrays: 2 MB each)
_SIGN = np.uint64(1 << 63)  # flipping the sign bit orders signed hashes as unsigned ones
# Up to this many keys a search reads each key's range with a binary search in Python, past it in numpy
# gathers: numpy's fixed cost a call outweighs its speed on the handful of keys a booked person has.
_FEW_KEYS = 24
# From this many people a search for their candidates reads everyone's keys at once (``candidate_records_many``).
_FEW_PEOPLE = 8


# Python's string hash: stable within the process, which is all an in-memory index needs (Redis key names
# use a SHA-256 digest instead). A collision only adds a candidate. A string keeps its hash once worked out.
_hash = hash


def _record(person: Person | MatchRecord) -> MatchRecord:
    return person if isinstance(person, MatchRecord) else match_record(person)


def _undated(record: MatchRecord | None) -> bool:
    """Whether a record has a name form without a date of birth (a person on the wire never has)."""
    return record is not None and any(form.birth is None for form in record.forms)


class PersonIndex:
    """Files each entry (by id) under its person's blocking keys, and decides who matches a person.

    ``undated_searches``: file everyone under their names alone too, for searches by records
    without a date of birth (never on the wire: a person always has one; some benchmark data do).
    """

    def __init__(
        self, *, config: MatchConfig | None = None, model: MatchModel | None = None, undated_searches: bool = False
    ) -> None:
        self._config = config
        self._model = model
        self._undated_searches = undated_searches
        self._slot_by_id: dict[str, int] = {}
        self._ids: list[str | None] = []  # by slot; None once removed
        self._tags: list[str] = []  # by slot
        self._records: list[MatchRecord | None] = []  # by slot
        self._keys: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)  # sorted key hashes
        self._slots: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)  # the slot of each posting
        self._shift = np.uint64(63)  # a hash's bucket is its top (64 - shift) bits, sign flipped
        self._directory: npt.NDArray[np.int64] = np.zeros(3, dtype=np.int64)  # bucket b: _keys[d[b]:d[b + 1]]
        self._views = _Views(self._keys, self._slots, self._directory, 1)
        self._recent: dict[int, list[int]] = {}  # postings filed since the last merge
        self._recent_postings = 0
        self._removed = 0
        self._undated = 0  # entries with a name form without a date of birth (filed under ``o:`` keys)

    def __len__(self) -> int:
        return len(self._slot_by_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._slot_by_id

    def record(self, entry_id: str) -> MatchRecord | None:
        """The entry's person as filed, or None if it is not here."""
        slot = self._slot_by_id.get(entry_id)
        return None if slot is None else self._records[slot]

    def tag(self, entry_id: str) -> str | None:
        """The tag the entry was filed with, or None if it is not here."""
        slot = self._slot_by_id.get(entry_id)
        return None if slot is None else self._tags[slot]

    # --- filing -----------------------------------------------------------------------

    def _new_slot(self, entry_id: str, record: MatchRecord, tag: str) -> int:
        self.remove(entry_id)
        slot = len(self._records)
        self._ids.append(entry_id)
        self._tags.append(sys.intern(tag))
        self._records.append(record)
        self._slot_by_id[entry_id] = slot
        self._undated += _undated(record)
        return slot

    def add(self, entry_id: str, person: Person | MatchRecord, *, tag: str = "") -> None:
        """File ``entry_id`` under the person's keys, replacing what it was filed under before."""
        record = _record(person)
        slot = self._new_slot(entry_id, record, tag)
        for key in filing_keys(record, undated_searches=self._undated_searches):
            self._recent.setdefault(_hash(key), []).append(slot)
            self._recent_postings += 1
        if self._recent_postings > max(_MIN_MERGE, len(self._keys) // 8):
            self._merge()

    def add_many(self, entries: Iterable[tuple[str, Person | MatchRecord, str]]) -> None:
        """File many (id, person, tag) at once, as at start-up: one sort instead of a merge per batch."""
        hashes, slots = array("q"), array("i")  # 12 bytes a posting, no Python int kept per posting
        for entry_id, person, tag in entries:
            record = _record(person)
            slot = self._new_slot(entry_id, record, tag)
            keys = filing_keys(record, undated_searches=self._undated_searches)
            hashes.extend(_hash(key) for key in keys)
            slots.extend([slot] * len(keys))
        self._merge(np.frombuffer(hashes, dtype=np.int64), np.frombuffer(slots, dtype=np.int32))

    def remove(self, entry_id: str) -> None:
        slot = self._slot_by_id.pop(entry_id, None)
        if slot is not None:
            self._undated -= _undated(self._records[slot])
            self._ids[slot] = None
            self._records[slot] = None
            self._removed += 1

    def _merge(
        self,
        extra_keys: npt.NDArray[np.int64] | None = None,
        extra_slots: npt.NDArray[np.int32] | None = None,
    ) -> None:
        recent_keys = np.fromiter(
            (key for key, slots in self._recent.items() for _ in slots), dtype=np.int64, count=self._recent_postings
        )
        recent_slots = np.fromiter(
            (slot for slots in self._recent.values() for slot in slots), dtype=np.int32, count=self._recent_postings
        )
        keys = np.concatenate([self._keys, recent_keys, *([] if extra_keys is None else [extra_keys])])
        slots = np.concatenate([self._slots, recent_slots, *([] if extra_slots is None else [extra_slots])])
        if self._removed:
            alive = np.fromiter((entry is not None for entry in self._ids), dtype=bool, count=len(self._ids))
            kept = alive[slots]
            keys, slots = keys[kept], slots[kept]
            if self._removed * 4 > len(self._ids):
                slots = self._renumber(alive, slots)
        order = np.argsort(keys, kind="stable")
        self._keys, self._slots = keys[order], slots[order]
        self._recent, self._recent_postings = {}, 0
        self._build_directory()

    def _build_directory(self) -> None:
        """Where each bucket of hashes starts in ``_keys`` (sorted, so each bucket is one range)."""
        bits = max(1, (len(self._keys) // _PER_BUCKET).bit_length())
        self._shift = np.uint64(64 - bits)
        buckets = ((self._keys.view(np.uint64) ^ _SIGN) >> self._shift).astype(np.intp)
        directory = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(np.bincount(buckets, minlength=1 << bits), out=directory[1:])
        self._directory = directory
        self._views = _Views(self._keys, self._slots, directory, bits)

    def _filed_slots(self, keys: Collection[str]) -> list[int]:
        """The slots filed under any of these keys in the merged arrays (with repeats)."""
        if not len(self._keys) or not keys:
            return []
        if len(keys) <= _FEW_KEYS:
            return self._views.filed_slots(keys)
        hashes = np.fromiter(map(_hash, keys), dtype=np.int64, count=len(keys))
        filed, _ = self._gather(hashes)
        slots: list[int] = self._slots[filed].tolist()
        return slots

    def _gather(self, hashes: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Where in the merged arrays these hashes are filed: the postings' positions, and for each the index in
        ``hashes`` of the hash it holds (in the order of ``hashes``)."""
        buckets = ((hashes.view(np.uint64) ^ _SIGN) >> self._shift).astype(np.intp)
        starts = self._directory[buckets]
        counts = self._directory[buckets + 1] - starts
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        # Every position of every hash's bucket, one after the other; keep those holding the hash.
        positions = np.arange(total) + np.repeat(starts - ends + counts, counts)
        searched = np.repeat(np.arange(len(hashes)), counts)
        held = self._keys[positions] == hashes[searched]
        return positions[held], searched[held]

    def _renumber(self, alive: npt.NDArray[np.bool_], slots: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """Drop the empty slots of removed entries (they would otherwise grow without bound)."""
        new_slot = (np.cumsum(alive) - 1).astype(np.int32)
        kept = [slot for slot, entry_id in enumerate(self._ids) if entry_id is not None]
        self._ids = [self._ids[slot] for slot in kept]
        self._tags = [self._tags[slot] for slot in kept]
        self._records = [self._records[slot] for slot in kept]
        self._slot_by_id = {entry_id: slot for slot, entry_id in enumerate(self._ids) if entry_id is not None}
        self._removed = 0
        renumbered: npt.NDArray[np.int32] = new_slot[slots]
        return renumbered

    # --- searching ----------------------------------------------------------------------

    def _search_keys(self, record: MatchRecord) -> tuple[str, ...]:
        """The keys to look under for the record here, each once."""
        keys, filing = person_lookup_keys(record)
        if not self._undated and not self._undated_searches:
            keys = keys[:filing]  # the rest (``o:``, ``n:``) find only entries filed undated, or for undated searches
        return keys

    def _entries(self, found: list[int]) -> list[tuple[str, MatchRecord]]:
        """The entries of these slots (with repeats), each once, in filing order."""
        ids, records, candidates = self._ids, self._records, []
        for slot in sorted(set(found)):
            entry_id, candidate = ids[slot], records[slot]
            if entry_id is not None and candidate is not None:
                candidates.append((entry_id, candidate))
        return candidates

    def candidate_records(self, person: Person | MatchRecord) -> list[tuple[str, MatchRecord]]:
        """The entries filed under any of the person's search keys, in filing order."""
        keys = self._search_keys(_record(person))
        found = self._filed_slots(keys)
        if recent := self._recent:
            for key in keys:
                found += recent.get(_hash(key), ())
        if not found:
            return []  # most people: no one filed under any of their keys
        return self._entries(found)

    def candidate_records_many(self, people: Sequence[Person | MatchRecord]) -> list[list[tuple[str, MatchRecord]]]:
        """``candidate_records`` of each person, for less: every person's keys looked under at once (a batch's
        booked people), numpy's cost a call paid once rather than a person's keys read one by one."""
        if len(people) < _FEW_PEOPLE or not len(self._keys):
            return [self.candidate_records(person) for person in people]
        searched: list[str] = []
        ends: list[int] = []  # where each person's keys end in ``searched``
        for person in people:
            searched += self._search_keys(_record(person))
            ends.append(len(searched))
        hashes = np.fromiter(map(_hash, searched), dtype=np.int64, count=len(searched))
        views = self._views
        # The bitmap first, as ``_Views.filed_slots`` reads it: most keys are filed under by no one.
        tops = (hashes >> views.filter_shift) + views.filter_offset
        passed = np.flatnonzero(np.frombuffer(views.filter, dtype=np.uint8)[tops >> 3] >> (tops & 7) & 1)
        positions, which = self._gather(hashes[passed])
        owners = np.searchsorted(np.asarray(ends), passed[which], side="right")  # the person each key is of
        found: list[list[int]] = [[] for _ in people]
        for owner, slot in zip(owners.tolist(), self._slots[positions].tolist(), strict=True):
            found[owner].append(slot)
        if recent := self._recent:
            start = 0
            for person_found, end in zip(found, ends, strict=True):
                for key in searched[start:end]:
                    person_found += recent.get(_hash(key), ())
                start = end
        return [self._entries(slots) if slots else [] for slots in found]

    def candidates(self, person: Person | MatchRecord) -> set[str]:
        """Ids filed under any of the person's search keys."""
        return {entry_id for entry_id, _ in self.candidate_records(person)}

    def could_match(self, person: Person | MatchRecord, entry_id: str) -> bool:
        """Whether ``matches(person)`` could hold ``entry_id``: the pair on its own is decided on, with the
        thresholds ``matches`` uses. Deciding among more candidates only lowers a pair's decision (a runner-up's
        margin), never raises one, so False means it is not there; True, that ``matches`` has to say."""
        slot = self._slot_by_id.get(entry_id)
        if slot is None or (candidate := self._records[slot]) is None:
            return False
        pair = [(entry_id, candidate)]
        return bool(decide_among(_record(person), pair, config=self._config, model=self._model, detainers=len(self)))

    def matches(self, person: Person | MatchRecord) -> list[tuple[str, MatchEvidence]]:
        """The entries that match or possibly match the person, each with its evidence, best first."""
        record = _record(person)
        candidates = self.candidate_records(record)
        if not candidates:
            return []  # as ``decide_among`` decides over none
        return decide_among(
            record, candidates, config=self._config, model=self._model, detainers=len(self), group_of=self.tag
        )

    def matches_many(self, people: Sequence[Person | MatchRecord]) -> list[list[tuple[str, MatchEvidence]]]:
        """``matches`` of each person (their candidates searched for at once)."""
        records = [_record(person) for person in people]
        config, model, detainers, tag = self._config, self._model, len(self), self.tag
        return [
            decide_among(record, candidates, config=config, model=model, detainers=detainers, group_of=tag)
            if candidates
            else []
            for record, candidates in zip(records, self.candidate_records_many(records), strict=True)
        ]


class _Views:
    """The merged arrays read an element at a time from Python: memoryviews index without numpy's cost a call.

    ``filter``: bit ``t`` (of byte ``t >> 3``) is set if a filed hash's top ``filter_bits`` bits (sign flipped)
    are ``t``. A hash whose bit is clear is filed under by no one, so its bucket is not read.
    """

    __slots__ = ("directory", "extra_shift", "filter", "filter_offset", "filter_shift", "keys", "slots")

    def __init__(
        self,
        keys: npt.NDArray[np.int64],
        slots: npt.NDArray[np.int32],
        directory: npt.NDArray[np.int64],
        bucket_bits: int,
    ) -> None:
        filter_bits = max(3, bucket_bits, (len(keys) * _FILTER_BITS - 1).bit_length())
        filter_bytes = np.zeros(1 << (filter_bits - 3), dtype=np.uint8)
        shift = np.uint64(64 - filter_bits)
        # A chunk of hashes at a time: the working arrays are a few of its size (8 bytes a hash each), so setting
        # the bits of a million people's 17 million postings at once would hold hundreds of MB for a moment.
        for start in range(0, len(keys), _FILTER_CHUNK):
            tops = (keys[start : start + _FILTER_CHUNK].view(np.uint64) ^ _SIGN) >> shift  # sorted, as the keys are
            in_byte = (tops >> np.uint64(3)).astype(np.intp)
            bit = np.left_shift(1, (tops & np.uint64(7)).astype(np.uint8), dtype=np.uint8)
            runs = np.flatnonzero(np.diff(in_byte, prepend=-1))  # where each byte's run of hashes starts
            filter_bytes[in_byte[runs]] |= np.bitwise_or.reduceat(bit, runs)  # (a byte once a chunk)
        self.keys, self.slots, self.directory = keys.data, slots.data, directory.data
        self.filter = filter_bytes.tobytes()  # (bytes index faster than a memoryview)
        self.filter_shift = 64 - filter_bits
        # (hash + 2**63) >> shift, worked out as (hash >> shift) + 2**(63 - shift): no 64-bit sum a key
        self.filter_offset = 1 << (filter_bits - 1)
        self.extra_shift = filter_bits - bucket_bits  # from the filter's top bits to the bucket's

    def filed_slots(self, search_keys: Iterable[str]) -> list[int]:
        keys, slots, directory, filter_bytes = self.keys, self.slots, self.directory, self.filter
        filter_shift, filter_offset, extra_shift = self.filter_shift, self.filter_offset, self.extra_shift
        found: list[int] = []
        for key in map(_hash, search_keys):
            top = (key >> filter_shift) + filter_offset
            if not filter_bytes[top >> 3] >> (top & 7) & 1:
                continue
            bucket = top >> extra_shift
            end = directory[bucket + 1]
            start = bisect_left(keys, key, directory[bucket], end)
            if start < end and keys[start] == key:
                found.extend(slots[start : bisect_right(keys, key, start, end)])
        return found
