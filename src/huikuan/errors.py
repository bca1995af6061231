"""The small typed hierarchy of errors that the CLI and the web layer turn into clear messages."""

from __future__ import annotations


class HuikuanError(Exception):
    """Base of every error Huikuan raises on purpose; its message is meant for the user."""


class NotFound(HuikuanError):
    """A named thing (creditor, case, account, user) does not exist."""


class AlreadyExists(HuikuanError):
    """A thing with the same natural key exists already."""


class InvalidInput(HuikuanError):
    """A value given by a user or a file is not acceptable."""


class ImportRejected(HuikuanError):
    """A placement or payment file was rejected whole (strict mode with bad rows)."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class ComplianceRefused(HuikuanError):
    """The compliance gate refused a contact; the contact was not made."""

    def __init__(self, message: str, decision: object | None = None) -> None:
        super().__init__(message)
        self.decision = decision
