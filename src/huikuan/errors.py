"""The small typed hierarchy of errors that the CLI and the web layer turn into clear messages."""

from __future__ import annotations


class HuikuanError(Exception):
    """Base of every error Huikuan raises on purpose; its message is meant for the user.

    The message is an English gettext msgid with `{name}` fields, filled from `values`: `str(exc)` is
    the English text, `exc.translated(locale)` the same in the user's language (huikuan.i18n).
    """

    def __init__(self, message: str = "", /, **values: object) -> None:
        self.msgid = message
        self.values = values
        super().__init__(message.format(**values) if values else message)

    def translated(self, locale: str | None) -> str:
        from huikuan.i18n import gettext

        return gettext(self.msgid, locale, **self.values)


class NotFound(HuikuanError):
    """A named thing (creditor, case, account, user) does not exist."""


class AlreadyExists(HuikuanError):
    """A thing with the same natural key exists already."""


class InvalidInput(HuikuanError):
    """A value given by a user or a file is not acceptable."""


class Forbidden(HuikuanError):
    """The user may not do this (a read-only viewer writing, a collector approving its own offer)."""


class NotAuthenticated(HuikuanError):
    """No valid session or credentials: log in first."""


class Throttled(HuikuanError):
    """Too many failed attempts: refused until the moment given in the message."""


class Conflict(HuikuanError):
    """The thing changed under the user (a case claimed by someone else, an offer already decided)."""


class Busy(HuikuanError):
    """Every database connection (or SQLite's write lock) stayed taken too long: nothing was changed,
    and the same request can be sent again in a few seconds."""

    retry_after_s = 5


class StoreFailed(HuikuanError):
    """The document store (an S3 bucket) is missing, unreachable or refused the request: nothing was kept
    or read, and the message names the store and what went wrong."""


class ProviderUnavailable(HuikuanError):
    """A payment provider refused or could not be reached (or is not set up): nothing was kept, and the
    message says which provider and why."""


class ImportRejected(HuikuanError):
    """A placement or payment file was rejected whole (strict mode with bad rows)."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class ComplianceRefused(HuikuanError):
    """The compliance gate refused a contact; the contact was not made."""

    def __init__(self, message: str, decision: object | None = None, **values: object) -> None:
        super().__init__(message, **values)
        self.decision = decision
