"""Sharing policies: what a jurisdiction lets its jails tell releasewatch, and releasewatch tell field offices.

A policy file (YAML, loaded by ``policies.load_policy_file``) holds one policy
per jurisdiction: a state (``CA``), a county's ORI prefix (``CA019``: the state
and the three characters of the county) or one facility's full ORI
(``CA0194200``). The most specific policy covering a facility applies; a
facility no policy covers shares everything.

A policy says, for each kind of custody event, whether it is shared: always
(``true``), never (``false``), or only ``when`` a condition on what is known of
the booking holds (its charges, the person's age). It names the identity
fields that may leave the jail (the others are stripped and kept nowhere), the
detainer forms the jurisdiction answers, and whether it answers only detainers
backed by a judicial warrant.

These models are the file's contract and what ``GET /v1/policies`` serves;
they are written to be read by the county counsel who drafts the file. The
evaluation (pure) is in the ``policies`` package.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    StringConstraints,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts.base import WireModel
from contracts.codes import US_STATE_CODES
from contracts.detainers import DetainerForm
from contracts.events import ChargeSeverity

__all__ = [
    "REQUIRED_IDENTITY_FIELDS",
    "ChargeCriteria",
    "Condition",
    "IdentityField",
    "JurisdictionPolicy",
    "PolicyFile",
    "PolicyMark",
    "PolicyRule",
    "ShareRule",
    "SharingRules",
    "WithheldFact",
    "Withholding",
    "jurisdiction_level",
]


class PolicyModel(BaseModel):
    """Frozen; an unknown key (a typo) is refused, so a rule is never silently ignored.

    Not strict: the file is YAML, read into Python values (an event type or a
    severity arrives as a plain string, never as the enum).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- jurisdictions -------------------------------------------------------------------

_JURISDICTION = re.compile(r"[A-Z]{2}(?:[A-Z0-9]{3}(?:[A-Z0-9]{4})?)?")
_LEVELS = {2: "state", 5: "county", 9: "facility"}


def jurisdiction_level(jurisdiction: str) -> str:
    """``state``, ``county`` or ``facility``, by the length of the ORI prefix."""
    return _LEVELS[len(jurisdiction)]


def _check_jurisdiction(value: str) -> str:
    if not _JURISDICTION.fullmatch(value):
        raise PydanticCustomError(
            "jurisdiction_format",
            "must be a state (CA), a county's ORI prefix (CA019: the state and 3 letters or digits) or a "
            "facility's 9-character ORI (CA0194200), in upper case",
        )
    if value[:2] not in US_STATE_CODES:
        raise PydanticCustomError("jurisdiction_state", "must start with a USPS state or territory code, e.g. CA")
    return value


Jurisdiction = Annotated[str, AfterValidator(_check_jurisdiction)]


# --- conditions ----------------------------------------------------------------------

_STATUTE = re.compile(r"[^*]{1,64}\*?")
_NCIC_PATTERN = re.compile(r"[0-9]{4}|[0-9]{2}[xX]{2}|[0-9]{3}[xX]")


def _check_statute(value: str) -> str:
    if not _STATUTE.fullmatch(value) or not value.strip(" *"):
        raise PydanticCustomError(
            "statute_pattern",
            "must be a statute as jails write it (e.g. PC 459), optionally ending in * for every statute "
            "starting so (e.g. PC 245*)",
        )
    return value


def _check_ncic_pattern(value: str) -> str:
    if not _NCIC_PATTERN.fullmatch(value):
        raise PydanticCustomError(
            "ncic_pattern",
            "must be a 4-digit NCIC offense code (1313) or a family of codes with x for any digit (13xx, 131x)",
        )
    return value.lower()


StatutePattern = Annotated[str, AfterValidator(_check_statute)]
NcicPattern = Annotated[str, AfterValidator(_check_ncic_pattern)]


class ChargeCriteria(PolicyModel):
    """What one charge must be for the criteria to hold: every key given must hold for the same charge;
    within a key, any of the values listed will do."""

    severity: tuple[ChargeSeverity, ...] | None = Field(
        default=None, min_length=1, description="e.g. [felony]", examples=[["felony"]]
    )
    statute: tuple[StatutePattern, ...] | None = Field(
        default=None,
        min_length=1,
        description="Statutes as jails write them, compared without regard to case or spacing; a trailing * "
        "matches every statute starting so (PC 245* matches PC 245(a)(1)).",
        examples=[["PC 187", "PC 245*"]],
    )
    ncic_code: tuple[NcicPattern, ...] | None = Field(
        default=None,
        min_length=1,
        description="NCIC offense codes (4 digits), or families with x for any digit (13xx: assault). A charge "
        "sent without a code matches none.",
        examples=[["09xx", "1313"]],
    )

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if self.severity is None and self.statute is None and self.ncic_code is None:
            raise PydanticCustomError(
                "empty_charge_criteria", "must name at least one of severity, statute or ncic_code"
            )
        return self


class Condition(PolicyModel):
    """A condition on what is known of the booking when the event arrives. Every key given must hold;
    ``any_of`` holds when one of its conditions does."""

    any_charge: ChargeCriteria | None = Field(
        default=None, description="At least one charge known for the booking (booking plus corrections) is so."
    )
    no_charge: ChargeCriteria | None = Field(
        default=None, description="None of the charges known for the booking is so (also true with no charges)."
    )
    juvenile: bool | None = Field(
        default=None,
        description="true: the person was under 18 when booked; false: 18 or older. Judged from the date of birth.",
    )
    any_of: tuple[Condition, ...] | None = Field(default=None, min_length=2, description="Either of these.")

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if all(value is None for value in (self.any_charge, self.no_charge, self.juvenile, self.any_of)):
            raise PydanticCustomError(
                "empty_condition",
                "must name at least one of any_charge, no_charge, juvenile or any_of (to share always, write true)",
            )
        return self


class ShareRule(PolicyModel):
    """Whether one kind of event is shared. In the file: ``true``, ``false``, or ``when: {condition}``."""

    always: bool | None = Field(default=None, description="true: always shared; false: never.")
    when: Condition | None = Field(default=None, description="Shared only when this holds.")

    @model_validator(mode="before")
    @classmethod
    def _from_the_file(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"always": value}
        if isinstance(value, dict) and "when" in value:
            return value
        if isinstance(value, dict) and set(value) <= {"always", "when"} and value:
            return value
        raise PydanticCustomError(
            "share_rule",
            "must be true (always shared), false (never shared) or when: {...} (shared only when the condition "
            "holds, e.g. when: {any_charge: {severity: [felony]}})",
        )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.always is None) == (self.when is None):
            raise PydanticCustomError("share_rule", "must be true, false or when: {...}, not both")
        return self

    @model_serializer(mode="plain")
    def _as_in_the_file(self, info: SerializationInfo) -> Any:
        if self.always is not None:
            return self.always
        assert self.when is not None
        return {"when": self.when.model_dump(mode=info.mode, exclude_none=True)}


class SharingRules(PolicyModel):
    """For each kind of custody event, whether it is shared. Every kind must be named: a policy that forgot
    one would otherwise share it without anyone having decided so.

    Corrections (``booking_updated``) go with the booking: published once the booking's identity may be;
    a ``release_cancelled`` goes with the release schedule it cancels; releases a roster implies follow
    ``release``.
    """

    booking: ShareRule = Field(description="In-custody notices: the person was booked.")
    release_scheduled: ShareRule = Field(description="A release time became known.")
    release: ShareRule = Field(description="The person left custody (reported, or inferred from a roster).")
    transfer: ShareRule = Field(description="The person was moved to another facility.")


class IdentityField(StrEnum):
    """The fields of a person a policy may let through."""

    LAST_NAME = "last_name"
    FIRST_NAME = "first_name"
    MIDDLE_NAME = "middle_name"
    DATE_OF_BIRTH = "date_of_birth"
    SEX = "sex"
    PLACE_OF_BIRTH = "place_of_birth"
    ALIASES = "aliases"
    FBI_NUMBER = "fbi_number"
    STATE_ID = "state_id"
    A_NUMBER = "a_number"


# A person published at all carries these: without a name, a date of birth and a sex no office could be told
# who it is about, and nothing could be matched. A jurisdiction that may not share them withholds the event.
REQUIRED_IDENTITY_FIELDS = frozenset(
    {IdentityField.LAST_NAME, IdentityField.FIRST_NAME, IdentityField.DATE_OF_BIRTH, IdentityField.SEX}
)

PolicyName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class JurisdictionPolicy(PolicyModel):
    """One jurisdiction's policy."""

    jurisdiction: Jurisdiction = Field(
        description="A state (CA), a county's ORI prefix (CA019) or a facility's ORI (CA0194200). The most "
        "specific policy covering a facility applies.",
        examples=["CA0194200"],
    )
    name: PolicyName = Field(
        description="How the jurisdiction names the policy: shown with every event it withholds and in the "
        "audit trail.",
        examples=["County policy 2026-14 (release notice for serious felonies)"],
    )
    share: SharingRules
    never_share: tuple[Condition, ...] = Field(
        default=(),
        description="Conditions under which nothing about the booking is shared, whatever `share` says: any one "
        "of them holding withholds every event (e.g. juvenile: true; any_charge: {statute: [PC 1332]} for a "
        "person held as a material witness).",
    )
    identity_fields: tuple[IdentityField, ...] | None = Field(
        default=None,
        description="The person's fields that may be shared; every other one is stripped before anything is "
        "stored or published, and kept nowhere (also not in what releasewatch keeps of what was sent). Must "
        "include last_name, first_name, date_of_birth and sex. Absent: every field.",
    )
    detainer_forms: tuple[DetainerForm, ...] | None = Field(
        default=None,
        description="The detainer forms the jurisdiction answers: no alert is raised for a detainer of another "
        "form ([]: none). Absent: every form.",
    )
    require_judicial_warrant: bool = Field(
        default=False,
        description="true: only detainers carrying a judicial warrant are answered (no alert for the others).",
    )

    @model_validator(mode="after")
    def _identity_a_person_can_be_told_by(self) -> Self:
        if self.identity_fields is None:
            return self
        missing = sorted(field.value for field in REQUIRED_IDENTITY_FIELDS - set(self.identity_fields))
        if missing:
            raise PydanticCustomError(
                "identity_fields_required",
                "must include {missing}: a person is never shared without a name, a date of birth and a sex "
                "(to share nothing about a person, set the events to false)",
                {"missing": ", ".join(missing)},
            )
        if len(set(self.identity_fields)) != len(self.identity_fields):
            raise PydanticCustomError("identity_fields_repeated", "names a field twice")
        return self

    @property
    def shared_identity(self) -> frozenset[IdentityField]:
        return frozenset(IdentityField) if self.identity_fields is None else frozenset(self.identity_fields)

    @property
    def level(self) -> str:
        return jurisdiction_level(self.jurisdiction)


class PolicyFile(PolicyModel):
    """The whole file: ``policies:``, a list of jurisdictions' policies, each jurisdiction at most once."""

    policies: tuple[JurisdictionPolicy, ...] = Field(default=(), description="One policy per jurisdiction.")

    @model_validator(mode="after")
    def _one_policy_per_jurisdiction(self) -> Self:
        seen: dict[str, int] = {}
        for index, policy in enumerate(self.policies):
            if policy.jurisdiction in seen:
                raise PydanticCustomError(
                    "jurisdiction_repeated",
                    "{jurisdiction} has two policies (entries {first} and {second}): one policy per jurisdiction",
                    {"jurisdiction": policy.jurisdiction, "first": seen[policy.jurisdiction], "second": index},
                )
            seen[policy.jurisdiction] = index
        return self


# --- what evaluation says, on the wire -------------------------------------------------------------------------


class PolicyRule(WireModel):
    """One rule of one policy: ``rule`` names it as ``<jurisdiction> <clause>`` (``CA0194200
    share.release_scheduled``, ``CA019 never_share[0]``, ``TX detainer_forms``), the key it is counted by."""

    rule: str = Field(examples=["CA0194200 share.release_scheduled"])
    policy: str = Field(description="The policy's name.", examples=["County policy 2026-14"])


class Withholding(PolicyRule):
    """Why an event was withheld (the ``withheld`` of a 202 answer): the rule, the policy, and why in words."""

    reason: str = Field(
        examples=["release_scheduled is shared only when a charge known for the booking is a felony: a charge is "
                  "not a felony (1 charge known: misdemeanor PC 484)"]
    )  # fmt: skip


class WithheldFact(WireModel):
    """An event of a booking a policy withheld: its type and the rule that withheld it."""

    event_type: str = Field(examples=["release_scheduled"])
    rule: str = Field(examples=["CA0194200 share.release_scheduled"])


class PolicyMark(WireModel):
    """Carried with every custody event published under a policy (beside the event, never in it: a source
    cannot send it). What the notifier needs to honour what intake withheld:

    - ``in_custody``: whether the booking's in-custody notice may be given. ``booking: false`` publishes a
      booking's identity (when a later event the policy allows needs it) with ``in_custody: false``, and no
      ``in_custody`` alert is raised for that booking while every event published of it says false: once one
      says true (its charges came to meet the booking rule), it stays true, whatever order they arrive in;
    - ``withheld``: what of the booking was withheld so far, so a release without notice can say the release
      schedule was withheld by policy (and by which rule) rather than never reported.
    """

    jurisdiction: str
    policy: str
    in_custody: bool
    withheld: tuple[WithheldFact, ...] = ()
