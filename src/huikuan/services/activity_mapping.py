"""A creditor's own headers for its daily activity file (services/activity_files.py): the file's columns
under our names, and `activity_mappings`, our column -> its header; a column it does not name keeps ours.
Set by an administrator on the creditor's page or with `huikuan activity-mapping`; each change audited."""

from __future__ import annotations

from sqlalchemy import select

from huikuan.errors import InvalidInput
from huikuan.services.creditor_setting import replace_setting
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

COLUMNS = (
    "record",  # contact, message, promise, payment
    "at",  # local time on the floor
    "case",
    "account_ref",
    "channel",
    "direction",
    "outcome",  # a contact's outcome, a message's, promise's or payment's status
    "contact",  # masked
    "amount",
    "currency",
    "due_date",
    "reference",  # a payment's reference, a message's template
    "collector",
)


def mapping_of(uow: UnitOfWork, creditor_id: int) -> dict[str, str]:
    m = t.activity_mappings.c
    found = uow.session.execute(select(m.mapping).where(m.creditor_id == creditor_id)).scalar()
    return dict(found or {})


def parse_mapping(text: str) -> dict[str, str]:
    """`record=Type, at=Time` (or one pair a line) -> a mapping; unknown columns are refused."""
    mapping: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or ours not in COLUMNS or not theirs:
            raise InvalidInput(
                "activity mapping: {part} is not column=header (columns: {columns})",
                part=part.strip(),
                columns=", ".join(COLUMNS),
            )
        mapping[ours] = theirs[:100]
    return mapping


def set_mapping(uow: UnitOfWork, user_id: int | None, creditor_id: int, mapping: dict[str, str]) -> None:
    """Replaces the creditor's mapping (empty: our headers) and audits the change; commits."""
    replace_setting(
        uow,
        t.activity_mappings,
        creditor_id,
        {"mapping": mapping} if mapping else None,
        user_id=user_id,
        action="creditor.activity_mapping_set",
        detail={"columns": sorted(mapping)},
    )


__all__ = ["COLUMNS", "mapping_of", "parse_mapping", "set_mapping"]
