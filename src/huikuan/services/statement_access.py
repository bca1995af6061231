"""Who may see which statements, and their files read back from the document store.

Administrators see every creditor's statements; supervisors those of the creditors they serve
(services/access.py `creditor_scope`); a creditor's viewer its own creditor's only (another creditor's
statement is not found, as if it did not exist); collectors none. Only an
administrator runs a month; administrators and supervisors reconcile a creditor's file. Every download
is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotFound
from huikuan.services.access import Viewer, creditor_scope, serves
from huikuan.services.statements import list_statements
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_named
from huikuan.storage.uow import UnitOfWork

FILES = {
    "pdf": "statement-{stem}.pdf",
    "csv": "statement-{stem}-detail.csv",
    "xlsx": "statement-{stem}-detail.xlsx",
    "invoice": "invoice-{stem}.pdf",
}


def require_statements(viewer: Viewer) -> None:
    """Statements are for administrators, supervisors and creditors' viewers."""
    if not (viewer.supervises or viewer.role is Role.CREDITOR_VIEWER):
        raise Forbidden("Only a supervisor, an administrator or the creditor's viewer may see statements")


def creditors_for(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """The creditors whose statements the viewer sees (code, name, id)."""
    require_statements(viewer)
    c = t.creditors.c
    query = select(c.id, c.code, c.name).where(creditor_scope(viewer, c.id)).order_by(c.code)
    return [dict(r._mapping) for r in uow.session.execute(query).all()]


def served_creditor(uow: UnitOfWork, viewer: Viewer, code: str) -> int:
    """The id of the creditor of this code if the viewer serves it (else NotFound, as if it did not exist)."""
    c = t.creditors.c
    found = uow.session.execute(select(c.id).where(c.code == code)).scalar()
    if found is None or not serves(viewer, found):
        raise NotFound("no creditor with code {code!r}; add it with `huikuan creditor add`", code=code)
    return int(found)


def statements_for(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """The statements the viewer may see, newest first, each with the files kept for it."""
    require_statements(viewer)
    scope = viewer.creditor_id if viewer.role is Role.CREDITOR_VIEWER else None
    if viewer.role is Role.CREDITOR_VIEWER and scope is None:
        return []
    rows = [row for row in list_statements(uow, scope) if serves(viewer, row["creditor_id"])]
    d = t.documents.c
    kept: dict[int, list[str]] = {}
    if rows:
        for r in uow.session.execute(
            select(d.entity_id, d.filename).where(
                d.entity == "statement", d.entity_id.in_([r["id"] for r in rows])
            )
        ).all():
            kept.setdefault(r.entity_id, []).append(r.filename)
    for row in rows:
        names = kept.get(row["id"], [])
        stem = f"{row['creditor_code']}-{row['period']}"
        row["files"] = [which for which, pattern in FILES.items() if pattern.format(stem=stem) in names]
    return rows


def statement_file(
    uow: UnitOfWork, viewer: Viewer, statement_id: int, which: str
) -> tuple[dict[str, Any], bytes]:
    """One kept file of a statement the viewer may see (its document row and bytes); audited."""
    require_statements(viewer)
    s, c = t.statements.c, t.creditors.c
    row = uow.session.execute(
        select(s.id, s.creditor_id, s.period, c.code)
        .join(t.creditors, c.id == s.creditor_id)
        .where(s.id == statement_id)
    ).one_or_none()
    if row is None or not serves(viewer, row.creditor_id):
        raise NotFound("There is no statement {id}", id=statement_id)
    pattern = FILES.get(which)
    d = t.documents.c
    doc = None
    if pattern is not None:
        doc = uow.session.execute(
            select(t.documents).where(
                d.entity == "statement",
                d.entity_id == statement_id,
                d.filename == pattern.format(stem=f"{row.code}-{row.period}"),
            )
        ).one_or_none()
    if doc is None:
        raise NotFound("Statement {id} has no {file} file", id=statement_id, file=which)
    data = store_named(doc.store).get(doc.stored_key)
    audit.record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="document.downloaded",
        entity="creditor",
        entity_id=row.creditor_id,
        detail={"document_id": doc.id, "statement_id": statement_id},
    )
    uow.commit()
    return dict(doc._mapping), data
