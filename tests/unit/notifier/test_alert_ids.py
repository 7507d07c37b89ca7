"""Alert ids: derived by the digest rule they have always had."""

from __future__ import annotations

import base64
import hashlib

from contracts import AlertKind
from notifier.domain.alert_rules import AlertFingerprint


def _by_the_rule(digest: bytes) -> str:
    return base64.b32encode(digest).decode().lower().rstrip("=")[:26]


def test_an_alert_id_is_the_digest_of_its_fingerprint() -> None:
    for kind in AlertKind:
        fingerprint = AlertFingerprint(kind, "LOS-D-1", "CA0190000", "B-77", "2026-11-26T18:00:00+00:00")
        digest = hashlib.sha256(str(fingerprint).encode()).digest()
        assert fingerprint.alert_id == "al_" + _by_the_rule(digest)


def test_alert_ids_stay_those_already_stored() -> None:
    """Ids are how a redelivery finds the alert raised before: the rule may never change under stored alerts."""
    fingerprint = ("LOS-D-1", "CA0190000", "B-77", "2026-11-26T18:00:00+00:00")

    assert AlertFingerprint(AlertKind.IN_CUSTODY, *fingerprint).alert_id == "al_wewgawlxx4rvbnerc3ado5knoe"
    assert AlertFingerprint(AlertKind.RELEASED, *fingerprint).alert_id == "al_nqv5optvx5qxwkz55irzmo47qv"
