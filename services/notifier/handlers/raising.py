"""Raising alerts: the alerts a match calls for, and raising them once each with what follows them.

Every processor ends the same way: it creates the alerts not created yet, plans their reminders and escalations
(once per alert), and closes the release schedules their booking's facts no longer stand by. Each step is
idempotent and runs for every alert of the batch, created now or before, so a crash between two of them is
repaired by the redelivery.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime

from contracts import Alert, AlertTrigger, MatchEvidence
from notifier.consuming.dead_letters import AUDIT_ACTOR
from notifier.domain.alert_rules import DetainerRef, alert_conditions, alert_id_of, build_alert
from notifier.domain.custody import BookingState
from notifier.handlers.ports import NotifierPorts
from notifier.metrics import ALERTS_RAISED, ALERTS_WITHHELD
from policies import judge_detainer
from runtime.redis import together
from store.alerts import AlertAsRead
from store.bookings import BookingKey

__all__ = ["BatchReport", "alerts_for_match", "answered_by_policy", "raise_alerts"]

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    entries: int = 0
    processed: int = 0
    dead_lettered: int = 0
    alerts: list[Alert] = field(default_factory=list)


def alerts_for_match(
    state: BookingState,
    detainer: DetainerRef,
    evidence: MatchEvidence,
    *,
    trigger: AlertTrigger,
    event_id: str | None,
    raised_at: datetime,
    every_schedule_seen: bool = False,
    built: dict[str, Alert] | None = None,
) -> list[Alert]:
    """The alerts a booking calls for, its person having matched (or possibly matched) ``detainer``
    (``every_schedule_seen``: see ``alert_conditions``).

    ``built``: the alerts built so far for one batch, by id (this call adds its own). An alert called for again
    (a booking's next event in the batch) is the copy built first: the one raising it creates and plans, and
    what any copy is judged by (its detainer, its booking and facility, its kind) is the same in every copy."""
    shared: dict[str, Alert] = {} if built is None else built
    alerts: list[Alert] = []
    for condition in alert_conditions(state, evidence.decision, every_schedule_seen=every_schedule_seen):
        alert_id = alert_id_of(condition, state, detainer)
        alert = shared.get(alert_id)
        if alert is None:
            alert = shared[alert_id] = build_alert(
                condition,
                state,
                detainer,
                evidence,
                trigger=trigger,
                event_id=event_id,
                raised_at=raised_at,
                alert_id=alert_id,
            )
        alerts.append(alert)
    return alerts


def answered_by_policy(ports: NotifierPorts, alerts: Sequence[Alert]) -> list[Alert]:
    """``alerts`` without those for a detainer the facility's sharing policy does not answer (its form, or no
    judicial warrant where the policy requires one): none is raised for it, a possible match included."""
    if ports.policies is None:
        return list(alerts)
    kept: list[Alert] = []
    for alert in alerts:
        policy = ports.policies.policy_for(alert.facility_ori)
        if policy is None or (policy.detainer_forms is None and not policy.require_judicial_warrant):
            kept.append(alert)
            continue
        detainer = ports.detainers.get(alert.detainer_ref or alert.detainer_id)
        verdict = judge_detainer(policy, detainer) if detainer is not None else None
        if verdict is not None and verdict.shared:
            kept.append(alert)
            continue
        rule = verdict.rule.rule if verdict is not None and verdict.rule is not None else "unknown detainer"
        ALERTS_WITHHELD.labels(rule=rule).inc()
        log.info(
            "alert withheld by a sharing policy",
            extra={
                "alert_id": alert.alert_id,
                "kind": alert.kind.value,
                "field_office": alert.field_office,
                "rule": rule,
            },
        )
    return kept


async def raise_alerts(
    ports: NotifierPorts,
    alerts: Sequence[Alert],
    states: Mapping[BookingKey, BookingState],
    *,
    held_facilities: Set[str] = frozenset(),
) -> list[Alert]:
    """Create the alerts not created yet (those of a facility in ``held_facilities`` held), plan what follows
    each one that is not held, then close the release schedules among them whose release time no longer stands
    by ``states``. Returns the alerts created by this call."""
    alerts = answered_by_policy(ports, alerts)
    first: dict[str, Alert] = {}  # the first copy of each alert (the one created): a batch may call for one twice
    for alert in alerts:
        first.setdefault(alert.alert_id, alert)
    raised = list(first.values())  # (built with their raised step: as first written)
    written: dict[str, AlertAsRead] = {}
    created = await ports.alerts.create(raised, held_facilities=held_facilities, written=written)
    # Each alert created now, in the audit trail (a redelivery creates none): office and kind, no person.
    entered = (
        ports.audit.record_many(
            actor=AUDIT_ACTOR,
            action="alert.raised",
            entries=[(alert.alert_id, f"{alert.kind.value} for {alert.field_office}") for alert in created],
        )
        if ports.audit is not None and created
        else None
    )
    if ports.follow_ups is not None:
        # Every alert, created now or before: if a crash came between its creation and its planning, this
        # (a redelivery) is when it gets planned; the planner plans each once. Held alerts are planned when an
        # operator releases them. (With the audit trail's entries, in one round trip.)
        planned = ports.follow_ups.plan([alert for alert in raised if alert.facility_ori not in held_facilities])
        await (together(planned, entered) if entered is not None else planned)
    elif entered is not None:
        await entered
    # A release held by feed health closes no schedule until an operator delivers it (see the closer).
    await ports.releases.close_for(alerts, states, written=written)  # those created now: not read back
    # One increment a kind a batch, not a labelled child's lookup an alert.
    for kind, count in Counter(alert.kind.value for alert in created).items():
        ALERTS_RAISED.labels(kind=kind).inc(count)
    if log.isEnabledFor(logging.INFO):
        for alert in created:
            log.info(
                "alert raised",
                extra={
                    "alert_id": alert.alert_id,
                    "kind": alert.kind.value,
                    "field_office": alert.field_office,
                    "held": alert.facility_ori in held_facilities,
                },
            )
    return created
