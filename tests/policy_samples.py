"""A sharing policy file for tests: one facility's strict policy, its county's general one, a state sharing
nothing about juveniles; facilities elsewhere share everything."""

from __future__ import annotations

import hashlib
from pathlib import Path

STRICT_FACILITY = "CA0194200"  # booking: false, releases for felonies, no transfers, identity stripped
COUNTY_FACILITY = "CA0190000"  # the county's general policy: everything but juveniles
UNCOVERED_FACILITY = "NV0020000"  # no policy

POLICIES = """\
policies:
  - jurisdiction: CA0194200
    name: "County policy 2026-14 (release notice for serious felonies)"
    share:
      booking: false
      release_scheduled:
        when: {any_charge: {severity: [felony]}}
      release:
        when: {any_charge: {severity: [felony]}}
      transfer: false
    identity_fields: [last_name, first_name, middle_name, date_of_birth, sex, a_number, fbi_number]
    detainer_forms: [I-247A, I-247N]

  - jurisdiction: CA019
    name: "County policy 2026-14 (general)"
    share:
      booking: true
      release_scheduled: true
      release: true
      transfer: true
    never_share:
      - juvenile: true
    require_judicial_warrant: true
"""

BAD_POLICIES = """\
policies:
  - jurisdiction: CA0194200
    name: "County policy 2026-14"
    share:
      booking: false
      release_scheduled:
        when: {any_charge: {severty: [felony]}}
      release: true
      transfer: true
"""
BAD_LINE = 7  # the misspelt key

ONE_POLICY = """\
policies:
  - jurisdiction: TX
    name: "State policy"
    share: {booking: true, release_scheduled: true, release: true, transfer: false}
"""


def sha256_of(text: str) -> str:
    """A policy file's digest, as the audit trail and ``GET /v1/policies`` name it."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def write_policies(directory: Path, text: str = POLICIES, name: str = "policies.yaml") -> Path:
    path = directory / name
    path.write_text(text)
    return path
