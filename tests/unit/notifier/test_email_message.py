"""Alert e-mails, without I/O: the subject and body of each kind of message, its headers, who gets it,
what the server's reply means, and the configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import (
    Alert,
    AlertKind,
    AlertNotice,
    AlertOutcome,
    AlertRaised,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    AlertUpdated,
    CustodyEvent,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
    ReleaseReason,
    TimelineEntry,
)
from notifier.delivery.email_message import message_id_for, render_email, subject_for
from notifier.delivery.emails import MailVerdict, OfficeRecipients, parse_recipients, recipients_for, verdict_for_reply
from notifier.domain.alert_rules import alert_conditions, build_alert
from notifier.settings import NotifierSettings
from tests.unit.notifier.builders import active_detainer, at, detainer, event, fold, person

SENT_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def an_alert(kind: AlertKind = AlertKind.IN_CUSTODY, **overrides: Any) -> Alert:
    values: dict[str, Any] = {
        "alert_id": "al_1",
        "kind": kind,
        "field_office": "LOS",
        "detainer_id": "LOS-2026-000871",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "raised_at": at("2026-11-25T12:00:00+00:00"),
        "occurred_at": at("2026-11-25T03:00:00-08:00"),
        "trigger": AlertTrigger.CUSTODY_EVENT,
        "person": person(),
        "match": MatchEvidence(
            decision=MatchDecision.MATCH,
            rule="identifier",
            score=31.25,
            margin=9.5,
            fields=(FieldAgreement(field="a_number", level="exact"), FieldAgreement(field="sex", level="exact")),
        ),
        **overrides,
    }
    return Alert(**values)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def rendered(message: AlertRaised | AlertNotice | AlertUpdated, **overrides: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "sender": "releasewatch@alerts.example.gov",
        "recipients": ("duty@los.example.gov",),
        "link_base_url": "https://rw.example.gov/",
        "delivery_id": "1764072000000-0",
        "sent_at": SENT_AT,
        **overrides,
    }
    return render_email(message, detainer(), **values)


@pytest.mark.parametrize(
    ("alert", "subject"),
    [
        pytest.param(an_alert(), "In custody — CA0194200 booking 2026-004512", id="in_custody"),
        pytest.param(
            an_alert(
                AlertKind.RELEASE_SCHEDULED,
                scheduled_release_at=at("2026-12-03T06:00:00-08:00"),
                release_reason=ReleaseReason.BAIL_POSTED,
            ),
            "Release scheduled 2026-12-03 14:00 UTC — CA0194200 booking 2026-004512",
            id="release_scheduled",
        ),
        pytest.param(
            an_alert(AlertKind.RELEASED, released_at=at("2026-12-03T14:05:00+00:00"), released_without_notice=True),
            "Released 2026-12-03 14:05 UTC without notice — CA0194200 booking 2026-004512",
            id="released_without_notice",
        ),
        pytest.param(
            an_alert(AlertKind.TRANSFERRED, to_facility_ori="CA0190000"),
            "Transferred to CA0190000 — CA0194200 booking 2026-004512",
            id="transferred",
        ),
        pytest.param(
            an_alert(
                AlertKind.POSSIBLE_MATCH, match=MatchEvidence(decision=MatchDecision.POSSIBLE_MATCH, rule="score")
            ),
            "Possible match to review — CA0194200 booking 2026-004512",
            id="possible_match",
        ),
    ],
)
def test_the_subject_says_the_kind_the_release_time_and_where_without_personal_data(alert: Alert, subject: str) -> None:
    assert subject_for(AlertRaised(alert=alert)) == subject
    assert "GARCIA" not in subject


def test_a_reminder_and_an_escalation_say_so_before_the_alert_subject() -> None:
    alert = an_alert(AlertKind.RELEASE_SCHEDULED, scheduled_release_at=at("2026-12-03T14:00:00+00:00"))

    reminder = subject_for(AlertNotice(type="alert_reminded", alert=alert, lead_seconds=4 * 3600))
    escalation = subject_for(AlertNotice(type="alert_escalated", alert=alert, level=2))

    assert (
        reminder == "Reminder 4h before release: Release scheduled 2026-12-03 14:00 UTC — CA0194200 booking 2026-004512"
    )
    assert escalation.startswith("Escalation level 2, not acknowledged: Release scheduled 2026-12-03 14:00 UTC")


def test_the_body_holds_what_the_officer_must_act_on() -> None:
    alert = an_alert(
        AlertKind.RELEASE_SCHEDULED,
        scheduled_release_at=at("2026-12-03T06:00:00-08:00"),
        release_reason=ReleaseReason.BAIL_POSTED,
    )

    text = text_of(rendered(AlertRaised(alert=alert)))

    assert "LOS: Release scheduled 2026-12-03 14:00 UTC" in text
    assert "Arrange to assume custody before it" in text
    facts = {label: value.strip() for label, _, value in (line.partition(":") for line in text.splitlines())}
    assert facts["Detainer subject"].startswith("GARCIA LOPEZ, JOSE LUIS; born 1990-04-17; sex M; A-number A012345678")
    assert facts["Booked as"].startswith("GARCIA LOPEZ, JOSE LUIS")
    assert "LOS-2026-000871 (I-247A)" in text
    assert "2026-12-03 14:00 UTC (2026-12-03 06:00 -0800 at the facility)" in text
    assert "bail posted" in text
    assert "match by identifier, score 31.2 (margin 9.5); a_number exact, sex exact" in text
    assert "al_1 (release_scheduled, open)" in text
    assert "https://rw.example.gov/v1/alerts/al_1" in text


def test_a_possible_match_says_why_in_the_words_of_its_evidence() -> None:
    evidence = MatchEvidence(
        decision=MatchDecision.POSSIBLE_MATCH,
        rule="identifier_conflict",
        reasons=(
            "A-number differs: A055500011 (booking) vs A099999999 (detainer)",
            "Given name, surname and date of birth agree",
        ),
    )

    text = text_of(rendered(AlertRaised(alert=an_alert(AlertKind.POSSIBLE_MATCH, match=evidence))))

    assert (
        "A-number differs: A055500011 (booking) vs A099999999 (detainer); Given name, surname and date of birth agree"
    ) in text


def test_a_released_alert_says_whether_notice_came_first() -> None:
    with_notice = an_alert(
        AlertKind.RELEASED, released_at=at("2026-12-03T14:05:00+00:00"), notice_given=True, notice_lead_hours=52.5
    )
    without = an_alert(AlertKind.RELEASED, released_at=at("2026-12-03T14:05:00+00:00"), released_without_notice=True)

    assert "given, 52.5 h ahead" in text_of(rendered(AlertRaised(alert=with_notice)))
    early = with_notice.model_copy(update={"released_early_hours": 20.0})
    assert "given, 52.5 h ahead; released 20 h before the announced time" in text_of(rendered(AlertRaised(alert=early)))
    assert "none: released without notice" in text_of(rendered(AlertRaised(alert=without)))


def test_a_release_inferred_from_a_roster_says_when_the_roster_missed_the_person_not_when_they_left() -> None:
    alert = an_alert(
        AlertKind.RELEASED,
        released_at=at("2026-12-03T14:00:00+00:00"),
        release_reason=ReleaseReason.INFERRED_FROM_ROSTER,
        notice_given=False,
        released_without_notice=True,
    )

    email = rendered(AlertRaised(alert=alert))

    assert email["Subject"] == (
        "Missing from the roster of 2026-12-03 14:00 UTC: left custody by then, without notice "
        "— CA0194200 booking 2026-004512"
    )
    text = text_of(email)
    assert "Released:" not in text
    assert "Missing from roster of:" in text


def test_a_release_to_another_custody_says_transferred_out_not_released_without_notice() -> None:
    alert = an_alert(
        AlertKind.RELEASED,
        released_at=at("2026-12-03T14:05:00+00:00"),
        release_reason=ReleaseReason.TRANSFER,
        notice_given=False,
        released_without_notice=True,
    )

    message = rendered(AlertRaised(alert=alert))

    assert "Transferred out 2026-12-03 14:05 UTC, destination not reported" in message["Subject"]
    assert "without notice" not in message["Subject"]
    assert "another custody; the facility did not say where" in text_of(message)
    assert "released without notice" not in text_of(message)


def test_a_reminder_and_an_escalation_open_with_why_this_message_now() -> None:
    alert = an_alert(AlertKind.RELEASE_SCHEDULED, scheduled_release_at=at("2026-12-03T14:00:00+00:00"))

    reminder = text_of(rendered(AlertNotice(type="alert_reminded", alert=alert, lead_seconds=24 * 3600)))
    escalation = text_of(rendered(AlertNotice(type="alert_escalated", alert=alert, level=1)))

    assert "REMINDER: the release is 1d away." in reminder
    assert "ESCALATION level 1: nobody acknowledged this alert in time." in escalation


def test_a_reminder_sent_late_says_how_far_the_release_really_is_not_its_lead() -> None:
    # The 4 h reminder went out 1 h 20 min before the release (the notifier was down when it was due).
    release_at = at("2026-12-03T14:00:00+00:00")
    reminded = TimelineEntry(at=at("2026-12-03T12:40:00+00:00"), what=AlertStep.REMINDED, detail="late")
    alert = an_alert(AlertKind.RELEASE_SCHEDULED, scheduled_release_at=release_at, timeline=(reminded,))
    notice = AlertNotice(type="alert_reminded", alert=alert, lead_seconds=4 * 3600)

    email = rendered(notice)

    assert email["Subject"].startswith("Reminder, release in 1h20m: Release scheduled 2026-12-03 14:00 UTC")
    assert "REMINDER: the release is 1h20m away." in text_of(email)
    assert "4h" not in email["Subject"] + text_of(email)


@pytest.mark.parametrize(
    ("left", "left_at"),
    [
        pytest.param(event("release"), "2026-11-24 17:05 UTC", id="released"),
        pytest.param(
            event("transfer", occurred_at="2026-11-23T06:00:00-08:00"), "2026-11-23 14:00 UTC", id="transferred"
        ),
    ],
)
def test_an_in_custody_alert_raised_once_the_person_had_left_says_they_left_not_that_they_are_held(
    left: CustodyEvent, left_at: str
) -> None:
    # The detainer was lodged after the person left (or the booking and its release came in one batch): the alert
    # of the booking is raised all the same, beside the released or transferred one.
    state = fold(event("booking"), left)
    (condition,) = [c for c in alert_conditions(state) if c.kind is AlertKind.IN_CUSTODY]
    alert = build_alert(
        condition,
        state,
        active_detainer(),
        MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
        trigger=AlertTrigger.DETAINER_LODGED,
        event_id=None,
        raised_at=at("2026-11-25T12:00:00+00:00"),
    )

    email = rendered(AlertRaised(alert=alert))

    assert email["Subject"] == f"Booked, left custody since {left_at} — CA0194200 booking 2026-004512"
    text = text_of(email)
    assert "The person is in custody" not in text
    assert "Decide whether to assume custody" not in text
    assert "Left custody:" in text
    assert left_at in text


def test_an_alert_reopened_when_the_jail_took_its_correction_back_says_so() -> None:
    withdrawn = TimelineEntry(at=at("2026-11-25T13:00:00+00:00"), what=AlertStep.IDENTITY_CORRECTED)
    restored = TimelineEntry(at=at("2026-11-25T14:00:00+00:00"), what=AlertStep.IDENTITY_RESTORED)
    alert = an_alert(timeline=(withdrawn, restored))

    email = rendered(AlertUpdated(alert=alert, change=AlertStep.IDENTITY_RESTORED))

    assert email["Subject"] == ("The detainer's subject after all: in custody reopened — CA0194200 booking 2026-004512")
    text = text_of(email)
    assert "is open again" in text
    assert "Decide whether to assume custody" in text
    assert "Release cancelled" not in text


def test_a_reminder_of_an_alert_someone_acknowledged_does_not_ask_to_acknowledge_it() -> None:
    alert = an_alert(
        AlertKind.RELEASE_SCHEDULED,
        scheduled_release_at=at("2026-12-03T14:00:00+00:00"),
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_by="LOS duty desk",
        acknowledged_at=at("2026-12-01T09:00:00+00:00"),
    )

    text = text_of(rendered(AlertNotice(type="alert_reminded", alert=alert, lead_seconds=24 * 3600)))

    assert "Arrange to assume custody before it." in text
    assert "acknowledge the alert" not in text


def test_the_headers_name_the_message_the_same_way_on_every_sending_and_thread_notices_under_the_alert() -> None:
    alert = an_alert()
    raised = rendered(AlertRaised(alert=alert))
    again = rendered(AlertRaised(alert=alert), delivery_id="1764072999999-0", sent_at=datetime(2027, 1, 1, tzinfo=UTC))
    reminder = rendered(AlertNotice(type="alert_reminded", alert=alert, lead_seconds=3600))

    assert raised["Message-ID"] == "<al_1.raised@alerts.example.gov>"
    assert again["Message-ID"] == raised["Message-ID"]
    assert raised["X-Releasewatch-Delivery"] == "1764072000000-0"
    assert raised["To"] == "duty@los.example.gov"
    assert raised["In-Reply-To"] is None
    assert reminder["Message-ID"] == "<al_1.reminded.3600s@alerts.example.gov>"
    assert reminder["In-Reply-To"] == raised["Message-ID"]


def test_each_reminder_lead_and_escalation_level_is_its_own_message() -> None:
    alert = an_alert()
    ids = {
        message_id_for(message, domain="x.gov")
        for message in (
            AlertRaised(alert=alert),
            AlertNotice(type="alert_reminded", alert=alert, lead_seconds=3600),
            AlertNotice(type="alert_reminded", alert=alert, lead_seconds=4 * 3600),
            AlertNotice(type="alert_escalated", alert=alert, level=1),
            AlertNotice(type="alert_escalated", alert=alert, level=2),
        )
    }

    assert len(ids) == 5


def test_the_html_part_escapes_what_it_shows() -> None:
    alert = an_alert(resolution_note=None, detainer_id="LOS-2026-000871")
    message = rendered(AlertRaised(alert=alert), link_base_url="https://rw.example.gov/?a=<b>")

    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html: str = html_part.get_content()  # type: ignore[attr-defined]
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert rendered(AlertRaised(alert=alert), with_html=False).get_body(preferencelist=("html",)) is None


def test_escalations_also_go_to_the_escalation_recipients_and_everything_else_to_the_office() -> None:
    office = OfficeRecipients(to=("duty@los.gov", "desk@los.gov"), escalation_to=("boss@los.gov", "duty@los.gov"))
    alert = an_alert()

    assert recipients_for(office, AlertRaised(alert=alert)) == ("duty@los.gov", "desk@los.gov")
    assert recipients_for(office, AlertNotice(type="alert_escalated", alert=alert, level=1)) == (
        "duty@los.gov",
        "desk@los.gov",
        "boss@los.gov",
    )
    assert recipients_for(None, AlertRaised(alert=alert)) == ()


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (None, MailVerdict.RETRY),
        (421, MailVerdict.RETRY),
        (451, MailVerdict.RETRY),
        (452, MailVerdict.RETRY),
        (535, MailVerdict.REFUSED),
        (550, MailVerdict.REFUSED),
        (554, MailVerdict.REFUSED),
    ],
)
def test_what_a_reply_to_a_refused_email_means(code: int | None, verdict: MailVerdict) -> None:
    assert verdict_for_reply(code) is verdict


def test_recipients_are_single_addresses_and_a_refusal_names_where_not_what() -> None:
    offices = parse_recipients(json.dumps({"LOS": {"to": ["duty@los.gov"]}}))
    assert offices["LOS"].to == ("duty@los.gov",)

    with pytest.raises(ValueError, match=r"LOS\.to\.0") as refused:
        parse_recipients(json.dumps({"LOS": {"to": ["Duty <duty@los.gov>\r\nBcc: x@y.z"]}}))
    assert "duty@los.gov" not in str(refused.value)


def test_recipients_without_an_smtp_server_and_a_sender_are_refused_at_start() -> None:
    recipients = json.dumps({"LOS": {"to": ["duty@los.gov"]}})

    with pytest.raises(ValidationError, match="RW_SMTP_HOST and RW_EMAIL_FROM"):
        NotifierSettings(email_recipients=recipients)
    settings = NotifierSettings(
        email_recipients=recipients, smtp_host="smtp.los.gov", email_from="rw@los.gov", smtp_password="hunter2-secret"
    )

    assert settings.email_offices()["LOS"].to == ("duty@los.gov",)
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in repr(settings.smtp_server())
    assert settings.smtp_server().password == "hunter2-secret"


@pytest.mark.parametrize("host", ["smtp.los.gov", "10.0.0.25"])
def test_unencrypted_mail_to_another_host_is_refused_at_start_unless_allowed(host: str) -> None:
    plain = {"smtp_host": host, "smtp_security": "none", "email_from": "rw@los.gov"}

    with pytest.raises(ValidationError, match="RW_SMTP_SECURITY=none") as refused:
        NotifierSettings(**plain)

    assert "RW_ALLOW_PLAINTEXT_DELIVERY" in str(refused.value)
    assert NotifierSettings(**plain, allow_plaintext_delivery=True).smtp_server().security == "none"
    assert NotifierSettings(**{**plain, "smtp_security": "starttls"}).smtp_server().host == host


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_unencrypted_mail_to_a_relay_on_this_host_is_allowed(host: str) -> None:
    settings = NotifierSettings(smtp_host=host, smtp_security="none", email_from="rw@los.gov")

    assert settings.smtp_server().security == "none"


def test_an_alert_withdrawn_for_a_corrected_booking_says_it_was_about_someone_else() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.IDENTITY_CORRECTED, detail="corrected", event_id="evt-fix")
    alert = an_alert(status=AlertStatus.RESOLVED, outcome=AlertOutcome.NOT_THE_PERSON, timeline=(step,))
    message = AlertUpdated(alert=alert, change=AlertStep.IDENTITY_CORRECTED)

    email = rendered(message)

    assert subject_for(message) == "Not the detainer's subject: in custody withdrawn — CA0194200 booking 2026-004512"
    assert "UPDATE: The facility corrected the person booked, who is no longer this detainer's subject" in text_of(
        email
    )


def test_an_alert_withdrawn_when_its_possible_match_was_rejected_says_it_was_about_someone_else() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.REVIEWED, by="LOS duty desk", detail="possible match rejected")
    alert = an_alert(status=AlertStatus.RESOLVED, outcome=AlertOutcome.NOT_THE_PERSON, timeline=(step,))
    message = AlertUpdated(alert=alert, change=AlertStep.REVIEWED)

    email = rendered(message)

    assert subject_for(message) == "Not the detainer's subject: in custody withdrawn — CA0194200 booking 2026-004512"
    assert "UPDATE: The office rejected the possible match on this booking: the person booked is not this " in text_of(
        email
    )


def test_a_release_withdrawn_when_the_transfer_it_followed_arrived_says_the_person_was_not_released() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.RELEASE_CANCELLED, detail="transferred to CA0190000")
    alert = an_alert(
        kind=AlertKind.RELEASED,
        status=AlertStatus.RESOLVED,
        outcome=AlertOutcome.RELEASE_SUPERSEDED,
        timeline=(step,),
        released_at=at("2026-11-25T04:00:00-08:00"),
        release_reason=ReleaseReason.OTHER,
        notice_given=False,
        released_without_notice=True,
    )
    message = AlertUpdated(alert=alert, change=AlertStep.RELEASE_CANCELLED)

    email = rendered(message)

    assert subject_for(message) == "Not released: transferred before the release — CA0194200 booking 2026-004512"
    text = text_of(email)
    assert "the person was not released from custody" in text
    assert "released without notice" not in text  # the release it was raised for was no release
    assert "Release (withdrawn):" in text


def test_a_release_inferred_from_a_roster_and_withdrawn_says_the_person_was_still_held() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.RELEASE_WITHDRAWN, detail="still held", event_id="roster-1200")
    alert = an_alert(
        kind=AlertKind.RELEASED, status=AlertStatus.RESOLVED, outcome=AlertOutcome.RELEASE_SUPERSEDED, timeline=(step,)
    )
    message = AlertUpdated(alert=alert, change=AlertStep.RELEASE_WITHDRAWN)

    email = rendered(message)

    assert subject_for(message) == (
        "Not released: still held at CA0194200, the release inferred from its roster withdrawn"
        " — CA0194200 booking 2026-004512"
    )
    assert "the facility still held the person after it" in text_of(email)
    assert "transferred" not in text_of(email)


def test_a_release_the_facility_reported_after_a_roster_inferred_it_says_what_changed_and_not_that_it_closed() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.RELEASE_REPORTED, detail="release reported", event_id="evt-0005")
    alert = an_alert(
        kind=AlertKind.RELEASED,
        released_at=datetime(2026, 11, 24, 17, 5, tzinfo=UTC),
        notice_given=True,
        released_without_notice=False,
        timeline=(step,),
    )
    message = AlertUpdated(alert=alert, change=AlertStep.RELEASE_REPORTED)

    email = rendered(message)

    assert subject_for(message) == (
        "Release reported by the facility: Released 2026-11-24 17:05 UTC — CA0194200 booking 2026-004512"
    )
    assert "UPDATE: The facility reported this release, which releasewatch had inferred from a roster" in text_of(email)
    assert "closed" not in text_of(email).split("UPDATE:")[1].split("\n")[0]


def test_an_alert_closed_by_the_detainers_lift_says_so_and_nothing_is_to_be_done() -> None:
    step = TimelineEntry(at=SENT_AT, what=AlertStep.DETAINER_LIFTED, detail="detainer lifted: custody_assumed")
    alert = an_alert(status=AlertStatus.RESOLVED, outcome=AlertOutcome.DETAINER_LIFTED, timeline=(step,))
    message = AlertUpdated(alert=alert, change=AlertStep.DETAINER_LIFTED)

    email = rendered(message)

    assert subject_for(message) == "Detainer lifted: in custody closed — CA0194200 booking 2026-004512"
    assert "UPDATE: The office lifted this detainer: nothing is to be done about this person." in text_of(email)
