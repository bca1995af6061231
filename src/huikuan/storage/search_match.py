"""Two matches of a search (services/search.py): a prefix over an indexed key, and the debtors of one
name whose national ID ends in four characters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from huikuan.domain.national_id import normalise_national_id
from huikuan.sealing import SealError, unseal
from huikuan.storage import tables as t


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` begins with `prefix`: a range of the byte order the key columns have on both databases
    (collation "C" on PostgreSQL), which their index serves in order."""
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < following)


def ids_with_id_tail(session: Session, named: ColumnElement[bool], tail: str, limit: int) -> list[int]:
    """The ids of the debtors `named` selects (at most `limit` of them) whose national ID ends in `tail`:
    their sealed IDs are opened here and compared, and nothing of them leaves this function."""
    d = t.debtors.c
    rows = session.execute(
        select(d.id, d.national_id).where(named, d.national_id.is_not(None)).order_by(d.id).limit(limit)
    ).all()
    found = []
    for debtor_id, sealed in rows:
        try:
            plain = unseal(sealed)
        except SealError:
            continue
        if normalise_national_id(plain).endswith(tail):
            found.append(int(debtor_id))
    return found


__all__ = ["ids_with_id_tail", "starts_with"]
