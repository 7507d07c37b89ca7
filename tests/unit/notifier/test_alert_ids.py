"""Alert and story ids: derived by the digest rule they have always had (the fast reading of it included)."""

from __future__ import annotations

import base64
import hashlib
import random

from contracts import AlertKind
from contracts.alerts import story_id_for
from notifier.domain.alert_rules import AlertFingerprint, _base32_head, _story_id


def _by_the_rule(digest: bytes) -> str:
    return base64.b32encode(digest).decode().lower().rstrip("=")[:26]


def test_base32_head_reads_a_digest_as_base32_does() -> None:
    generator = random.Random(7)
    digests = [bytes([value] * 32) for value in (0, 1, 0x80, 0xFF)]
    digests += [generator.randbytes(32) for _ in range(20_000)]
    digests += [bytes(31) + bytes([1 << bit]) for bit in range(8)]  # bits past the 130th play no part
    digests += [bytes(16) + bytes([1 << bit]) + bytes(15) for bit in range(8)]  # the 17th byte's top two do
    for digest in digests:
        assert _base32_head(digest) == _by_the_rule(digest)


def test_an_alert_id_is_the_digest_of_its_fingerprint() -> None:
    for kind in AlertKind:
        fingerprint = AlertFingerprint(kind, "LOS-D-1", "CA0190000", "B-77", "2026-11-26T18:00:00+00:00")
        digest = hashlib.sha256(str(fingerprint).encode()).digest()
        assert fingerprint.alert_id == "al_" + _by_the_rule(digest)


def test_a_story_id_is_derived_as_the_contract_derives_it() -> None:
    generator = random.Random(11)
    refs = ["LOS/LOS-2026-000871", "LOS-2026-000871", "", "SFR/D-99", "NYC/Ñ-1 李"]
    refs += [f"{generator.choice(['LOS', 'NYC', 'SFR'])}/D-{generator.randrange(10**9)}" for _ in range(5_000)]
    for ref in refs:
        assert _story_id(ref) == story_id_for(ref)
