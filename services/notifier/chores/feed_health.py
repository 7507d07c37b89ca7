"""Watching the facilities' feeds: counting what each sends, holding alerts on a surge of releases, alarms.

``FeedMonitor.observe`` runs inside the custody batch, before its alerts are
raised: it counts the batch's entries and releases per facility and, when a
facility reports far more releases than usual, holds its alerts (the hold is
in force for the very batch that tripped it). ``FeedMonitor.check_all`` runs
every ``RW_FEED_CHECK_SECONDS``: it judges every feed, keeps the judgement for
``GET /v1/ops/feeds``, logs each alarm when it begins and ends, and sets the
gauges Prometheus alerts on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from contracts import Alert, AlertKind
from contracts.feeds import DecidedHold, FeedHealth, FeedHold, FeedStatus
from notifier.domain.custody import BookingState
from notifier.domain.feeds import FeedPolicy, in_words, judge_feed, should_hold
from notifier.handlers.ports import ActiveDetainers, BookingStates, FollowUps, ReleaseSchedules
from notifier.metrics import FEED_ALARMS, FEEDS_BY_STATUS
from runtime.clock import Clock, epoch_ms, utc_now
from store.alerts import AlertStore
from store.bookings import BookingKey
from store.feeds import FeedActivity, FeedState, FeedStats

__all__ = ["FeedMonitor"]

log = logging.getLogger(__name__)


class FeedMonitor:
    def __init__(
        self,
        stats: FeedStats,
        policy: FeedPolicy,
        *,
        alerts: AlertStore,
        bookings: BookingStates,
        releases: ReleaseSchedules,
        follow_ups: FollowUps | None = None,
        detainers: ActiveDetainers | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._stats = stats
        self.policy = policy
        self._alerts = alerts
        self._bookings = bookings  # to close the release schedules a delivered hold held back
        self._releases = releases
        self._follow_ups = follow_ups
        self._detainers = detainers  # to close what a detainer lifted during a hold kept back
        self._clock = clock

    async def observe(self, activity: Mapping[str, FeedActivity]) -> set[str]:
        """Count a batch's entries and releases; returns the facilities whose alerts are held."""
        now_ms = epoch_ms(self._clock())
        held: set[str] = set()
        policy = self.policy
        for facility, state in (await self._stats.record(activity, now_ms=now_ms)).items():
            counts, hold = state.counts, state.hold
            if hold is None and activity[facility].releases and should_hold(counts, policy):
                hold = FeedHold(
                    since=self._clock(),
                    reason=(
                        f"{counts.releases_in_window} releases in {in_words(policy.surge_window_seconds)} "
                        f"(at least {policy.surge_min_releases} and {policy.surge_factor:g}x the usual trip it)"
                    ),
                )
                if await self._stats.hold(facility, hold):
                    # Judged at once, so operators see the surge now, not at the next check.
                    await self._stats.keep_health([judge_feed(counts, policy, hold=hold)])
                    FEED_ALARMS.labels(alarm="surge").inc()
                    log.warning(
                        "feed surge: alerts held",
                        extra={"facility_ori": facility, "releases_in_window": counts.releases_in_window},
                    )
            if hold is not None:
                held.add(facility)
        return held

    async def _carry_out(self, facility: str, decision: DecidedHold) -> int:
        """Apply an operator's decision to a chunk of the facility's held alerts; returns how many."""
        if decision.action != "deliver":
            return await self._alerts.discard_held(facility, raised_by=decision.at)
        # Closed first, on their records alone, so delivering them pages no office: what a detainer lifted during
        # the hold kept back, and a release schedule the hold kept back with the facts that end it (its release,
        # held too): the office hears of the release, not of a countdown already over. One lifted while this
        # delivers is closed right after, as a lift racing a batch is.
        held = await self._alerts.load(await self._alerts.held_ids(facility))
        await self._close_lifted(held, held=True)
        schedules = [alert.alert_id for alert in held if alert.kind is AlertKind.RELEASE_SCHEDULED]
        if schedules:
            await self._releases.close_superseded(schedules, await self._states_of(held), delivering=facility)
        release = await self._alerts.release_held(facility)
        await self._plan_leaving_hold()
        await self._close_lifted(release.alerts, held=False)
        if release.alerts:  # the facts the hold kept from closing release schedules sent before, now delivered
            await self._releases.close_for(release.alerts, await self._states_of(release.alerts))
        return release.released

    async def _states_of(self, alerts: Sequence[Alert]) -> dict[BookingKey, BookingState]:
        """The states of the bookings ``alerts`` are about."""
        stored = await self._bookings.load_many({(alert.facility_ori, alert.booking_number) for alert in alerts})
        return {key: found.state for key, found in stored.items()}

    async def _close_lifted(self, alerts: Sequence[Alert], *, held: bool) -> None:
        """Close ``alerts`` (held still, or delivered) whose detainer is lifted by now."""
        if self._detainers is None or not alerts:
            return
        await self._detainers.sync()
        lifted = await self._detainers.lifted_among({alert.detainer_ref for alert in alerts})
        if lifted:
            await self._releases.close_lifted(lifted, held=[alert.alert_id for alert in alerts] if held else ())

    async def _plan_leaving_hold(self) -> None:
        """Plan the reminders and escalations of alerts released from a hold (once each, by the planner)."""
        ids, alerts = await self._alerts.leaving_hold()
        if not ids:
            return
        if self._follow_ups is not None:
            await self._follow_ups.plan(alerts)
        await self._alerts.forget_leaving_hold(ids)

    async def _settle_holds(self, states: dict[str, FeedState]) -> dict[str, int]:
        """Carry out the decided holds; returns the alerts each facility holds after."""
        await self._plan_leaving_hold()  # what a crash left between release and planning
        facilities = sorted(states)
        held = await self._alerts.held_counts(facilities)
        for facility in facilities:
            state = states[facility]
            # A hold decided, or alerts a batch in flight held after its hold ended: its decision stands.
            decision = state.hold.decision if state.hold is not None else state.last_decision
            if decision is None or (state.hold is None and not held[facility]):
                continue
            moved = await self._carry_out(facility, decision)
            held[facility] -= moved
            if moved:
                log.info(
                    "held alerts settled",
                    extra={"facility_ori": facility, "action": decision.action, "alerts": moved},
                )
            elif state.hold is not None:  # nothing was left to move (this check or the last): the hold ends
                await self._stats.end_hold(facility, decision)
                states[facility] = dataclasses.replace(state, hold=None)
                log.info("feed hold ended", extra={"facility_ori": facility, "action": decision.action})
            if not moved and held[facility] > 0 and decision.action == "discard":
                await self._hold_what_the_decision_did_not_see(facility, decision, held[facility], states)
        return held

    async def _hold_what_the_decision_did_not_see(
        self, facility: str, decision: DecidedHold, waiting: int, states: dict[str, FeedState]
    ) -> None:
        """Alerts held after an operator discarded a hold's alerts (raised later, by a batch the hold was in force
        for) were not among those judged a data error: they are neither discarded unseen nor sent unjudged, but
        held anew, for a decision of their own."""
        hold = FeedHold(
            since=self._clock(),
            reason=f"{waiting} alert(s) held after the decision of {decision.at.isoformat(timespec='seconds')} "
            f"to {decision.action} those held before: decide on them",
        )
        if await self._stats.hold(facility, hold):
            states[facility] = dataclasses.replace(states[facility], hold=hold)
            log.warning("feed hold renewed for alerts held after a decision", extra={"facility_ori": facility})

    async def check_all(self) -> list[FeedHealth]:
        """Carry out operators' decisions on holds, judge every feed now; keep and return the judgements."""
        now = self._clock()
        states = await self._stats.count_all(now_ms=epoch_ms(now))
        held = await self._settle_holds(states)
        healths = [
            judge_feed(state.counts, self.policy, hold=state.hold, previous=state.health).model_copy(
                update={"held_alerts": max(0, held.get(ori, 0))}
            )
            for ori, state in states.items()
        ]
        await self._stats.keep_health(healths)
        for health in healths:
            before = states[health.facility_ori].health
            was = before.status if before is not None else None
            if health.status is FeedStatus.SILENT and was is not FeedStatus.SILENT:
                FEED_ALARMS.labels(alarm="silent").inc()
                log.warning(
                    "feed silent",
                    extra={"facility_ori": health.facility_ori, "silent_seconds": round(health.silent_seconds)},
                )
            elif was is FeedStatus.SILENT and health.status is not FeedStatus.SILENT:
                log.info("feed back", extra={"facility_ori": health.facility_ori})
        for status in FeedStatus:
            FEEDS_BY_STATUS.labels(status=status.value).set(sum(h.status is status for h in healths))
        return healths
