"""RedisNames: every key carries the prefix, and keys used together share one cluster slot."""

from __future__ import annotations

import fnmatch

import pytest
from redis.crc import key_slot

from contracts import RedisNames
from contracts.detainers import detainer_id_in, detainer_ref_for

NAMES = RedisNames("rw")


def hash_tag(key: str) -> str | None:
    """What Redis Cluster hashes: the text between the first ``{`` and the next ``}``, if not empty."""
    start = key.find("{")
    if start == -1:
        return None
    end = key.find("}", start + 1)
    if end in (-1, start + 1):
        return None
    return key[start + 1 : end]


def slot(key: str) -> int:
    return key_slot(key.encode())


CUSTODY_KEYS = [NAMES.custody_events, NAMES.custody_receipt("CA0194200", "evt-0001"), NAMES.legacy_custody_receipt("x")]

DETAINER_KEYS = [
    NAMES.detainer_changes,
    NAMES.detainer("LOS-2026-000871"),
    NAMES.active_detainers,
    NAMES.detainer_listing(),
    NAMES.detainer_listing(field_office="LOS"),
    NAMES.detainer_listing(status="active"),
    NAMES.detainer_listing(field_office="NYC", status="lifted"),
    *NAMES.listings("detainers", "HOU", "active"),
]

ALERT_KEYS = [
    NAMES.alert("al_abc"),
    NAMES.alerts_raised,
    NAMES.alerts_delivered,
    NAMES.alerts_emailed,
    NAMES.alert_reviews,
    NAMES.alert_listing(),
    NAMES.alert_listing(field_office="LOS"),
    NAMES.alert_listing(status="open"),
    NAMES.alert_listing(field_office="LOS", status="acknowledged"),
    *NAMES.listings("alerts", "NYC", "resolved"),
    NAMES.story("st_abc"),
    NAMES.story_listing(),
    NAMES.story_listing(field_office="LOS"),
]


@pytest.mark.parametrize(
    ("family", "keys"),
    [
        pytest.param("custody", CUSTODY_KEYS, id="custody"),
        pytest.param("detainers", DETAINER_KEYS, id="detainers"),
        pytest.param("alerts", ALERT_KEYS, id="alerts"),
        pytest.param("dead-letters", [NAMES.dead_letters], id="dead-letters"),
    ],
)
def test_keys_of_one_family_share_its_hash_tag_and_so_one_cluster_slot(family: str, keys: list[str]) -> None:
    assert {key: hash_tag(key) for key in keys} == dict.fromkeys(keys, family)
    assert all("{" + family + "}" in key for key in keys)
    assert len({slot(key) for key in keys}) == 1


def test_families_are_distinct_hash_tags() -> None:
    tags = {hash_tag(keys[0]) for keys in (CUSTODY_KEYS, DETAINER_KEYS, ALERT_KEYS, [NAMES.dead_letters])}

    assert tags == {"custody", "detainers", "alerts", "dead-letters"}


def test_booking_key_has_a_tag_of_its_own_booking() -> None:
    key = NAMES.booking("CA0194200", "2026-004512")

    assert hash_tag(key) == "CA0194200:2026-004512"


def test_bookings_differ_in_tag_so_the_cluster_spreads_them() -> None:
    keys = [NAMES.booking("CA0194200", f"2026-{number:06d}") for number in range(50)]

    assert len({hash_tag(key) for key in keys}) == 50
    assert len({slot(key) for key in keys}) > 1


def test_same_booking_number_in_two_facilities_is_two_keys() -> None:
    assert NAMES.booking("CA0194200", "1") != NAMES.booking("NV0020000", "1")


def test_booking_index_buckets_are_named_by_a_digest_prefix_under_one_of_256_tags_of_its_own() -> None:
    bucket = NAMES.booking_index_bucket("9f8")

    assert bucket.endswith(":8")
    # A batch's filings under the keys of one tag go in one script call, so a tag's buckets share it:
    # the digest's first two hex digits, 256 tags a cluster spreads, none of them another family's.
    assert hash_tag(bucket) == hash_tag(NAMES.booking_index_bucket("9f8d0"))
    assert hash_tag(bucket) == "b:9f"
    tags = {hash_tag(NAMES.booking_index_bucket(f"{n:02x}0")) for n in range(256)}
    assert len(tags) == 256
    assert len({slot(f"{{{tag}}}") for tag in tags if tag is not None}) > 200
    assert NAMES.booking_index_buckets_of("9f") + "8d0" == NAMES.booking_index_bucket("9f8d0")  # built either way
    levels = [NAMES.booking_index_bucket("9f86d"[:n]) for n in range(3, 6)]
    assert len(set(levels)) == 3


def test_booking_index_keeps_a_booking_by_its_reference_and_gives_back_its_key() -> None:
    key = NAMES.booking("CA0194200", "2026-004512")

    assert NAMES.booking_reference(key) == "CA0194200:2026-004512"
    assert NAMES.booking_of_reference(NAMES.booking_reference(key)) == key


def test_the_former_index_layouts_are_named_by_the_whole_digest_and_matched_by_their_pattern() -> None:
    tagged, untagged = NAMES.bookings_by_blocking_key("9f86d081"), NAMES.former_bookings_by_blocking_key("9f86d081")

    assert hash_tag(tagged) == "b:9f"
    assert hash_tag(untagged) is None
    pattern = NAMES.former_booking_index_pattern
    assert fnmatch.fnmatchcase(tagged, pattern)
    assert fnmatch.fnmatchcase(untagged, pattern)
    assert not fnmatch.fnmatchcase(NAMES.booking_index_bucket("9f8"), pattern)


def test_listing_family_names_are_the_ones_the_listing_helpers_use() -> None:
    assert NAMES.listings("detainers", "LOS", "active") == (
        NAMES.detainer_listing(),
        NAMES.detainer_listing(field_office="LOS"),
        NAMES.detainer_listing(status="active"),
        NAMES.detainer_listing(field_office="LOS", status="active"),
    )
    assert NAMES.listings("alerts", "LOS", "open") == (
        NAMES.alert_listing(),
        NAMES.alert_listing(field_office="LOS"),
        NAMES.alert_listing(status="open"),
        NAMES.alert_listing(field_office="LOS", status="open"),
    )


def test_listings_narrowed_differently_are_different_keys() -> None:
    keys = [
        *NAMES.listings("detainers", "LOS", "active"),
        *NAMES.listings("detainers", "LOS", "lifted"),
        *NAMES.listings("detainers", "NYC", "active"),
        *NAMES.listings("alerts", "LOS", "active"),
    ]

    distinct_expected = 4 + 2 + 2 + 4  # the unnarrowed and the shared-office/status listings repeat
    assert len(set(keys)) == distinct_expected


def _every_name(names: RedisNames) -> list[str]:
    return [
        names.custody_events,
        names.custody_receipt("CA0194200", "evt-1"),
        names.detainer_changes,
        names.detainer("D-1"),
        names.active_detainers,
        names.detainer_listing(field_office="LOS", status="active"),
        *names.listings("detainers", "LOS", "active"),
        names.booking("CA0194200", "1"),
        names.bookings_by_blocking_key("abc"),
        names.booking_index_bucket("abc"),
        names.booking_index_prune_cursor,
        names.alert("al_1"),
        names.alert_listing(field_office="LOS", status="open"),
        *names.listings("alerts", "LOS", "open"),
        names.alerts_raised,
        names.alert_reviews,
        names.dead_letters,
    ]


@pytest.mark.parametrize("prefix", ["rw", "releasewatch-test", "tenant:a", "rw_7"])
def test_every_name_starts_with_the_prefix(prefix: str) -> None:
    names = RedisNames(prefix)

    assert all(name.startswith(prefix + ":") for name in _every_name(names))
    assert names.scan_pattern == prefix + ":*"


def test_default_prefix_is_rw() -> None:
    assert RedisNames().prefix == "rw"
    assert RedisNames().custody_events == "rw:{custody}:events"


def test_two_prefixes_never_share_a_name() -> None:
    assert not set(_every_name(RedisNames("a"))) & set(_every_name(RedisNames("b")))


@pytest.mark.parametrize(
    "prefix",
    ["", "rw{x}", "rw{", "rw}", "rw*", "rw?", "rw x"],
    ids=["empty", "tag", "open", "close", "star", "q", "sp"],
)
def test_invalid_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix may hold only"):
        RedisNames(prefix)


@pytest.mark.parametrize("prefix", ["rw[1]", "rw\\x"], ids=["brackets", "backslash"])
def test_prefix_with_glob_characters_is_refused_so_the_scan_pattern_finds_the_service_keys(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        RedisNames(prefix)


def test_a_detainer_reference_holds_its_office_and_never_equals_an_id() -> None:
    ref = detainer_ref_for("LOS", "D-1")

    assert ref == "LOS/D-1"
    assert detainer_id_in(ref) == detainer_id_in("D-1") == "D-1"
    assert NAMES.detainer(ref) != NAMES.detainer("D-1")  # an id can hold no "/": no former record shares the key


def test_receipts_are_per_facility_and_never_share_a_key_with_a_former_one() -> None:
    assert NAMES.custody_receipt("CA0194200", "evt-1") != NAMES.custody_receipt("CA0190000", "evt-1")
    assert NAMES.custody_receipt("CA0194200", "evt-1") != NAMES.legacy_custody_receipt("CA0194200:evt-1")
    assert NAMES.roster_receipt("CA0194200", "r-1") != NAMES.legacy_roster_receipt("CA0194200:r-1")
