"""The checklists calls are scored against: one per creditor and pack, in versions (table
review_checklists). A creditor and pack with no version of its own uses the default checklist of the pack
(domain/call_review.py). An administrator saves a new version from the admin page, one item a line
(`code | weight | 中文 | English`); a review keeps the version and the items it was scored on, so a
later version never changes an old score."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from huikuan.domain.call_review import ChecklistItem, default_checklist
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin, require_supervisor
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MOST_ITEMS = 30
MOST_WEIGHT = 10
TEXT_CHARS = 200


@dataclass(frozen=True)
class Checklist:
    """A creditor and pack's checklist in force: its version row (None: the default) and its items."""

    id: int | None
    version: int  # 0: the default
    items: tuple[ChecklistItem, ...]

    def as_text(self) -> str:
        return "\n".join(f"{i.code} | {i.weight} | {i.zh} | {i.en}" for i in self.items)


def checklist_for(uow: UnitOfWork, creditor_id: int, pack: str) -> Checklist:
    """The latest version of the creditor and pack's checklist, else the pack's default."""
    rc = t.review_checklists.c
    row = uow.session.execute(
        select(rc.id, rc.version, rc["items"])
        .where(rc.creditor_id == creditor_id, rc.pack == pack)
        .order_by(rc.version.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return Checklist(None, 0, default_checklist(pack))
    return Checklist(int(row.id), int(row.version), tuple(ChecklistItem.from_dict(i) for i in row.items))


def parse_items(text: str) -> tuple[ChecklistItem, ...]:
    """The items of the admin form, one a line: `code | weight | 中文 | English`. InvalidInput names the
    line that is wrong."""
    items: list[ChecklistItem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            raise InvalidInput("Line {line}: write code | weight | 中文 | English", line=number)
        code, weight, zh, en = parts
        if not CODE.match(code):
            raise InvalidInput("Line {line}: a code is lower-case letters, digits and _", line=number)
        if not weight.isdigit() or not 1 <= int(weight) <= MOST_WEIGHT:
            raise InvalidInput(
                "Line {line}: the weight is a whole number from 1 to {most}", line=number, most=MOST_WEIGHT
            )
        if not zh or not en or len(zh) > TEXT_CHARS or len(en) > TEXT_CHARS:
            raise InvalidInput("Line {line}: the item needs its Chinese and English text", line=number)
        if any(i.code == code for i in items):
            raise InvalidInput("Line {line}: the code {code} is used twice", line=number, code=code)
        items.append(ChecklistItem(code, zh, en, int(weight)))
    if not items:
        raise InvalidInput("A checklist needs at least one item")
    if len(items) > MOST_ITEMS:
        raise InvalidInput("A checklist has at most {most} items", most=MOST_ITEMS)
    return tuple(items)


def creditor_pack(uow: UnitOfWork, viewer: Viewer, creditor_id: int) -> tuple[str, str, str]:
    """The creditor's (code, name, pack) for the checklist page (supervisors read it)."""
    require_supervisor(viewer)
    cr = t.creditors.c
    row = uow.session.execute(select(cr.code, cr.name, cr.pack).where(cr.id == creditor_id)).one_or_none()
    if row is None:
        raise NotFound("There is no creditor {id}", id=creditor_id)
    return str(row.code), str(row.name), str(row.pack)


@dataclass(frozen=True)
class SaveChecklist:
    """A new version of a creditor and pack's checklist: its items, in the order shown."""

    creditor_id: int
    pack: str
    items: tuple[ChecklistItem, ...]


def save_checklist(
    uow: UnitOfWork, viewer: Viewer, cmd: SaveChecklist, *, now: datetime | None = None
) -> int:
    """Saves the items as the next version of the creditor and pack's checklist (audited); commits; the
    version's number."""
    require_admin(viewer)
    creditor_id, pack, items = cmd.creditor_id, cmd.pack, cmd.items
    creditor_pack(uow, viewer, creditor_id)
    rc = t.review_checklists.c
    latest = uow.session.execute(
        select(func.max(rc.version)).where(rc.creditor_id == creditor_id, rc.pack == pack)
    ).scalar_one()
    version = int(latest or 0) + 1
    at = (now or datetime.now(UTC)).astimezone(UTC)
    uow.session.execute(
        insert(t.review_checklists).values(
            creditor_id=creditor_id,
            pack=pack,
            version=version,
            items=[i.to_dict() for i in items],
            saved_at=at,
            saved_by=viewer.user_id,
        )
    )
    record(
        uow.session,
        at=at,
        user_id=viewer.user_id,
        action="review_checklist.saved",
        entity="creditor",
        entity_id=creditor_id,
        detail={"pack": pack, "version": version, "items": [i.code for i in items]},
    )
    uow.commit()
    return version
