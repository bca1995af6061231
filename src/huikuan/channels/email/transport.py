"""E-mail over SMTP: plain UTF-8 text (with any attached files), optional STARTTLS and login; the
Message-ID is the provider reference.

A 5xx reply about this message (the recipient refused, the content rejected) fails it for good; a 4xx
reply, a refused login, a timeout or no connection is transient, tried again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from huikuan.channels.base import DefinitiveFailure, Outgoing, Receipt, TransientFailure

TIMEOUT_S = 30.0


class EmailTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def compose(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()  # the default policy encodes non-ASCII headers (RFC 2047) and the body
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(message.now)
        domain = self.sender.rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(idstring=f"m{message.id}", domain=domain)
        mail.set_content(message.body, charset="utf-8")
        for filename, content_type, data in message.attachments:
            main, _, sub = content_type.partition("/")
            mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
        return mail

    def send(self, message: Outgoing) -> Receipt:
        mail = self.compose(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            reason = "; ".join(_reply(code, text) for code, text in exc.recipients.values())
            raise DefinitiveFailure("mail server refused the recipient: {reason}", reason=reason) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientFailure(
                "mail server refused the login: {reason}", reason=_reply(exc.smtp_code, exc.smtp_error)
            ) from None
        except smtplib.SMTPResponseException as exc:
            reason = _reply(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code >= 500:
                raise DefinitiveFailure("mail server refused the message: {reason}", reason=reason) from None
            raise TransientFailure("mail server answered: {reason}", reason=reason) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(
                "mail server not reachable: {reason}", reason=str(exc) or type(exc).__name__
            ) from None
        return Receipt(provider_ref=str(mail["Message-ID"]))


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()
