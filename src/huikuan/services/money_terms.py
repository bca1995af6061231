"""A creditor's money terms, versioned by the day they start: set a version, read the one in force.

A version is never changed: terms that change take a new start day, so every payment keeps the
commission its day's terms gave it. Without any version a creditor has the region's default
(domain.commission.default_terms): in China the money lands in the creditor's own account, elsewhere in
the agency's trust account, and no commission.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from huikuan.domain.commission import BadTerms, Terms, TermsHistory, default_terms, parse_terms, terms_dict
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def terms_history(conn: Connection, creditor_id: int) -> tuple[str, TermsHistory]:
    """The creditor's region and its versions of terms, oldest first."""
    cr = t.creditors.c
    creditor = conn.execute(select(cr.region, cr.pack).where(cr.id == creditor_id)).one_or_none()
    if creditor is None:
        raise NotFound("No creditor with id {id}", id=creditor_id)
    mt = t.money_terms.c
    rows = conn.execute(
        select(mt.terms).where(mt.creditor_id == creditor_id).order_by(mt.starts_on)
    ).scalars()
    return creditor.region, TermsHistory(tuple(parse_terms(r, pack=creditor.pack) for r in rows))


def terms_on(conn: Connection, creditor_id: int, day: date) -> Terms:
    """The terms in force for the creditor on `day` (its local day)."""
    region, history = terms_history(conn, creditor_id)
    return history.on(day, default_terms(region, day))


def set_terms(
    uow: UnitOfWork,
    user_id: int | None,
    creditor_id: int,
    raw: dict[str, Any],
    *,
    now: datetime | None = None,
) -> Terms:
    """Adds a version of the creditor's terms and commits. InvalidInput names the field at fault;
    Conflict when a version already starts that day."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    cr = t.creditors.c
    pack = conn.execute(select(cr.pack).where(cr.id == creditor_id)).scalar_one_or_none()
    if pack is None:
        raise NotFound("No creditor with id {id}", id=creditor_id)
    try:
        terms = parse_terms(raw, pack=pack)
    except BadTerms as exc:
        # The domain's msgid and values: shown translated (the field at fault named first).
        raise InvalidInput(exc.msgid, **exc.values) from exc
    mt = t.money_terms.c
    taken = conn.execute(
        select(mt.id).where(mt.creditor_id == creditor_id, mt.starts_on == terms.starts_on)
    ).scalar_one_or_none()
    if taken is not None:
        raise Conflict(
            "Terms starting {day} exist already: give the new version another start day",
            day=terms.starts_on.isoformat(),
        )
    conn.execute(
        insert(t.money_terms).values(
            creditor_id=creditor_id,
            starts_on=terms.starts_on,
            terms=terms_dict(terms),
            created_at=now,
            created_by=user_id,
        )
    )
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="money_terms.set",
        entity="creditor",
        entity_id=creditor_id,
        detail={"starts_on": terms.starts_on.isoformat()},
    )
    uow.commit()
    return terms
