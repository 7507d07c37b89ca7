"""Every Redis key, stream and consumer group the services use, named once.

Redis Cluster places a key by the part of its name between ``{`` and ``}``
(the hash tag). Keys that one command or script touches together share a
tag, and nothing here is used in a multi-key command across tags:

========================  ======================================================
tag                       what lives there, and why together
========================  ======================================================
``{custody}``             the custody event stream and the receipts of accepted
                          events and rosters: ingest checks a receipt and appends
                          in one atomic script.
``{detainers}``           detainer records, the active set, the listing index and
                          the detainer changelog: a lodge or a lift updates them
                          and publishes the change atomically.
``{alerts}``              alert records, their indexes, the stories they belong
                          to, the alert stream and the review stream, the
                          reminders and escalations: an alert is created once,
                          indexed (in its story too) and published atomically;
                          a review, an acknowledgement, a resolution or a release
                          time that stopped standing updates the alert, moves it
                          between listings, withdraws its jobs and publishes
                          itself atomically.
``{dead-letters}``        the dead-letter stream and what operators did with each.
``{audit}``               the audit trail.
per booking               one key per booking (its own slot; the cluster spreads
                          bookings over every node), holding its state and the
                          review decisions on it, read and saved together.
per facility              the bookings in custody there by our state, the
                          report of its latest roster, and its feed's health
                          (when it last sent, its entries and releases by
                          time, a hold on its alerts), and what intake keeps
                          under a sharing policy (each booking's facts and
                          hold, the receipts of withheld events, the counts
                          per day and rule, written together by one script):
                          a roster is reconciled
                          against the set; the set is written after each
                          booking's own save, one key per command; a batch's
                          entries of one facility are counted by one script.
                          What the outcome report reads of it: refused and
                          late events per day, silent spells and holds, and
                          each roster's findings.
``{feeds}``               the set of facilities that ever sent, and the set of
                          those intake counted refused or late events of.
``{reports}``             the weekly report's claim per week: one key each.
``{policies}``            the set of facilities a sharing policy withheld an
                          event of: one key.
``{b:00}``..``{b:ff}``     the index of bookings by person, one sorted set per
                          blocking key, named by a digest so no identifier
                          appears in a key name, and tagged by the digest's
                          first two hex digits: a batch's filings under the
                          keys of one tag go in one script call (at most 256
                          a batch), and the 256 tags spread over a cluster.
========================  ======================================================

Everything starts with the prefix (``rw`` unless configured), so one
``SCAN MATCH rw:*`` finds all the service owns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DELIVERIES_GROUP", "EMAILS_GROUP", "NOTIFIER_GROUP", "RedisNames"]

NOTIFIER_GROUP = "notifier"
"""The consumer group the notifiers share on every stream they consume."""

DELIVERIES_GROUP = "deliveries"
"""The consumer group the notifiers share on the alert stream to deliver it to the offices' webhooks."""

EMAILS_GROUP = "emails"
"""The consumer group the notifiers share on the alert stream to e-mail it to the offices' recipients: apart
from the webhooks' group, so each channel progresses, retries and fails on its own."""


@dataclass(frozen=True, slots=True)
class RedisNames:
    prefix: str = "rw"

    def __post_init__(self) -> None:
        # Letters, digits and : _ . - only: no hash-tag braces, no SCAN MATCH glob characters.
        if not re.fullmatch(r"[A-Za-z0-9:_.\-]+", self.prefix):
            raise ValueError("the key prefix may hold only letters, digits and : _ . -")

    @property
    def scan_pattern(self) -> str:
        return f"{self.prefix}:*"

    # --- custody intake: {custody} ---------------------------------------------

    @property
    def custody_events(self) -> str:
        """Stream of accepted custody events (field ``__data__``: the event JSON)."""
        return f"{self.prefix}:{{custody}}:events"

    def custody_receipt(self, facility_ori: str, event_id: str) -> str:
        """String: the receipt of the facility's accepted ``event_id``, ``<digest> <stream_id> <accepted_at>``
        (an event id is unique within its facility: two facilities' equal ids are two events). The ``/``
        cannot occur in an id, so no receipt of a former layout shares it."""
        return f"{self.prefix}:{{custody}}:accepted:{facility_ori}/{event_id}"

    def roster_receipt(self, facility_ori: str, roster_id: str) -> str:
        """String: the receipt of the facility's accepted ``roster_id``, as ``custody_receipt``."""
        return f"{self.prefix}:{{custody}}:roster-accepted:{facility_ori}/{roster_id}"

    def former_custody_receipt(self, facility_ori: str, event_id: str) -> str:
        """Hash: a receipt as kept before receipts were strings, ``digest``, ``stream_id``, ``accepted_at`` (read
        only, until its time-to-live ends)."""
        return f"{self.prefix}:{{custody}}:receipt:{facility_ori}/{event_id}"

    def former_roster_receipt(self, facility_ori: str, roster_id: str) -> str:
        """Hash: a roster receipt as kept before receipts were strings (read only, until it expires)."""
        return f"{self.prefix}:{{custody}}:roster-receipt:{facility_ori}/{roster_id}"

    def legacy_custody_receipt(self, event_id: str) -> str:
        """Hash: a receipt written when event ids were global (read only, until its time-to-live ends)."""
        return f"{self.prefix}:{{custody}}:receipt:{event_id}"

    def legacy_roster_receipt(self, roster_id: str) -> str:
        """Hash: a roster receipt written when roster ids were global (read only, until it expires)."""
        return f"{self.prefix}:{{custody}}:roster-receipt:{roster_id}"

    # --- detainers: {detainers} -------------------------------------------------

    @property
    def detainer_changes(self) -> str:
        """Stream of detainer changes (lodged, lifted): every notifier reads all of it."""
        return f"{self.prefix}:{{detainers}}:changes"

    @property
    def detainer_change_count(self) -> str:
        """Integer: changes ever appended to the changelog; each entry carries its number as ``seq``,
        so a reader sees a gap (entries trimmed before it read them) as a jump in ``seq``."""
        return f"{self.prefix}:{{detainers}}:changes:count"

    def detainer(self, detainer_ref: str) -> str:
        """String: the detainer's JSON, under its reference (``contracts.detainers.detainer_ref_for``)."""
        return f"{self.prefix}:{{detainers}}:detainer:{detainer_ref}"

    def detainer_offices(self, detainer_id: str) -> str:
        """Set of the offices that lodged a detainer under ``detainer_id`` (since ids are the office's own):
        how an operator's bare id finds its detainer, or learns it must name the office."""
        return f"{self.prefix}:{{detainers}}:offices-of:{detainer_id}"

    @property
    def active_detainers(self) -> str:
        """Set of the references of active detainers."""
        return f"{self.prefix}:{{detainers}}:active"

    def detainer_listing(self, *, field_office: str | None = None, status: str | None = None) -> str:
        """Sorted set of detainer references by the time lodged (ms), narrowed by office and/or status."""
        return self._listing("detainers", field_office, status)

    def detainers_lifted_at(self, *, field_office: str | None = None) -> str:
        """Sorted set of the references of lifted detainers by the time lifted (ms), narrowed by office: what the
        outcome report reads a period's lifts from."""
        name = f"{self.prefix}:{{detainers}}:lifted-at"
        return name if field_office is None else f"{name}:office:{field_office}"

    # --- custody state: one slot per booking ----------------------------------

    def booking(self, facility_ori: str, booking_number: str) -> str:
        """Hash: the booking's custody state (``state`` JSON and ``version``) and the review decisions
        on it (``review:<detainer_id>`` JSON), so one compare-and-set guards both."""
        return f"{self.prefix}:booking:{{{facility_ori}:{booking_number}}}"

    @property
    def every_booking_pattern(self) -> str:
        """SCAN pattern matching every booking hash (``booking``) and nothing else."""
        return f"{self.prefix}:booking:{{*"

    def booking_reference(self, booking_key: str) -> str:
        """What the index of bookings by person keeps of a booking's key (``<ori>:<booking_number>``, inside the
        hash tag): the key without the part every booking key shares."""
        return booking_key.removeprefix(f"{self.prefix}:booking:{{").removesuffix("}")

    def booking_of_reference(self, reference: str) -> str:
        """The booking key of a reference ``booking_reference`` gave."""
        return f"{self.prefix}:booking:{{{reference}}}"

    def booking_index_bucket(self, digest_prefix: str) -> str:
        """Sorted set, one bucket of the index of bookings by person: the filings of every blocking key whose
        digest starts with ``digest_prefix`` (three hex digits or more), tagged by its first two (``{b:d9}``:
        256 tags, so one script files a batch's bookings under every key of a tag and the tags spread the index
        over a cluster). Three digits are 16 buckets a tag, each digit more 16 times more buckets
        (``store.booking_index``)."""
        return f"{self.prefix}:booking-index:{{b:{digest_prefix[:2]}}}:{digest_prefix[2:]}"

    def booking_index_buckets_of(self, tag: str) -> str:
        """What every bucket name of a tag (two hex digits) starts with: ``booking_index_bucket(p)`` is this
        followed by ``p[2:]`` (the index builds a batch's thousands of names from it)."""
        return f"{self.prefix}:booking-index:{{b:{tag}}}:"

    @property
    def booking_index_scheme(self) -> str:
        """String: the blocking keys the index of bookings by person files under (their scheme's name), kept once
        every booking a former scheme filed was moved to them (``BookingIndex.refile``)."""
        return f"{self.prefix}:booking-index:scheme"

    @property
    def booking_index_prune_cursor(self) -> str:
        """Integer: how many slices of the index's buckets (a level-1 bucket and those under it) notifiers have
        pruned, ever; the next prune takes the slices after it (``BookingIndex.prune``)."""
        return f"{self.prefix}:booking-index:prune-cursor"

    def bookings_by_blocking_key(self, blocking_key_digest: str) -> str:
        """The second layout of the index: one sorted set of booking keys per blocking key, scored by expiry
        (ms), tagged by the digest's first two hex digits (``{b:d9}``). Moved to the buckets when a notifier starts
        (``BookingIndex.upgrade``), until no set of this layout is left."""
        return f"{self.prefix}:bookings-by-key:{{b:{blocking_key_digest[:2]}}}:{blocking_key_digest}"

    def former_bookings_by_blocking_key(self, blocking_key_digest: str) -> str:
        """The first layout's set (no tag: each set its own slot): moved like the second's."""
        return f"{self.prefix}:bookings-by-key:{blocking_key_digest}"

    @property
    def former_booking_index_pattern(self) -> str:
        """SCAN pattern matching the sets of both former layouts of the index (and nothing else)."""
        return f"{self.prefix}:bookings-by-key:*"

    # --- facilities: one slot per facility -------------------------------------

    def facility_in_custody(self, facility_ori: str) -> str:
        """Set of the booking numbers in custody at the facility by our state (rosters are checked against it)."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:in-custody"

    def roster_report(self, facility_ori: str) -> str:
        """Hash: the report of the facility's latest roster (``report`` JSON, ``as_of_ms``, ``roster_id``)."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:roster-report"

    def facility_feed(self, facility_ori: str) -> str:
        """Hash: the facility's feed (``first_seen_ms``, ``last_event_ms``, the latest ``health`` JSON the
        notifier concluded, and its ``hold`` on alerts while a surge of releases is looked into)."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:feed"

    def facility_feed_entries(self, facility_ori: str) -> str:
        """Sorted set of the facility's custody stream entry ids by their time (ms), for its usual rate;
        a member per entry, so a redelivered entry counts once."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:feed-entries"

    def facility_feed_releases(self, facility_ori: str) -> str:
        """Sorted set of the releases the facility reported (or its roster implied) by time (ms): one member
        per release (its stream entry id, or the roster's entry id and booking number)."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:feed-releases"

    def facility_feed_days(self, facility_ori: str) -> str:
        """Hash: the facility's events intake refused, and accepted long after they happened, per day (UTC):
        fields ``<YYYY-MM-DD>:rejected`` and ``<YYYY-MM-DD>:late``, counters (the outcome report reads them)."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:feed-days"

    def facility_feed_spells(self, facility_ori: str) -> str:
        """Hash: the spells the facility's feed was judged silent (``silent:<start ms>`` -> the latest check
        that still found it silent, ms) and the holds of its alerts for a surge (``surge:<since ms>`` -> the
        operator's decision, "" while undecided): the history the outcome report reads."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:feed-spells"

    def facility_roster_findings(self, facility_ori: str) -> str:
        """Sorted set of what each of the facility's rosters showed (JSON: unknown, listed after leaving,
        releases inferred) by the roster's ``as_of`` (ms): the history the outcome report reads."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:roster-findings"

    @property
    def feeds_counted(self) -> str:
        """Set of the ORIs of every facility intake counted a refused or late event of (``facility_feed_days``)."""
        return f"{self.prefix}:{{feeds}}:counted"

    def policy_booking(self, facility_ori: str, booking_number: str) -> str:
        """Hash: what intake keeps of a booking of a facility a sharing policy covers (``state`` JSON and
        ``version``): the facts its conditions are judged on and the policy hold (the booking withheld, kept
        to be published with a later event the policy shares). Read by intake alone, never by a consumer."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:policy-booking:{booking_number}"

    def policy_roster_terms(self, facility_ori: str) -> str:
        """Hash: per booking of the facility that a sharing policy holds (never published) or whose release it
        withholds, what a roster must say of it (JSON: ``held``, or ``release_withheld_by`` and the rule, and
        ``until``, when intake forgets the booking). Kept with the booking's record; read by intake alone."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:policy-roster"

    def policy_withheld_receipt(self, facility_ori: str, event_id: str) -> str:
        """Hash: the receipt of an event a sharing policy withheld (``digest``, ``answer`` JSON, ``at``), so a
        retry of the facility's ``event_id`` gets the same answer and is counted once."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:policy-withheld:{event_id}"

    def policy_withheld_days(self, facility_ori: str) -> str:
        """Hash: events of the facility sharing policies withheld, per day (UTC) and rule: field
        ``<YYYY-MM-DD> <rule>``, value the count."""
        return f"{self.prefix}:facility:{{{facility_ori}}}:policy-withheld-days"

    @property
    def policy_withheld_facilities(self) -> str:
        """Set of the ORIs of every facility a sharing policy withheld an event of (the report reads them all)."""
        return f"{self.prefix}:{{policies}}:withheld-facilities"

    @property
    def feeds(self) -> str:
        """Set of the ORIs of every facility that ever sent something: the feeds operators watch."""
        return f"{self.prefix}:{{feeds}}:facilities"

    # --- alerts: {alerts} ------------------------------------------------------

    def alert(self, alert_id: str) -> str:
        """String: the alert's JSON."""
        return f"{self.prefix}:{{alerts}}:alert:{alert_id}"

    def alert_listing(self, *, field_office: str | None = None, status: str | None = None) -> str:
        """Sorted set of alert ids by the time raised (ms), narrowed by office and/or status."""
        return self._listing("alerts", field_office, status)

    def release_listing(self, *, release_status: str, field_office: str | None = None) -> str:
        """Sorted set of the ids of release_scheduled alerts whose release time stands as ``release_status``
        (scheduled, rescheduled, cancelled, released, passed) by the time raised (ms), narrowed by office."""
        return self._listing("alerts", field_office, None) + f":release:{release_status}"

    def story(self, story_id: str) -> str:
        """Sorted set of the ids of one story's alerts (every alert of one detainer) by the time raised (ms)."""
        return f"{self.prefix}:{{alerts}}:story:{story_id}"

    def story_listing(self, *, field_office: str | None = None) -> str:
        """Sorted set of story ids by the time their latest alert was raised (ms), narrowed by office."""
        name = f"{self.prefix}:{{alerts}}:stories"
        return name if field_office is None else f"{name}:office:{field_office}"

    @property
    def alerts_raised(self) -> str:
        """Stream of what happens to alerts: for every channel ``alert_raised`` (one per alert),
        ``alert_reminded`` and ``alert_escalated`` (one per reminder and escalation level) and ``alert_updated``
        (a release schedule closed); for the live feed alone ``alert_acknowledged``, ``alert_resolved`` and
        ``alert_reviewed`` (a person's step)."""
        return f"{self.prefix}:{{alerts}}:raised"

    @property
    def alerts_delivered(self) -> str:
        """Sorted set of the alert stream entry ids delivered to a webhook, by the entry's time (ms): a
        redelivered entry is neither posted nor recorded on the timeline again."""
        return f"{self.prefix}:{{alerts}}:delivered"

    @property
    def alerts_emailed(self) -> str:
        """Sorted set of the alert stream entry ids e-mailed to their office, by the entry's time (ms): a
        redelivered entry is neither sent nor recorded on the timeline again."""
        return f"{self.prefix}:{{alerts}}:emailed"

    @property
    def alert_schedule(self) -> str:
        """Sorted set of scheduled job ids (reminders, escalations) by when they are due (ms)."""
        return f"{self.prefix}:{{alerts}}:schedule"

    @property
    def alert_jobs(self) -> str:
        """Hash: scheduled job id -> the job's JSON (what to do, for which alert)."""
        return f"{self.prefix}:{{alerts}}:jobs"

    def alert_jobs_planned(self, alert_id: str) -> str:
        """String: set once the alert's reminders and escalations are planned, so they are planned once."""
        return f"{self.prefix}:{{alerts}}:planned:{alert_id}"

    def held_alerts(self, facility_ori: str) -> str:
        """Sorted set of the ids of a facility's alerts held while its feed surged, by the time raised (ms):
        their records exist, but they are in no listing and on no channel until an operator decides."""
        return f"{self.prefix}:{{alerts}}:held:{facility_ori}"

    @property
    def alerts_leaving_hold(self) -> str:
        """Sorted set of the ids of alerts released from a hold and published, whose reminders and escalations
        are still to be planned (emptied as they are; what a crash left is planned at the next check)."""
        return f"{self.prefix}:{{alerts}}:leaving-hold"

    def discarded_alerts(self, facility_ori: str) -> str:
        """Sorted set of the ids of a facility's held alerts an operator discarded as a data error (ms)."""
        return f"{self.prefix}:{{alerts}}:discarded:{facility_ori}"

    @property
    def alert_reviews(self) -> str:
        """Stream of ``alert_reviewed`` messages: a possible match confirmed or rejected (the notifier acts on it)."""
        return f"{self.prefix}:{{alerts}}:reviews"

    def listings(self, family: str, field_office: str, status: str) -> tuple[str, str, str, str]:
        """The four listings one record of ``family`` (alerts, detainers) belongs to."""
        return (
            self._listing(family, None, None),
            self._listing(family, field_office, None),
            self._listing(family, None, status),
            self._listing(family, field_office, status),
        )

    def _listing(self, family: str, field_office: str | None, status: str | None) -> str:
        name = f"{self.prefix}:{{{family}}}:index"
        if field_office is not None:
            name += f":office:{field_office}"
        if status is not None:
            name += f":status:{status}"
        return name

    # --- reports: {reports} -----------------------------------------------------

    def weekly_report_claim(self, week: str) -> str:
        """String: set (NX) by the notifier that e-mails the weekly outcome report of ``week`` (``2026-W48``),
        so it goes once whatever the number of notifiers and restarts."""
        return f"{self.prefix}:{{reports}}:weekly-sent:{week}"

    # --- dead letters: {dead-letters} -------------------------------------------

    @property
    def dead_letters(self) -> str:
        """Stream of messages no consumer could process, with the reason."""
        return f"{self.prefix}:{{dead-letters}}:messages"

    @property
    def dead_letter_dispositions(self) -> str:
        """Hash: dead-letter entry id -> what an operator did with it (replayed, discarded), as JSON."""
        return f"{self.prefix}:{{dead-letters}}:dispositions"

    # --- audit: {audit} ---------------------------------------------------------

    @property
    def audit_trail(self) -> str:
        """Stream, append-only: every detainer, alert and dead-letter action, by whom and when."""
        return f"{self.prefix}:{{audit}}:trail"
