"""Detainers: a field office's request to be told before a person is released."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from contracts.base import WireModel
from contracts.fields import DetainerId, FieldOffice, FreeText, Ori, Rfc3339Datetime, ShortText
from contracts.person import Person

__all__ = [
    "Detainer",
    "DetainerChange",
    "DetainerForm",
    "DetainerLifted",
    "DetainerLodged",
    "DetainerStatus",
    "JudicialWarrant",
    "LiftDetainer",
    "LiftReason",
    "LodgeDetainer",
    "detainer_change_adapter",
    "detainer_id_in",
    "detainer_ref_for",
]


def detainer_ref_for(field_office: str, detainer_id: str) -> str:
    """releasewatch's own reference of a detainer lodged now: unique across offices, since a detainer id
    is unique only within its office.

    Detainers lodged when ids were global keep their id as their reference, so the alert ids and story
    ids derived from it stay what they were. A new reference holds a ``/``, which no id may contain, so
    it never equals one of those.
    """
    return f"{field_office}/{detainer_id}"


def detainer_id_in(detainer_ref: str) -> str:
    """The office's own id within a reference (of either form)."""
    return detainer_ref.rsplit("/", 1)[-1]


class DetainerForm(StrEnum):
    I_247A = "I-247A"  # immigration detainer: notify and hold up to 48 h
    I_247N = "I-247N"  # request for notification of release
    OTHER = "other"


class DetainerStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"


class LiftReason(StrEnum):
    CUSTODY_ASSUMED = "custody_assumed"
    DECLINED_BY_AGENCY = "declined_by_agency"
    CITIZENSHIP_CLAIM = "citizenship_claim"
    PROSECUTORIAL_DISCRETION = "prosecutorial_discretion"
    NO_LONGER_IN_CUSTODY = "no_longer_in_custody"
    CANCELLED = "cancelled"
    OTHER = "other"


class JudicialWarrant(WireModel):
    """A warrant signed by a judge that backs a detainer: some jurisdictions answer only detainers that carry one."""

    court: ShortText = Field(description="The court that issued it.", examples=["U.S. District Court, C.D. Cal."])
    reference: ShortText = Field(description="Its case or warrant number.", examples=["2:26-mj-01234"])


class LodgeDetainer(WireModel):
    """What a field office sends to lodge a detainer (`POST /v1/detainers`)."""

    detainer_id: DetainerId = Field(
        description="The office's id for this detainer, unique within the office; the idempotency key."
    )
    form: DetainerForm
    field_office: FieldOffice
    person: Person
    lodged_with_ori: Ori | None = Field(default=None, description="The facility the detainer was sent to, if any.")
    issued_at: Rfc3339Datetime
    judicial_warrant: JudicialWarrant | None = Field(
        default=None,
        exclude_if=lambda value: value is None,  # records without one stay as they were
        description="The judicial warrant backing the detainer, if there is one. A jurisdiction whose policy "
        "requires one raises no alert for a detainer without it.",
    )


class LiftDetainer(WireModel):
    """What a field office sends to lift a detainer."""

    reason: LiftReason
    note: FreeText | None = None


class Detainer(LodgeDetainer):
    """A detainer as stored and served."""

    status: DetainerStatus
    lodged_at: datetime = Field(description="When releasewatch accepted it.")
    lifted_at: datetime | None = None
    lift_reason: LiftReason | None = None
    lift_note: FreeText | None = None


class DetainerLodged(WireModel):
    """Published on the detainer changelog when a detainer is lodged."""

    type: Literal["detainer_lodged"] = "detainer_lodged"
    detainer: Detainer


class DetainerLifted(WireModel):
    """Published on the detainer changelog when a detainer is lifted."""

    type: Literal["detainer_lifted"] = "detainer_lifted"
    detainer: Detainer


DetainerChange = Annotated[DetainerLodged | DetainerLifted, Field(discriminator="type")]

detainer_change_adapter: TypeAdapter[DetainerChange] = TypeAdapter(DetainerChange)
