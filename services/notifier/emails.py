"""E-mail to the field offices: who receives each message, and what an SMTP server's answer means.

Pure: no I/O. ``notifier.email_message`` writes the message, ``notifier.adapters.smtp`` sends it and
``notifier.email_delivery`` does the bookkeeping.

Each office names its recipients (``RW_EMAIL_RECIPIENTS``)::

    {"LOS": {"to": ["duty@los.example.gov"], "escalation_to": ["supervisor@los.example.gov"]}}

Every message of the alert stream goes to ``to``; an escalation goes to ``to`` and ``escalation_to``
(the duty desk still has to act; the supervisor has to see that it did not).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts import AlertNotice, AlertRaised, AlertUpdated
from notifier.office_config import parse_per_office

__all__ = ["EmailAddress", "MailVerdict", "OfficeRecipients", "parse_recipients", "recipients_for", "verdict_for_reply"]

# One address, nothing around it: no display name, no list separators, no line breaks (header injection).
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$", max_length=254)]


class OfficeRecipients(BaseModel):
    """One field office's e-mail recipients (``RW_EMAIL_RECIPIENTS``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    to: tuple[EmailAddress, ...] = Field(description="Every alert, reminder and escalation of the office.")
    escalation_to: tuple[EmailAddress, ...] = Field(default=(), description="Escalations, besides to.")


def parse_recipients(*documents: str | bytes | None) -> dict[str, OfficeRecipients]:
    """The offices' recipients from JSON documents, later ones overriding earlier ones per office.
    Errors name where, never what: an address is an officer's, not for a start-up log."""
    return parse_per_office(OfficeRecipients, documents, what="e-mail recipients")


def recipients_for(
    office: OfficeRecipients | None, message: AlertRaised | AlertNotice | AlertUpdated
) -> tuple[str, ...]:
    """Who receives ``message``: the office's ``to``, and ``escalation_to`` for an escalation; each once."""
    if office is None:
        return ()
    addresses = office.to
    if message.type == "alert_escalated":
        addresses = (*addresses, *office.escalation_to)
    return tuple(dict.fromkeys(addresses))


class MailVerdict(StrEnum):
    DELIVERED = "delivered"  # the server took it for at least one recipient
    RETRY = "retry"  # it may later: a 4xx reply, a timeout, no connection
    REFUSED = "refused"  # it never will: a 5xx reply (for every recipient)


def verdict_for_reply(code: int | None) -> MailVerdict:
    """What the server's reply code to a refused message means; ``None``: there was no reply."""
    if code is None or 400 <= code < 500:
        return MailVerdict.RETRY
    if code >= 500:
        return MailVerdict.REFUSED
    return MailVerdict.DELIVERED
