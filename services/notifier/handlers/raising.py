"""Raising alerts: the alerts a match calls for, and raising them once each with what follows them.

Every processor ends the same way: it creates the alerts not created yet, plans their reminders and escalations
(once per alert), and closes the release schedules their booking's facts no longer stand by. Each step is
idempotent and runs for every alert of the batch, created now or before, so a crash between two of them is
repaired by the redelivery.

A release schedule the facts already say no longer stands when it is first created (an older schedule delivered
after a newer one, a schedule delivered after the release or its cancellation) is created closed: its record is
kept (the alerts of a stay do not depend on the order its events arrived in, and what the facility sent stays on
the detainer's story), but it is never announced and nothing is planned for it, so no channel pages an office
about a release time that was stale on arrival (``ReleaseScheduleCloser.as_created``). Deciding it at creation
rather than closing it right after keeps the pair of messages (raised, then closed) off every channel; a
redelivery finds the record and creates nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime

from contracts import Alert, AlertTrigger, MatchEvidence, ReviewDecision
from notifier.consuming.dead_letters import AUDIT_ACTOR
from notifier.domain.alert_rules import DetainerRef, alert_conditions, alert_id_of, build_alert
from notifier.domain.custody import BookingState
from notifier.domain.reviews import BookingReview
from notifier.handlers.ports import NotifierPorts
from notifier.metrics import ALERTS_RAISED, ALERTS_WITHHELD, STALE_RELEASE_SCHEDULES
from policies import judge_detainer
from runtime.redis import together
from store.alerts import AlertAsRead, announced
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
        detainer = ports.detainers.get(alert.detainer_ref)
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
    """Create the alerts not created yet (those of a facility in ``held_facilities`` held; a release schedule
    whose release time no longer stands by ``states`` closed, never announced), plan what follows each one that
    is not held, then close the release schedules among them whose release time no longer stands by ``states``.
    Returns the alerts created by this call (those created closed included)."""
    alerts = answered_by_policy(ports, alerts)
    first: dict[str, Alert] = {}  # the first copy of each alert (the one created): a batch may call for one twice
    for alert in alerts:
        first.setdefault(alert.alert_id, alert)
    # (built with their raised step: as first written; a schedule stale on arrival closed at once)
    raised = await ports.releases.as_created(list(first.values()), states)
    written: dict[str, AlertAsRead] = {}
    creating = ports.alerts.create(raised, held_facilities=held_facilities, written=written)
    reviews: dict[tuple[BookingKey, str], BookingReview] = {}

    async def read_reviews() -> None:
        reviews.update(
            await ports.bookings.reviews_of(
                ((alert.facility_ori, alert.booking_number), alert.detainer_ref) for alert in raised
            )
        )

    # The detainer changelog, and the decisions kept on the alerts' bookings, read after the alerts are written, in
    # the same round trip: a lift or a rejection that came since they were matched is found here (see the end), one
    # that comes later finds them.
    (created,) = await together(creating, then=(ports.detainers.sync, read_reviews)) if raised else (await creating,)
    # Each alert created now, in the audit trail (a redelivery creates none): office and kind, no person.
    entered = (
        ports.audit.record_many(
            actor=AUDIT_ACTOR,
            action="alert.raised",
            entries=[(alert.alert_id, _audited(alert)) for alert in created],
        )
        if ports.audit is not None and created
        else None
    )
    if ports.follow_ups is not None:
        # Every alert, created now or before: if a crash came between its creation and its planning, this
        # (a redelivery) is when it gets planned; the planner plans each once. Held alerts are planned when an
        # operator releases them; one created closed plans nothing. (With the audit trail's entries, in one round
        # trip.)
        planned = ports.follow_ups.plan([alert for alert in raised if alert.facility_ori not in held_facilities])
        await (together(planned, entered) if entered is not None else planned)
    elif entered is not None:
        await entered
    # A release held by feed health closes no schedule until an operator delivers it (see the closer).
    await ports.releases.close_for(alerts, states, written=written)  # those created now: not read back
    # Matched while their detainers were active, and a lift may have come since (racing this batch, on another
    # notifier or this one): its processor closes the alerts of the detainer it finds; those written after it
    # looked are closed here, the changelog having been read after they were written.
    if raised and (lifted := await ports.detainers.lifted_among({alert.detainer_ref for alert in raised})):
        await ports.releases.close_lifted(lifted)
    # The same for an officer rejecting the pair's possible match meanwhile: its processor closes what it finds of
    # the pair; what this batch wrote after it looked is closed here.
    rejected = [
        (review, states[booking])
        for (booking, _), review in reviews.items()
        if review.decision is ReviewDecision.REJECTED and booking in states
    ]
    if rejected:
        await ports.releases.withdraw_rejected(rejected)
    # One increment a kind a batch, not a labelled child's lookup an alert.
    stale = [alert for alert in created if not announced(alert)]
    for kind, count in Counter(alert.kind.value for alert in created if announced(alert)).items():
        ALERTS_RAISED.labels(kind=kind).inc(count)
    for alert in stale:
        STALE_RELEASE_SCHEDULES.labels(release_status=_release_status(alert)).inc()
        log.info(
            "release schedule stale on arrival: recorded closed, not announced",
            extra={
                "alert_id": alert.alert_id,
                "field_office": alert.field_office,
                "release_status": _release_status(alert),
            },
        )
    if log.isEnabledFor(logging.INFO):
        for alert in created:
            if announced(alert):
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


def _release_status(alert: Alert) -> str:
    return alert.release_status.value if alert.release_status is not None else ""


def _audited(alert: Alert) -> str:
    """The audit trail's word on an alert created now: its kind and office (no person), and for a release schedule
    stale on arrival, what became of it (recorded closed, never announced)."""
    entry = f"{alert.kind.value} for {alert.field_office}"
    if not announced(alert):
        entry += f", closed on arrival ({_release_status(alert)}): not announced"
    return entry
