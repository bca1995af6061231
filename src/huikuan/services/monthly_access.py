"""Who reads the creditors' monthly reports (services/monthly_report.py): a creditor's viewer its own
creditor's, an administrator every creditor's, no one else; another creditor's report is not found.
Every download is audited (`document.downloaded`). The rules are services/creditor_files.py's."""

from __future__ import annotations

from typing import Any

from huikuan.services.access import Viewer
from huikuan.services.creditor_files import file_list, read_file, require_reader
from huikuan.services.monthly_report import FILES
from huikuan.storage.uow import UnitOfWork


def require_monthly(viewer: Viewer) -> None:
    require_reader(viewer, FILES)


def monthly_report_list(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int | None = None, limit: int = 24
) -> list[dict[str, Any]]:
    """The monthly reports the viewer may read, newest first: its creditor's (a viewer), or the given
    creditor's (an administrator)."""
    return file_list(uow, viewer, FILES, creditor_id, limit)


def read_monthly_report(uow: UnitOfWork, viewer: Viewer, document_id: int) -> tuple[dict[str, Any], bytes]:
    """One monthly report the viewer may read, and its bytes; another creditor's is not found. Audited."""
    return read_file(uow, viewer, FILES, document_id)


__all__ = ["monthly_report_list", "read_monthly_report", "require_monthly"]
