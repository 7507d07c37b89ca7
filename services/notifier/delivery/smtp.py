"""Sending one e-mail through the configured SMTP server (aiosmtplib), and what came of it.

``MailTransport`` is the narrow interface the delivery needs; ``SmtpTransport`` is the real one. Each
message opens its own connection: alerts are rare enough, and a connection a failure left half-open is
never reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, Protocol

import aiosmtplib

__all__ = ["MailTransport", "SendOutcome", "SmtpServer", "SmtpTransport"]

SmtpSecurity = Literal["starttls", "tls", "none"]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """``accepted`` recipients took the message; else ``code`` is the server's refusal (``None``: no reply
    at all) and ``reason`` says what happened, without addresses."""

    accepted: int
    refused: int = 0  # recipients the server refused while it took the message for others
    code: int | None = None
    reason: str = ""


class MailTransport(Protocol):
    async def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> SendOutcome: ...


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    security: SmtpSecurity  # starttls: upgrade required; tls: TLS from the first byte; none: plain (tests only)
    username: str | None
    password: str | None = field(repr=False)  # never in a repr, so never in a log
    timeout_seconds: float = 10.0  # one message, connecting included


def _refusal(error: aiosmtplib.SMTPRecipientsRefused) -> SendOutcome:
    """Every recipient refused: transient if any refusal was (the server may take it later)."""
    codes = [refused.code for refused in error.recipients]
    transient = [code for code in codes if 400 <= code < 500]
    code = transient[0] if transient else max(codes, default=550)
    return SendOutcome(
        0, refused=len(codes), code=code, reason=f"every recipient refused; replies {sorted(set(codes))}"
    )


class SmtpTransport:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> SendOutcome:
        server = self._server
        try:
            async with asyncio.timeout(server.timeout_seconds):
                errors, _ = await aiosmtplib.send(
                    message,
                    sender=sender,
                    recipients=list(recipients),
                    hostname=server.host,
                    port=server.port,
                    username=server.username,
                    password=server.password,
                    use_tls=server.security == "tls",
                    start_tls=server.security == "starttls",
                    timeout=server.timeout_seconds,
                )
        except aiosmtplib.SMTPRecipientsRefused as error:
            return _refusal(error)
        except aiosmtplib.SMTPResponseException as error:  # sender, data, authentication: the server's word
            return SendOutcome(0, code=error.code, reason=f"{type(error).__name__}: the server answered {error.code}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:  # no answer: connection, timeout
            return SendOutcome(0, reason=f"no answer from the SMTP server: {type(error).__name__}")
        return SendOutcome(len(recipients) - len(errors), refused=len(errors))
