"""The e-mail a duty officer reads for one alert stream message: subject, plain text, HTML, headers.

Pure: no I/O. The subject carries what to act on and where (kind, release time, facility and booking) and
no personal data, since subjects travel through more systems than bodies do; the body is the office's own
data going to the office: the person as the office lodged the detainer on them and as the jail booked
them, the facility and booking, the times, the match in short, the alert id and its link.

``Message-ID`` is derived from the alert and the message (its type, and the reminder's lead or the
escalation's level), never from the attempt: a message sent again (a retry, a crash before it was
recorded, a replayed dead letter) carries the same id, so a mail client or a person sees it is the same
one. Reminders and escalations refer to the alert's first message (``In-Reply-To``), so a mail client
threads them under it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from contracts import (
    Alert,
    AlertKind,
    AlertNotice,
    AlertOutcome,
    AlertRaised,
    AlertStatus,
    AlertStep,
    AlertUpdated,
    Detainer,
    MatchEvidence,
    Person,
    ReleaseReason,
    ReleaseStatus,
)
from notifier.domain.schedule import time_left_words

__all__ = ["EmailContent", "message_id_for", "render_email", "subject_for"]

_HEADLINES = {
    AlertKind.IN_CUSTODY: "In custody",
    AlertKind.RELEASE_SCHEDULED: "Release scheduled",
    AlertKind.RELEASED: "Released",
    AlertKind.TRANSFERRED: "Transferred",
    AlertKind.POSSIBLE_MATCH: "Possible match to review",
}

_ACTIONS = {
    AlertKind.IN_CUSTODY: "The person is in custody. Decide whether to assume custody, and acknowledge the alert.",
    AlertKind.RELEASE_SCHEDULED: "A release time is known. Arrange to assume custody before it, and acknowledge "
    "the alert.",
    AlertKind.RELEASED: "The person has left custody.",
    AlertKind.TRANSFERRED: "The person was moved to another facility; the detainer follows them.",
    AlertKind.POSSIBLE_MATCH: "The booked person may be the detainer's subject. Review the evidence and confirm or "
    "reject the match before acting on it.",
}


# What releasewatch says when a release time stopped standing (an ``alert_updated`` message).
_UPDATE_HEADLINES = {
    ReleaseStatus.RESCHEDULED: "Release rescheduled",
    ReleaseStatus.CANCELLED: "Release cancelled",
    ReleaseStatus.RELEASED: "Released",
    ReleaseStatus.PASSED: "Release time passed, no release reported",
}
_UPDATE_SITUATIONS = {
    ReleaseStatus.RESCHEDULED: "The facility set a new release time: this one no longer stands, and the alert for "
    "the new time follows on its own.",
    ReleaseStatus.CANCELLED: "This release will not happen at this time: the facility cancelled it (or moved the "
    "person before it).",
    ReleaseStatus.RELEASED: "The person has left custody; the released alert says when and with how much notice.",
    ReleaseStatus.PASSED: "The release time went by and no release was reported. Check with the facility whether "
    "the person is still held.",
}

Message = AlertRaised | AlertNotice | AlertUpdated


@dataclass(frozen=True, slots=True)
class EmailContent:
    """What the message says, before it becomes MIME."""

    subject: str
    text: str
    html: str


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _with_local(moment: datetime) -> str:
    """UTC, and the facility's own clock when it sent another offset."""
    offset = moment.utcoffset()
    if offset is None or not offset:
        return _utc(moment)
    return f"{_utc(moment)} ({moment.strftime('%Y-%m-%d %H:%M %z')} at the facility)"


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# An in_custody alert raised once the person had left (a detainer lodged after the release, a possible match
# confirmed late, a booking arriving with its release): nobody is there to take into custody.
_LEFT_ACTION = (
    "The person was booked here and has left custody since (released or moved): the released or transferred alert "
    "says how. There is no one here to take into custody."
)


def _headline(alert: Alert) -> str:
    headline = _HEADLINES[alert.kind]
    if alert.kind is AlertKind.IN_CUSTODY and alert.left_custody_at is not None:
        return f"Booked, left custody since {_utc(alert.left_custody_at)}"
    if alert.kind is AlertKind.RELEASE_SCHEDULED and alert.scheduled_release_at is not None:
        return f"{headline} {_utc(alert.scheduled_release_at)}"
    if alert.kind is AlertKind.RELEASED:
        when = f" {_utc(alert.released_at)}" if alert.released_at is not None else ""
        if alert.release_reason is ReleaseReason.TRANSFER:  # to another custody: no notice was owed
            return f"Transferred out{when}, destination not reported"
        if alert.release_reason is ReleaseReason.INFERRED_FROM_ROSTER:  # no release reported: when is not known
            notice = ", without notice" if alert.released_without_notice else ""
            return f"Missing from the roster of{when}: left custody by then{notice}"
        return f"{headline}{when}" + (" without notice" if alert.released_without_notice else "")
    if alert.kind is AlertKind.TRANSFERRED and alert.to_facility_ori is not None:
        return f"{headline} to {alert.to_facility_ori}"
    return headline


def _late_reminder(message: Message) -> str | None:
    """For a reminder sent more than a little after its time (the notifier was down when it was due): how far the
    release really was when it went out, in words; None for one sent on time, whose lead says it."""
    alert = message.alert
    if message.type != "alert_reminded" or message.lead_seconds is None or alert.scheduled_release_at is None:
        return None
    sent = next((step.at for step in reversed(alert.timeline) if step.what is AlertStep.REMINDED), None)
    return None if sent is None else time_left_words(message.lead_seconds, alert.scheduled_release_at, sent)


def _last_step_is(alert: Alert, step: AlertStep) -> bool:
    """Whether ``step`` is the last thing releasewatch did to ``alert``: what closed it (a correction of the person
    booked, a rejected possible match, a lift, a release withdrawn), what it changed (a release reported), or what
    reopened it (a correction taken back)."""
    return bool(alert.timeline) and alert.timeline[-1].what is step


def _update_headline(alert: Alert) -> str:
    """e.g. ``Release cancelled (was 2026-12-03 14:00 UTC)``, ``Not the detainer's subject: ...``, or
    ``Detainer lifted: ... closed``."""
    if _last_step_is(alert, AlertStep.IDENTITY_RESTORED):
        return f"The detainer's subject after all: {_headline(alert)[0].lower()}{_headline(alert)[1:]} reopened"
    if _last_step_is(alert, AlertStep.IDENTITY_CORRECTED) or _last_step_is(alert, AlertStep.REVIEWED):
        return f"Not the detainer's subject: {_HEADLINES[alert.kind].lower()} withdrawn"
    if _last_step_is(alert, AlertStep.DETAINER_LIFTED):
        return f"Detainer lifted: {_HEADLINES[alert.kind].lower()} closed"
    if _last_step_is(alert, AlertStep.RELEASE_REPORTED):  # (not closed: the release as the facility reported it)
        return f"Release reported by the facility: {_headline(alert)}"
    if _last_step_is(alert, AlertStep.RELEASE_WITHDRAWN):  # (a release inferred from a roster, withdrawn)
        return f"Not released: still held at {alert.facility_ori}, the release inferred from its roster withdrawn"
    if alert.kind is AlertKind.RELEASED:  # (closed when the transfer it followed arrived)
        return "Not released: transferred before the release"
    status = alert.release_status or ReleaseStatus.CANCELLED
    was = f" (was {_utc(alert.scheduled_release_at)})" if alert.scheduled_release_at is not None else ""
    return f"{_UPDATE_HEADLINES.get(status, 'Release schedule updated')}{was}"


def subject_for(message: Message) -> str:
    """e.g. ``Release scheduled 2026-12-03 14:00 UTC — CA0194200 booking 2026-004512``; a reminder or an
    escalation says so first; an update says what became of the release time."""
    alert = message.alert
    if message.type == "alert_updated":
        return f"{_update_headline(alert)} — {alert.facility_ori} booking {alert.booking_number}"
    subject = f"{_headline(alert)} — {alert.facility_ori} booking {alert.booking_number}"
    if message.type == "alert_reminded":
        if (left := _late_reminder(message)) is not None:
            return f"Reminder, release in {left}: {subject}"
        lead = f" {_duration(message.lead_seconds)} before release" if message.lead_seconds is not None else ""
        return f"Reminder{lead}: {subject}"
    if message.type == "alert_escalated":
        return f"Escalation level {message.level or 1}, not acknowledged: {subject}"
    return subject


def message_id_for(message: Message, *, domain: str) -> str:
    """The same for every sending of one message: the alert, the message type, the lead, level or change."""
    alert_id = message.alert.alert_id
    if message.type == "alert_updated":
        return f"<{alert_id}.updated.{message.change.value}@{domain}>"
    if message.type == "alert_reminded":
        return f"<{alert_id}.reminded.{message.lead_seconds or 0}s@{domain}>"
    if message.type == "alert_escalated":
        return f"<{alert_id}.escalated.{message.level or 1}@{domain}>"
    return f"<{alert_id}.raised@{domain}>"


def _person(person: Person) -> str:
    names = " ".join(part for part in (person.first_name, person.middle_name) if part)
    described = [f"{person.last_name}, {names}", f"born {person.date_of_birth}", f"sex {person.sex.value}"]
    if person.a_number:
        described.append(f"A-number {person.a_number}")
    if person.fbi_number:
        described.append(f"FBI {person.fbi_number}")
    if person.state_id is not None:
        described.append(f"state id {person.state_id.state} {person.state_id.number}")
    return "; ".join(described)


def _match(match: MatchEvidence) -> str:
    text = f"{match.decision.value.replace('_', ' ')} by {match.rule}"
    if match.score is not None:
        text += f", score {match.score:.1f}"
    if match.margin is not None:
        text += f" (margin {match.margin:.1f})"
    if match.fields:
        text += "; " + ", ".join(f"{field.field} {field.level}" for field in match.fields)
    return text


def _situation(message: Message) -> str:
    """The first line: what happened and, for a notice or an update, why this message now."""
    alert = message.alert
    if message.type == "alert_updated":
        if _last_step_is(alert, AlertStep.IDENTITY_RESTORED):
            return (
                "UPDATE: The facility corrected the person booked back: they are this detainer's subject after all, "
                f"and this alert, withdrawn when the booking named someone else, is open again. {_action(alert)}"
            )
        if _last_step_is(alert, AlertStep.IDENTITY_CORRECTED):
            return (
                "UPDATE: The facility corrected the person booked, who is no longer this detainer's subject: this "
                "alert was about someone else. The alert is closed."
            )
        if _last_step_is(alert, AlertStep.REVIEWED):
            return (
                "UPDATE: The office rejected the possible match on this booking: the person booked is not this "
                "detainer's subject, and this alert was about someone else. The alert is closed."
            )
        if _last_step_is(alert, AlertStep.DETAINER_LIFTED):
            return (
                "UPDATE: The office lifted this detainer: nothing is to be done about this person. The alert is closed."
            )
        if _last_step_is(alert, AlertStep.RELEASE_REPORTED):
            return (
                "UPDATE: The facility reported this release, which releasewatch had inferred from a roster that no "
                "longer listed the booking: its time, reason and notice are now as the facility reported them."
            )
        if _last_step_is(alert, AlertStep.RELEASE_WITHDRAWN):
            return (
                "UPDATE: This release was inferred from a roster that did not list the booking, but the facility "
                "still held the person after it (its next roster listed the booking): the person was not released. "
                "The alert is closed; a release time that stands is announced again."
            )
        if alert.kind is AlertKind.RELEASED:
            return (
                "UPDATE: The facility had transferred the person before this release, which only closed the booking "
                "it moved: the person was not released from custody (the transferred alert says where they went). "
                "The alert is closed."
            )
        status = alert.release_status or ReleaseStatus.CANCELLED
        return f"UPDATE: {_UPDATE_SITUATIONS.get(status, '')} The alert is closed."
    if message.type == "alert_reminded":
        lead = _late_reminder(message) or (
            _duration(message.lead_seconds) if message.lead_seconds is not None else "soon"
        )
        return f"REMINDER: the release is {lead} away. {_action(alert)}"
    if message.type == "alert_escalated":
        return f"ESCALATION level {message.level or 1}: nobody acknowledged this alert in time. {_action(alert)}"
    return _action(alert)


def _action(alert: Alert) -> str:
    if alert.kind is AlertKind.IN_CUSTODY and alert.left_custody_at is not None:
        return _LEFT_ACTION
    if alert.status is not AlertStatus.OPEN:  # (a reminder of an alert someone acknowledged: not to be asked again)
        return _ACTIONS[alert.kind].replace(", and acknowledge the alert.", ".")
    return _ACTIONS[alert.kind]


def _facts(alert: Alert, detainer: Detainer | None) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    if detainer is not None:
        facts.append(("Detainer subject", _person(detainer.person)))
    if alert.person is not None:
        facts.append(("Booked as", _person(alert.person)))
    detainer_text = alert.detainer_id + (f" ({detainer.form.value})" if detainer is not None else "")
    facts += [
        ("Detainer", detainer_text),
        ("Facility", alert.facility_ori),
        ("Booking", alert.booking_number),
    ]
    if alert.scheduled_release_at is not None:
        facts.append(("Release scheduled", _with_local(alert.scheduled_release_at)))
    if alert.release_status is not None and alert.release_status is not ReleaseStatus.SCHEDULED:
        facts.append(("Release status", alert.release_status.value))
    if alert.superseded_by is not None:
        facts.append(("Superseded by", alert.superseded_by))
    if alert.release_reason is not None:
        facts.append(("Release reason", alert.release_reason.value.replace("_", " ")))
    # A release releasewatch withdrew (it closed the booking of a person the facility had moved, or a later roster
    # listed the booking again) was no release: neither its time nor its notice is one.
    withdrawn = alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED
    if alert.released_at is not None:
        inferred = alert.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
        label = "Release (withdrawn)" if withdrawn else "Missing from roster of" if inferred else "Released"
        facts.append((label, _with_local(alert.released_at)))
    if alert.left_custody_at is not None:
        facts.append(("Left custody", _with_local(alert.left_custody_at)))
    if alert.kind is AlertKind.RELEASED and alert.release_reason is ReleaseReason.TRANSFER:
        facts.append(("Moved to", "another custody; the facility did not say where"))
    elif alert.kind is AlertKind.RELEASED and not withdrawn:
        if alert.released_without_notice:
            facts.append(("Notice", "none: released without notice"))
        elif alert.notice_given:
            hours = f", {alert.notice_lead_hours:g} h ahead" if alert.notice_lead_hours is not None else ""
            early = (
                f"; released {alert.released_early_hours:g} h before the announced time"
                if alert.released_early_hours is not None
                else ""
            )
            facts.append(("Notice", f"given{hours}{early}"))
    if alert.to_facility_ori is not None:
        facts.append(("Moved to", alert.to_facility_ori))
    facts += [
        ("Occurred", _with_local(alert.occurred_at)),
        ("Raised", _utc(alert.raised_at)),
        ("Match", _match(alert.match)),
    ]
    if alert.match.reasons:
        facts.append(("Why", "; ".join(alert.match.reasons)))
    facts.append(("Alert", f"{alert.alert_id} ({alert.kind.value}, {alert.status.value})"))
    return facts


def _link(link_base_url: str, alert_id: str) -> str:
    return f"{link_base_url.rstrip('/')}/v1/alerts/{alert_id}"


def _content(message: Message, detainer: Detainer | None, *, link_base_url: str) -> EmailContent:
    alert = message.alert
    facts = _facts(alert, detainer)
    link = _link(link_base_url, alert.alert_id)
    width = max(len(label) for label, _ in facts) + 2
    headline = _update_headline(alert) if message.type == "alert_updated" else _headline(alert)
    lines = [
        f"{alert.field_office}: {headline}",
        "",
        _situation(message),
        "",
        *(f"{label + ':':<{width}}{value}" for label, value in facts),
        "",
        f"Open the alert: {link}",
        "",
        "-- ",
        "releasewatch: advance notice of releases from custody. Sent to the office's configured recipients.",
    ]
    rows = "".join(
        f"<tr><th align='left' valign='top'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in facts
    )
    body = (
        "<!DOCTYPE html><html><body>"
        f"<h2>{html.escape(alert.field_office)}: {html.escape(headline)}</h2>"
        f"<p><strong>{html.escape(_situation(message))}</strong></p>"
        f"<table cellpadding='4'>{rows}</table>"
        f"<p><a href='{html.escape(link, quote=True)}'>Open the alert</a></p>"
        "</body></html>"
    )
    return EmailContent(subject_for(message), "\n".join(lines) + "\n", body)


def render_email(
    message: Message,
    detainer: Detainer | None,
    *,
    sender: str,
    recipients: tuple[str, ...],
    link_base_url: str,
    delivery_id: str,
    sent_at: datetime,
    with_html: bool = True,
) -> EmailMessage:
    """The MIME message for one alert stream message (``delivery_id``: its stream entry id)."""
    content = _content(message, detainer, link_base_url=link_base_url)
    domain = sender.rpartition("@")[2] or "releasewatch.invalid"
    email = EmailMessage()
    email["Subject"] = content.subject
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = format_datetime(sent_at.astimezone(UTC))
    email["Message-ID"] = message_id_for(message, domain=domain)
    if message.type != "alert_raised":
        first = message_id_for(AlertRaised(alert=message.alert), domain=domain)
        email["In-Reply-To"] = first
        email["References"] = first
    email["X-Releasewatch-Event"] = message.type
    email["X-Releasewatch-Alert-Id"] = message.alert.alert_id
    email["X-Releasewatch-Delivery"] = delivery_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    email.set_content(content.text)
    if with_html:
        email.add_alternative(content.html, subtype="html")
    return email
