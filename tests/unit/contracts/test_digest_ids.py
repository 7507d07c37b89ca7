"""Alert and story ids spell a digest's first 130 bits in lower-case base32, as the standard library spells them:
ids already stored and handed out stay the ids of their alerts and stories."""

from __future__ import annotations

import base64
import hashlib
import random

from contracts.alerts import digest_id, story_id_for


def test_an_id_spells_what_base64_b32encode_spells() -> None:
    rng = random.Random(7)
    digests = [bytes(17), b"\xff" * 32, *(rng.randbytes(32) for _ in range(2_000))]

    for digest in digests:
        assert digest_id("al_", digest) == "al_" + base64.b32encode(digest[:17]).decode().lower()[:26]


def test_a_story_keeps_the_id_it_was_given() -> None:
    assert (
        story_id_for("LOS-2026-000871")
        == "st_" + base64.b32encode(hashlib.sha256(b"v1|story|LOS-2026-000871").digest()[:17]).decode().lower()[:26]
    )
