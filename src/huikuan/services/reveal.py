"""Revealing a masked value of a case: the debtor's national ID, its birth date or one contact point,
audited each time.

The case page shows national IDs and contact values masked and the age instead of the birth date
(services/case_view.py). A collector or supervisor who needs a full value asks for that one value; the
reveal is kept in `audit_events` (action `reveal.national_id`, `reveal.birth_date` or
`reveal.contact_point`, who, when, which case) before the value is given. The national ID is stored
sealed (huikuan.sealing): this is the one place that opens it for a person to read. A creditor's
read-only viewer may not reveal anything: the creditor's own systems hold the full data, and a
read-only account has no contact to make with it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.sealing import unseal
from huikuan.services.access import Viewer, visible_case
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

WHATS = ("national_id", "birth_date", "contact_point")


def reveal(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    what: str,
    contact_point_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """The full value behind a mask, once the reveal is audited; NotFound for a value not of this case."""
    case = visible_case(uow, viewer, case_id)
    if viewer.read_only:
        raise Forbidden("A read-only account may not reveal personal data")
    detail: dict[str, object] = {"case_id": case_id, "debtor_id": case.debtor_id}
    entity, entity_id = "case", case_id
    if what == "national_id":
        sealed = uow.session.execute(
            select(t.debtors.c.national_id).where(t.debtors.c.id == case.debtor_id)
        ).scalar_one_or_none()
        if not sealed:
            raise NotFound("This debtor has no national ID on file")
        value = unseal(sealed)
    elif what == "birth_date":
        born = uow.session.execute(
            select(t.debtors.c.birth_date).where(t.debtors.c.id == case.debtor_id)
        ).scalar_one_or_none()
        if born is None:
            raise NotFound("This debtor has no birth date on file")
        value = born.isoformat()
    elif what == "contact_point":
        if contact_point_id is None:
            raise InvalidInput("contact point: say which contact point to reveal")
        cp = t.contact_points.c
        row = uow.session.execute(
            select(cp.value, cp.kind, cp.party_id).where(
                cp.id == contact_point_id, cp.debtor_id == case.debtor_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(
                "There is no contact point {point} on case {case_id}", point=contact_point_id, case_id=case_id
            )
        value = row.value
        entity, entity_id = "contact_point", contact_point_id
        detail = {"case_id": case_id, "kind": row.kind, "party_id": row.party_id}
    else:
        raise InvalidInput("what: {what} is not one of national_id, birth_date, contact_point", what=what)
    record(
        uow.session,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=viewer.user_id,
        action=f"reveal.{what}",
        entity=entity,
        entity_id=entity_id,
        detail=detail,
    )
    uow.commit()
    return str(value)


__all__ = ["WHATS", "reveal"]
