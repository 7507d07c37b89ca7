"""Policies and custody events built the way they arrive: a policy from its YAML, an event from its JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from contracts import CustodyEvent, custody_event_adapter
from contracts.policies import JurisdictionPolicy
from policies import BookingDisclosure, Disclosure, PolicyBook, disclose, read_policy_text
from tests import samples

FACILITY = "CA0194200"

FELONY = samples.charge()  # PC 459 burglary, NCIC 2299
MISDEMEANOR = samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")

# The policy of the county in the examples: in-custody notices never, release notices for felonies only.
SERIOUS_FELONIES = """
policies:
  - jurisdiction: CA0194200
    name: "County policy 2026-14 (release notice for serious felonies)"
    share:
      booking: false                      # in-custody notices
      release_scheduled:
        when: {any_charge: {severity: [felony]}}
      release:
        when: {any_charge: {severity: [felony]}}
      transfer: true
    identity_fields: [last_name, first_name, middle_name, date_of_birth, sex, a_number, fbi_number]
    detainer_forms: [I-247A, I-247N]
    require_judicial_warrant: false
"""


def book(text: str) -> PolicyBook:
    return PolicyBook(read_policy_text(textwrap.dedent(text).encode()).policies)


def policy(text: str = SERIOUS_FELONIES, jurisdiction: str = FACILITY) -> JurisdictionPolicy:
    found = book(text).policy_for(jurisdiction)
    assert found is not None
    return found


def one_policy(share: str, **extra: str) -> JurisdictionPolicy:
    """A policy for the facility with ``share`` (YAML flow mapping) and other keys given as YAML values."""
    lines = [
        "policies:",
        f"  - jurisdiction: {FACILITY}",
        "    name: Test policy",
        f"    share: {share}",
        *(f"    {key}: {value}" for key, value in extra.items()),
    ]
    return policy("\n".join(lines))


ALL_SHARED = "{booking: true, release_scheduled: true, release: true, transfer: true}"


def event(kind: str, **overrides: Any) -> CustodyEvent:
    """A custody event of ``kind`` as intake parses it."""
    return custody_event_adapter.validate_json(json.dumps(samples.EVENT_BUILDERS[kind](**overrides)))


def run(rules: JurisdictionPolicy | None, events: Iterable[CustodyEvent]) -> list[Disclosure]:
    """Each event's disclosure, in arrival order, as intake keeps the booking's record between them."""
    kept: BookingDisclosure | None = None
    outcomes = []
    for each in events:
        outcome = disclose(rules, kept, each)
        kept = outcome.state
        outcomes.append(outcome)
    return outcomes


def published(outcomes: Iterable[Disclosure]) -> list[str]:
    """The ids of every event published, in order."""
    return [each.event_id for outcome in outcomes for each in outcome.publish]
