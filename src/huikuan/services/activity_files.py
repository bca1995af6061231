"""The daily activity file each creditor audits its agency by: every contact, message sent, promise made or
changed and payment of one floor day on its accounts, one row each, as CSV (UTF-8 with BOM, formula-safe).

The creditor owns its accounts' data, so account references, outcomes and amounts are written as they are;
the debtors' contact details are masked (services/masking.py), as on every screen. The headers are ours
unless the creditor has its own mapping (services/activity_mapping.py). Each night the
`activity-files` job writes the previous floor day's file of every creditor into the document store (kind
"activity", under the creditor) and, when HUIKUAN_ACTIVITY_DIR is set, a copy there (owner-only). Who reads
them: services/activity_access.py.
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huikuan.config import get_settings
from huikuan.domain.money import Money
from huikuan.errors import Forbidden, NotFound
from huikuan.services.activity_mapping import COLUMNS, mapping_of
from huikuan.services.clock import floor_today, floor_zone
from huikuan.services.creditor_files import FileKind, replace_file
from huikuan.services.masking import mask_contact, mask_phone
from huikuan.spreadsheet import csv_writer
from huikuan.storage import activity
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

KIND = "activity"
FILES = FileKind(
    KIND,
    "text/csv",
    refused=lambda: Forbidden("Only an administrator or the creditor's viewer may see the activity files"),
    missing=lambda document_id: NotFound("There is no activity file {id}", id=document_id),
)


def _span(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(floor_zone())).astimezone(UTC)
    return start, start + timedelta(days=1)


def _local(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(ZoneInfo(floor_zone())).strftime("%Y-%m-%d %H:%M:%S")


def _amount(minor: int, currency: str) -> str:
    return str(Money(minor, currency).amount)


def activity_rows(uow: UnitOfWork, creditor_id: int, day: date) -> list[dict[str, Any]]:
    """The day's rows for the creditor, in time order (contacts, messages, promises, payments)."""
    conn = uow.session.connection()
    start, end = _span(day)
    rows: list[dict[str, Any]] = []
    for r in activity.contacts(conn, creditor_id, start, end):
        contact = mask_contact(r.kind, r.value) if r.kind and r.value else ""
        rows.append(
            {
                "record": "contact",
                "at": r.at,
                "case": r.case_id,
                "channel": r.channel,
                "direction": r.direction,
                "outcome": r.outcome,
                "contact": contact,
                "collector": r.display_name or "",
            }
        )
    for r in activity.messages(conn, creditor_id, start, end):
        to = mask_phone(r.to) if r.channel == "sms" else mask_contact("email" if "@" in r.to else "", r.to)
        rows.append(
            {
                "record": "message",
                "at": r.at,
                "case": r.case_id,
                "channel": r.channel,
                "direction": "outbound",
                "outcome": r.status,
                "contact": to if r.to else "",
                "reference": r.template or "",
                "collector": r.display_name or "",
            }
        )
    for r in activity.promises(conn, creditor_id, start, end):
        made = start <= r.created_at < end
        rows.append(
            {
                "record": "promise",
                "at": r.created_at if made else r.resolved_at,
                "case": r.case_id,
                "outcome": r.status,
                "amount": _amount(r.amount, r.currency),
                "currency": r.currency,
                "due_date": r.due_date.isoformat(),
                "collector": r.display_name or "",
            }
        )
    for r in activity.payments(conn, creditor_id, start, end):
        rows.append(
            {
                "record": "payment",
                "at": r.at,
                "case": r.case_id or "",
                "account_ref": r.account_ref,
                "channel": r.method or "",
                "outcome": r.status,
                "amount": _amount(r.amount, r.currency),
                "currency": r.currency,
                "reference": r.external_ref,
            }
        )
    refs = activity.account_refs(conn, creditor_id, {r["case"] for r in rows if r["case"] != ""})
    for row in rows:
        row.setdefault("account_ref", refs.get(row["case"], ""))
    rows.sort(key=lambda row: (row["at"], row["record"]))
    for row in rows:
        row["at"] = _local(row["at"])
    return rows


# --- the file ---------------------------------------------------------------------------------------


def activity_csv(uow: UnitOfWork, creditor_id: int, day: date) -> tuple[bytes, int]:
    """The day's file for the creditor, in its mapping: bytes and the count of rows."""
    mapping = mapping_of(uow, creditor_id)
    rows = activity_rows(uow, creditor_id, day)
    fh = io.StringIO()
    fh.write("\ufeff")
    writer = csv_writer(fh)
    writer.writerow([mapping.get(column, column) for column in COLUMNS])
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row.get(column, "") for column in COLUMNS])
    return fh.getvalue().encode("utf-8"), len(rows)


def creditor_by_code(uow: UnitOfWork, code: str) -> Any:
    c = t.creditors.c
    found = uow.session.execute(select(c.id, c.code, c.name).where(c.code == code)).one_or_none()
    if found is None:
        raise NotFound("no creditor with code {code!r}; add it with `huikuan creditor add`", code=code)
    return found


def file_name(code: str, day: date) -> str:
    """activity-BANK-2026-11-20.csv; a code's characters other than letters, digits, - and _ become _
    (the name is also a file's in HUIKUAN_ACTIVITY_DIR: never a path)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", code)
    return f"activity-{safe}-{day.isoformat()}.csv"


def keep_activity_file(
    uow: UnitOfWork, creditor_id: int, code: str, day: date, at: datetime
) -> tuple[int, int]:
    """Writes the day's file for the creditor into the document store (replacing an earlier one of the
    same day) and into HUIKUAN_ACTIVITY_DIR when set; commits. (document id, rows)."""
    data, count = activity_csv(uow, creditor_id, day)
    name = file_name(code, day)
    doc_id = replace_file(uow, FILES, creditor_id, name, data, at)
    folder = get_settings().activity_dir
    if folder:
        _deliver(Path(folder), name, data)
    return doc_id, count


def _deliver(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    path.chmod(0o600)


def activity_files(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The `activity-files` job: the previous floor day's file of each creditor that has none yet."""
    day = floor_today(now) - timedelta(days=1)
    c, d = t.creditors.c, t.documents.c
    written = rows = 0
    for creditor in uow.session.execute(select(c.id, c.code).order_by(c.id)).all():
        exists = uow.session.execute(
            select(d.id).where(
                d.entity == "creditor",
                d.entity_id == creditor.id,
                d.kind == KIND,
                d.filename == file_name(creditor.code, day),
            )
        ).first()
        if exists is None:
            rows += keep_activity_file(uow, creditor.id, creditor.code, day, now)[1]
            written += 1
    return {"files": written, "rows": rows}


__all__ = [
    "KIND",
    "activity_csv",
    "activity_files",
    "activity_rows",
    "creditor_by_code",
    "file_name",
    "keep_activity_file",
]
