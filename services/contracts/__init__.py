"""The wire contracts of releasewatch: what crosses HTTP and Redis.

Depends on pydantic alone, so both deployables (ingest and notifier) and any
source's integration can share it.
"""

from contracts.alerts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertRaised,
    AlertReview,
    AlertReviewed,
    AlertStatus,
    AlertTrigger,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
    ReviewDecision,
)
from contracts.dead_letters import DeadLetter
from contracts.detainers import (
    Detainer,
    DetainerChange,
    DetainerForm,
    DetainerLifted,
    DetainerLodged,
    DetainerStatus,
    LiftDetainer,
    LiftReason,
    LodgeDetainer,
    detainer_change_adapter,
)
from contracts.events import (
    Booking,
    BookingUpdated,
    Charge,
    ChargeSeverity,
    CustodyEvent,
    CustodyEventType,
    Release,
    ReleaseCancelled,
    ReleaseReason,
    ReleaseScheduled,
    Transfer,
    custody_event_adapter,
)
from contracts.keys import NOTIFIER_GROUP, RedisNames
from contracts.person import Alias, Person, Sex, StateId

__all__ = [
    "NOTIFIER_GROUP",
    "Alert",
    "AlertKind",
    "AlertOutcome",
    "AlertRaised",
    "AlertReview",
    "AlertReviewed",
    "AlertStatus",
    "AlertTrigger",
    "Alias",
    "Booking",
    "BookingUpdated",
    "Charge",
    "ChargeSeverity",
    "CustodyEvent",
    "CustodyEventType",
    "DeadLetter",
    "Detainer",
    "DetainerChange",
    "DetainerForm",
    "DetainerLifted",
    "DetainerLodged",
    "DetainerStatus",
    "FieldAgreement",
    "LiftDetainer",
    "LiftReason",
    "LodgeDetainer",
    "MatchDecision",
    "MatchEvidence",
    "Person",
    "RedisNames",
    "Release",
    "ReleaseCancelled",
    "ReleaseReason",
    "ReleaseScheduled",
    "ReviewDecision",
    "Sex",
    "StateId",
    "Transfer",
    "custody_event_adapter",
    "detainer_change_adapter",
]
