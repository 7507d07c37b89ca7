"""The AsyncAPI document of the streams says what really travels on them, and who reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, get_args

import httpx
import jsonschema
import pytest

from contracts import (
    DELIVERIES_GROUP,
    EMAILS_GROUP,
    NOTIFIER_GROUP,
    Alert,
    AlertKind,
    AlertNotice,
    AlertRaised,
    AlertStep,
    AlertTrigger,
    AlertUpdated,
    Booking,
    BookingUpdated,
    DetainerLodged,
    MatchDecision,
    MatchEvidence,
    OfficerAction,
    RedisNames,
    Release,
    ReleaseCancelled,
    ReleaseScheduled,
    RosterSubmitted,
    Transfer,
    custody_event_adapter,
)
from tests import samples

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/asyncapi.json")
    assert response.status_code == 200
    return response.json()


def _channels_at(document: dict[str, Any], address: str) -> list[dict[str, Any]]:
    return [channel for channel in document["channels"].values() if channel["address"] == address]


def _validate(document: dict[str, Any], channel: dict[str, Any], message: dict[str, Any]) -> None:
    """Validate ``message`` against the channel's documented payload, refs resolved within the document."""
    (reference,) = channel["messages"].values()
    message_name = reference["$ref"].rsplit("/", 1)[1].replace("%20", " ").replace("%27", "'")
    payload_ref = document["components"]["messages"][message_name]["payload"]["$ref"]
    jsonschema.validate(message, {**document, "$ref": payload_ref})


def _alert() -> Alert:
    return Alert(
        alert_id="al_test",
        kind=AlertKind.IN_CUSTODY,
        field_office="LOS",
        detainer_id="LOS-2026-000871",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=NOW,
        occurred_at=NOW,
        trigger=AlertTrigger.CUSTODY_EVENT,
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )


def _schema_named(document: dict[str, Any], reference: str) -> dict[str, Any]:
    name = reference.rsplit("/", 1)[1].replace("%20", " ").replace("%27", "'")
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _documented_types(document: dict[str, Any], address: str) -> set[str]:
    """The ``type`` values the documented payloads of the channels at ``address`` allow, every one of them."""
    found: list[set[str]] = []
    for channel in _channels_at(document, address):
        (reference,) = channel["messages"].values()
        name = reference["$ref"].rsplit("/", 1)[1].replace("%20", " ").replace("%27", "'")
        payload = _schema_named(document, document["components"]["messages"][name]["payload"]["$ref"])
        types: set[str] = set()
        for member in payload.get("oneOf", [payload]):
            schema = _schema_named(document, member["$ref"]) if "$ref" in member else member
            kind = schema["properties"]["type"]
            types |= {kind["const"]} if "const" in kind else set(kind["enum"])
        found.append(types)
    assert found
    assert all(types == found[0] for types in found), "writers and readers of one stream document other messages"
    return found[0]


def _model_types(*models: Any) -> set[str]:
    return {value for model in models for value in get_args(model.model_fields["type"].annotation)}


async def test_every_stream_is_a_channel_read_by_its_consumer_groups(document: dict[str, Any]) -> None:
    names = RedisNames()
    groups = {
        (channel["address"], channel["bindings"]["redis"].get("groupName")) for channel in document["channels"].values()
    }

    assert document["asyncapi"] == "3.0.0"
    for stream in (
        names.custody_events,
        names.detainer_changes,
        names.alerts_raised,
        names.alert_reviews,
        names.dead_letters,
        names.audit_trail,
    ):
        assert _channels_at(document, stream), stream
    assert (names.custody_events, NOTIFIER_GROUP) in groups
    assert (names.detainer_changes, NOTIFIER_GROUP) in groups
    assert (names.alert_reviews, NOTIFIER_GROUP) in groups
    assert (names.alerts_raised, DELIVERIES_GROUP) in groups
    assert (names.alerts_raised, EMAILS_GROUP) in groups


@pytest.mark.parametrize("builder", sorted(samples.EVENT_BUILDERS))
async def test_each_custody_event_a_source_sends_is_what_the_custody_channels_document(
    document: dict[str, Any], builder: str
) -> None:
    event = custody_event_adapter.validate_json(json.dumps(samples.EVENT_BUILDERS[builder]())).model_dump(mode="json")

    for channel in _channels_at(document, RedisNames().custody_events):
        _validate(document, channel, event)


async def test_the_documented_messages_are_the_models_and_refuse_what_they_refuse(document: dict[str, Any]) -> None:
    names = RedisNames()
    roster = RosterSubmitted(
        roster_id="r-1", as_of=NOW, facility_ori="CA0194200", booking_numbers=("2026-004512",)
    ).model_dump(mode="json")
    detainer = {**samples.detainer(), "status": "active", "lodged_at": NOW.isoformat()}
    lodged = DetainerLodged.model_validate_json(json.dumps({"detainer": detainer}))
    raised = AlertRaised(alert=_alert()).model_dump(mode="json")
    updated = AlertUpdated(alert=_alert(), change=AlertStep.RELEASE_CANCELLED).model_dump(mode="json")

    for stream, message in (
        (names.custody_events, roster),
        (names.detainer_changes, lodged.model_dump(mode="json")),
        (names.alerts_raised, raised),
        (names.alerts_raised, updated),
    ):
        for channel in _channels_at(document, stream):
            _validate(document, channel, message)
    for channel in _channels_at(document, names.alerts_raised):
        with pytest.raises(jsonschema.ValidationError):
            _validate(document, channel, {**raised, "type": "alert_exploded"})
    for channel in _channels_at(document, names.custody_events):
        with pytest.raises(jsonschema.ValidationError):
            _validate(document, channel, {**roster, "facility_ori": "not an ORI"})


async def test_every_message_type_a_stream_carries_is_documented(document: dict[str, Any]) -> None:
    """A new message on a stream joins its union in the document, or this fails."""
    names = RedisNames()

    assert _documented_types(document, names.alerts_raised) == _model_types(
        AlertRaised, AlertNotice, AlertUpdated, OfficerAction
    )
    assert _documented_types(document, names.custody_events) == _model_types(
        Booking, BookingUpdated, ReleaseScheduled, ReleaseCancelled, Release, Transfer, RosterSubmitted
    )


async def test_the_page_shows_each_stream_and_runs_no_script(api: httpx.AsyncClient) -> None:
    response = await api.get("/asyncapi")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<script" not in response.text
    assert "rw:{custody}:events" in response.text
    assert "group <code>deliveries</code>" in response.text
