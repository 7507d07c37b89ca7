"""The AsyncAPI 3.0 document of releasewatch's streams, made by FastStream from the wire models.

Every stream is a channel (its address the Redis key), with the messages that travel on it (their
payloads the contract's own pydantic models), who appends them and which consumer groups read them.
FastStream writes the document from a broker that declares those publishers and subscribers; that
broker is never connected: it exists to be described.

Each entry of these streams holds its message as JSON in the field ``__data__`` (FastStream's own
framing) and its ``type`` beside it; the audit trail's entries are flat fields instead.
"""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Annotated, Any

from faststream.redis import RedisBroker, StreamSub
from faststream.specification.asyncapi import AsyncAPI
from pydantic import BaseModel, Field

from contracts import (
    DELIVERIES_GROUP,
    EMAILS_GROUP,
    NOTIFIER_GROUP,
    AlertNotice,
    AlertRaised,
    AlertReviewed,
    AlertUpdated,
    CustodyEvent,
    DeadLetter,
    DetainerChange,
    OfficerAction,
    RedisNames,
    RosterSubmitted,
)
from contracts.stored_fields import EntryField

__all__ = ["AuditRecord", "asyncapi_document", "asyncapi_page"]

_FRAMING = (
    f"Each entry holds the message as JSON in the field `{EntryField.DATA}`, and its `{EntryField.TYPE}` beside it."
)

CustodyStreamMessage = Annotated[CustodyEvent | RosterSubmitted, Field(discriminator="type")]
AlertStreamMessage = Annotated[AlertRaised | AlertNotice | AlertUpdated | OfficerAction, Field(discriminator="type")]


class AuditRecord(BaseModel):
    """One entry of the audit trail (flat stream fields, not JSON): who did what to which record, and when."""

    at: str = Field(description="When (RFC 3339).")
    actor: str = Field(description="The name on the caller's API key.")
    action: str = Field(description="e.g. detainer.lodged, dead_letter.replayed, feed.hold_decided.")
    target: str = Field(description="The id acted on.")
    detail: str = Field(default="", description="What the caller wrote, or what changed.")


def _handler_of(schema: Any) -> Any:
    """A handler FastStream reads the message's schema from; never called."""

    async def described(message: Any) -> None:
        raise NotImplementedError("a reader declared for the AsyncAPI document only")

    described.__annotations__ = {"message": schema, "return": None}  # the schema itself, not its name
    return described


def _reading(broker: RedisBroker, stream: str, group: str, title: str, description: str, schema: Any) -> None:
    """Declare a consumer group reading ``stream``, for the document only."""
    reader = StreamSub(stream, group=group, consumer="one per notifier")
    broker.subscriber(stream=reader, title=title, description=description)(_handler_of(schema))


def _following(broker: RedisBroker, stream: str, title: str, description: str, schema: Any) -> None:
    """Declare a reader of every entry of ``stream`` outside any group (XREAD)."""
    broker.subscriber(stream=StreamSub(stream), title=title, description=description)(_handler_of(schema))


def _describing_broker(names: RedisNames) -> RedisBroker:
    broker = RedisBroker(
        specification_url="redis://redis:6379",
        description="The deployment's Redis 7 (REDIS_URL). Every key starts with the configured prefix.",
    )

    broker.publisher(
        stream=names.custody_events,
        title="custody events: ingest appends",
        description="Custody events and rosters a source sent, once each (the receipt makes a re-send a no-op), "
        f"in the order accepted; nothing a sharing policy withheld. {_FRAMING} An event published under a "
        f"sharing policy also carries the policy's mark (PolicyMark JSON) in `{EntryField.POLICY}`.",
        schema=CustodyStreamMessage,
    )
    _reading(
        broker,
        names.custody_events,
        NOTIFIER_GROUP,
        "custody events: the notifiers process",
        "Folded into booking states, matched against the active detainers, alerts raised.",
        CustodyStreamMessage,
    )

    broker.publisher(
        stream=names.detainer_changes,
        title="detainer changes: ingest appends",
        description=f"Every detainer lodged or lifted, numbered by `seq` (a jump means entries were trimmed). "
        f"{_FRAMING}",
        schema=DetainerChange,
    )
    _reading(
        broker,
        names.detainer_changes,
        NOTIFIER_GROUP,
        "detainer changes: the notifiers raise lodge alerts",
        "A detainer lodged on someone in custody (or recently released) raises its alerts at once.",
        DetainerChange,
    )
    _following(
        broker,
        names.detainer_changes,
        "detainer changes: every notifier's index",
        "Each notifier reads every change (XREAD, no group) to keep its in-memory index of active detainers.",
        DetainerChange,
    )

    broker.publisher(
        stream=names.alerts_raised,
        title="alerts: the notifiers and ingest append",
        description="alert_raised once per alert (never for a release schedule that no longer stood when it "
        "arrived: recorded closed, unannounced); alert_reminded and alert_escalated once per reminder and level; "
        "alert_updated once when releasewatch closes a release schedule, an alert whose booking was corrected to "
        "someone else, or an alert of a lifted detainer; alert_acknowledged, alert_resolved and "
        f"alert_reviewed when a person acts (for open office pages). {_FRAMING} An entry replayed from a dead "
        "letter names in `for_group` the one group it is for.",
        schema=AlertStreamMessage,
    )
    for group, title, description in (
        (DELIVERIES_GROUP, "alerts: webhooks", "Posted, signed, to the office's webhook; retried, then dead-lettered."),
        (EMAILS_GROUP, "alerts: e-mail", "E-mailed to the office's recipients; retried, then dead-lettered."),
    ):
        _reading(broker, names.alerts_raised, group, title, description, AlertStreamMessage)
    _following(
        broker,
        names.alerts_raised,
        "alerts: live feed",
        "Each ingest process reads every entry (XREAD) and sends the office's own to its open live feeds "
        "(GET /v1/alerts/live, the office page).",
        AlertStreamMessage,
    )

    broker.publisher(
        stream=names.alert_reviews,
        title="alert reviews: ingest appends",
        description=f"A possible match confirmed or rejected by a person. {_FRAMING}",
        schema=AlertReviewed,
    )
    _reading(
        broker,
        names.alert_reviews,
        NOTIFIER_GROUP,
        "alert reviews: the notifiers act",
        "The decision is kept with the booking; a confirmation raises the alerts of a match.",
        AlertReviewed,
    )

    broker.publisher(
        stream=names.dead_letters,
        title="dead letters: the notifiers append",
        description="A message no consumer could process, with the reason and its fields as read; operators list, "
        f"replay and discard them (GET /v1/ops/dead-letters). {_FRAMING}",
        schema=DeadLetter,
    )
    broker.publisher(
        stream=names.audit_trail,
        title="audit trail: ingest appends",
        description="Append-only: every detainer, alert, dead-letter and feed-hold action, by whom and when "
        "(GET /v1/ops/audit). Its entries are flat fields, not JSON.",
        schema=AuditRecord,
    )
    return broker


@cache
def asyncapi_document(prefix: str = "rw") -> dict[str, Any]:
    """The AsyncAPI 3.0 document for keys under ``prefix``, as JSON-ready data."""
    specification = AsyncAPI(
        _describing_broker(RedisNames(prefix)),
        title="releasewatch streams",
        version="1",
        description="The Redis streams between releasewatch's ingest API and its notifiers: what travels on "
        "each, who appends it and which consumer groups read it.",
        schema_version="3.0.0",
    ).to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    for message in document.get("components", {}).get("messages", {}).values():
        message.pop("correlationId", None)  # FastStream's header: releasewatch's entries carry none
    return document


def _resolved(document: dict[str, Any], node: Any) -> Any:
    """``node`` with a local ``$ref`` (``#/a/b%20c``) followed, once."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("%20", " ").replace("%27", "'")]
        return target
    return node


def asyncapi_page(document: dict[str, Any]) -> str:
    """The document as a page a person reads: per stream, who appends what and who reads it, with each
    message's schema. Rendered here, every value escaped; no script, nothing from another origin."""
    by_address: dict[str, list[tuple[str, dict[str, Any], str]]] = {}
    for name, channel in document["channels"].items():
        operation = document["operations"].get(name, {})
        by_address.setdefault(channel["address"], []).append((name, channel, operation.get("action", "")))
    sections = []
    for address, channels in sorted(by_address.items()):
        rows = []
        for name, channel, action in sorted(channels, key=lambda found: found[2] != "send"):
            group = channel.get("bindings", {}).get("redis", {}).get("groupName")
            role = "appends" if action == "send" else (f"group <code>{html.escape(group)}</code>" if group else "XREAD")
            payloads = []
            for message in channel.get("messages", {}).values():
                payload = _resolved(document, _resolved(document, message).get("payload", {}))
                payloads.append(html.escape(json.dumps(payload, indent=2)))
            schema = "".join(f"<details><summary>message schema</summary><pre>{p}</pre></details>" for p in payloads)
            rows.append(
                f"<tr><td>{role}</td><td>{html.escape(name)}</td>"
                f"<td>{html.escape(channel.get('description', ''))}{schema}</td></tr>"
            )
        sections.append(
            f"<h2><code>{html.escape(address)}</code></h2><table><tr><th>who</th><th>what</th><th>how</th></tr>"
            + "".join(rows)
            + "</table>"
        )
    info = document["info"]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(info['title'])}</title>"
        "<style>body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em}"
        "table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ccc;padding:.4em;text-align:left;"
        "vertical-align:top}pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}</style></head><body>"
        f"<h1>{html.escape(info['title'])}</h1><p>{html.escape(info.get('description', ''))}</p>"
        "<p>AsyncAPI 3.0 document: <a href=/asyncapi.json>/asyncapi.json</a>. The HTTP API: <a href=/docs>/docs</a>."
        f"</p>{''.join(sections)}</body></html>"
    )
