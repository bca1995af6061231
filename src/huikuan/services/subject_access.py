"""The subject-access export: everything held on one debtor, for the person's right of access (UK GDPR
art. 15, PIPL art. 45), as one ZIP file.

Inside: `subject_access.json` (every record, by table), `csv/<table>.csv` (the same, one spreadsheet per
table, cells that a spreadsheet would run as a formula neutralised with a leading apostrophe) and
`letters/<message id>.pdf` (the letters sent, as printed). The records: the debtor, its related parties,
contact points, cases, accounts, contacts (interactions), promises, arrangements and their instalments,
messages and letters with their text, payments and their allocations, the daily plan's rows about its
case (what the planner decided, and why), its calls (when, how long, whether a recording is kept: never
the audio), the messages it (or a related person, from a point held on its
record) sent us that were matched to it (`inbound_messages`), its erasure requests and the audit events
about any of these. Staff are named by their user id. Nothing of another debtor is included: a message
from a number two debtors share names, in each one's export, that debtor and its cases only.

Only an administrator exports; each export is audited (`privacy.exported`, with the counts).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_, select

from huikuan.channels.inbound import INBOUND_CHANNELS
from huikuan.config import get_settings
from huikuan.errors import NotFound
from huikuan.services.access import Viewer, require_admin
from huikuan.services.inbound_points import point_kinds
from huikuan.services.recording_retention import CALL_EXPORT_COLUMNS, recording_rows
from huikuan.spreadsheet import csv_writer
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

FORMAT = "huikuan-subject-access/1"
# The records that are not a whole table's row, with their columns.
COLUMNS = {"calls": CALL_EXPORT_COLUMNS}


@dataclass(frozen=True)
class SubjectExport:
    filename: str
    content: bytes
    counts: dict[str, int]


def export_subject(
    uow: UnitOfWork, viewer: Viewer | None, debtor_id: int, *, now: datetime | None = None
) -> SubjectExport:
    """The ZIP of everything held on the debtor, once the export is audited. `viewer` None: the command
    line. Commits (the audit event)."""
    if viewer is not None:
        require_admin(viewer)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    uow.begin_write()  # the audit event is written in the same transaction as the reads
    records = gather(uow, debtor_id)
    counts = {name: len(rows) for name, rows in records.items()}
    user_id = viewer.user_id if viewer is not None else None
    record(
        uow.session,
        at=now,
        user_id=user_id,
        action="privacy.exported",
        entity="debtor",
        entity_id=debtor_id,
        detail={"counts": counts},
    )
    content = _zip(debtor_id, now, records)
    uow.commit()
    return SubjectExport(f"subject-access-debtor-{debtor_id}.zip", content, counts)


def gather(uow: UnitOfWork, debtor_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every record held on the debtor, by table (NotFound for an unknown debtor)."""
    debtor = _rows(uow, t.debtors, t.debtors.c.id == debtor_id)
    if not debtor:
        raise NotFound("There is no debtor {debtor_id}", debtor_id=debtor_id)
    out: dict[str, list[dict[str, Any]]] = {"debtors": debtor}
    for table in (
        t.parties,
        t.contact_points,
        t.cases,
        t.accounts,
        t.interactions,
        t.erasure_requests,
        t.person_members,
        t.person_unlinks,
        t.fact_versions,  # what the gate knew of the person, version by version
    ):
        out[table.name] = _rows(uow, table, table.c.debtor_id == debtor_id)
    case_ids = [r["id"] for r in out["cases"]]
    account_ids = [r["id"] for r in out["accounts"]]
    for table in (t.promises, t.arrangements, t.messages, t.plan_rows):
        out[table.name] = _rows(uow, table, table.c.case_id.in_(case_ids))
    arrangement_ids = [r["id"] for r in out["arrangements"]]
    out["instalments"] = _rows(uow, t.instalments, t.instalments.c.arrangement_id.in_(arrangement_ids))
    out["payments"] = _rows(uow, t.payments, t.payments.c.account_id.in_(account_ids))
    out["payment_allocations"] = _rows(
        uow, t.payment_allocations, t.payment_allocations.c.account_id.in_(account_ids)
    )
    out["inbound_messages"] = _inbound(uow, debtor_id, out)
    out["calls"] = [{k: _plain(v) for k, v in r.items()} for r in recording_rows(uow, debtor_id)]
    about = {
        "debtor": [debtor_id],
        "case": case_ids,
        "contact_point": [r["id"] for r in out["contact_points"]],
        "message": [r["id"] for r in out["messages"]],
        "call": [r["id"] for r in out["calls"]],
    }
    ev = t.audit_events.c
    clauses: list[ColumnElement[bool]] = [
        and_(ev.entity == entity, ev.entity_id.in_(ids)) for entity, ids in about.items() if ids
    ]
    out["audit_events"] = _rows(uow, t.audit_events, or_(false(), *clauses), order=ev.id)
    return out


def _inbound(uow: UnitOfWork, debtor_id: int, held: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every message received that was matched to this debtor (a reply or an opt-out from one of the
    values of its contact points, its related people's included), oldest first. What each did is
    narrowed to this debtor, its cases and its messages: a number shared with another debtor names only
    this one."""
    points = held["contact_points"]
    case_ids = {r["id"] for r in held["cases"]}
    message_ids = {r["id"] for r in held["messages"]}
    im = t.inbound_messages.c
    clauses: list[ColumnElement[bool]] = []
    for channel in INBOUND_CHANNELS:
        kinds = point_kinds(channel)
        values = sorted({str(p["value"]) for p in points if p["kind"] in kinds and p["value"]})
        if values:  # ix_inbound_messages_sender: one probe per value, never a pass over every reply
            clauses.append(and_(im.channel == channel, im.sender.in_(values)))
    found = _rows(uow, t.inbound_messages, or_(false(), *clauses), order=im.id)
    mine = []
    for row in found:
        done = row["result"] if isinstance(row["result"], dict) else {}
        if debtor_id not in (done.get("debtor_ids") or []):
            continue
        confirmation = done.get("confirmation_id")
        row["result"] = {
            **done,
            "debtor_ids": [debtor_id],
            "case_ids": [c for c in done.get("case_ids") or [] if c in case_ids],
            "confirmation_id": confirmation if confirmation in message_ids else None,
        }
        mine.append(row)
    return mine


def _rows(
    uow: UnitOfWork, table: Table, where: ColumnElement[bool], *, order: Any = None
) -> list[dict[str, Any]]:
    query = select(table).where(where)
    key = order if order is not None else (table.c.id if "id" in table.c else None)
    if key is not None:
        query = query.order_by(key)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in uow.session.execute(query)]


def _plain(value: Any) -> Any:
    """A value as JSON holds it: instants and dates in ISO 8601 (instants in UTC), amounts as integers
    of minor units, as stored."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def cell_text(cell: object) -> str:
    """A record's value as a CSV cell: numbers as written, structures as JSON, nothing as empty (the
    writer then neutralises what a spreadsheet would run: huikuan/spreadsheet.py)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int | float):
        return str(cell)
    return json.dumps(cell, ensure_ascii=False) if isinstance(cell, Mapping | list) else str(cell)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return buffer.getvalue()


def _zip(debtor_id: int, now: datetime, records: dict[str, list[dict[str, Any]]]) -> bytes:
    document = {"format": FORMAT, "debtor_id": debtor_id, "generated_at": now.isoformat(), **records}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject_access.json", json.dumps(document, ensure_ascii=False, indent=2))
        for name, rows in records.items():
            columns = list(COLUMNS.get(name) or t.metadata.tables[name].c.keys())
            # Excel opens a UTF-8 CSV correctly only with its byte-order mark.
            archive.writestr(f"csv/{name}.csv", "\ufeff" + to_csv(rows, columns))
        root = Path(get_settings().letters_dir).resolve()
        for message in records["messages"]:
            if not message.get("document"):
                continue
            path = (root / str(message["document"])).resolve()
            if path.is_relative_to(root) and path.is_file():
                archive.write(path, f"letters/{message['id']}.pdf")
    return buffer.getvalue()


__all__ = ["FORMAT", "SubjectExport", "export_subject", "gather", "cell_text", "to_csv"]
