"""E-mail: SMTP (transport.py); configured by HUIKUAN_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS and
HUIKUAN_MAIL_FROM."""

from __future__ import annotations

from huikuan.channels.email.transport import EmailTransport
from huikuan.config import Settings

KIND = "email"  # the contact point kind this channel sends to


def transport(settings: Settings) -> EmailTransport | None:
    """The configured mail server, or None when HUIKUAN_SMTP_HOST is empty (mail then stays queued)."""
    if not settings.smtp_host:
        return None
    return EmailTransport(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.mail_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


__all__ = ["KIND", "EmailTransport", "transport"]
