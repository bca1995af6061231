"""Who reads the creditors' daily activity files (services/activity_files.py): a creditor's viewer its own
creditor's, an administrator every creditor's, no one else; another creditor's file is not found. Every
download is audited (`document.downloaded`). The rules are services/creditor_files.py's."""

from __future__ import annotations

from typing import Any

from huikuan.services.access import Viewer
from huikuan.services.activity_files import FILES
from huikuan.services.creditor_files import file_list, read_file, require_reader
from huikuan.storage.uow import UnitOfWork


def require_activity(viewer: Viewer) -> None:
    require_reader(viewer, FILES)


def activity_file_list(uow: UnitOfWork, viewer: Viewer, limit: int = 400) -> list[dict[str, Any]]:
    """The activity files the viewer may read, newest first: its creditor's (a viewer), or all (an admin)."""
    return file_list(uow, viewer, FILES, None, limit)


def read_activity_file(uow: UnitOfWork, viewer: Viewer, document_id: int) -> tuple[dict[str, Any], bytes]:
    """One activity file the viewer may read, and its bytes; another creditor's is not found. Audited."""
    return read_file(uow, viewer, FILES, document_id)


__all__ = ["activity_file_list", "read_activity_file", "require_activity"]
