"""The rows the debtor 360 reads (services/case_view.py): the debtor, creditor and holders of the case in
one row, the debtor's related parties and contact points, and the case's accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

FLAGS = ("cease", "disputed", "attorney", "deceased", "hardship", "bankruptcy", "employer_prohibits")
# Made once: an alias builds its column collection when first used, a millisecond a page otherwise.
_ASSIGNED = aliased(t.users, name="assigned_user")
_CLAIMER = aliased(t.users, name="claimer")


def read_people(uow: UnitOfWork, debtor_id: int) -> tuple[Sequence[Any], Sequence[Any]]:
    """The debtor's related parties, and every contact point (the debtor's own first)."""
    s = uow.session
    p, cp = t.parties.c, t.contact_points.c
    parties = s.execute(
        select(p.id, p.role, p.name, p.liable, p.relation).where(p.debtor_id == debtor_id).order_by(p.id)
    ).all()
    points = s.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status, cp.consent, cp.source, cp.place)
        .where(cp.debtor_id == debtor_id)
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()
    return parties, points


def read_accounts(uow: UnitOfWork, case_id: int) -> Sequence[Any]:
    """The case's accounts with their amounts and status."""
    a = t.accounts.c
    return uow.session.execute(
        select(
            a.id,
            a.external_ref,
            a.product,
            a.currency,
            a.principal,
            a.interest,
            a.fees,
            a.balance,
            a.overdue_since,
            a.status,
            a.original_creditor,
        )
        .where(a.case_id == case_id)
        .order_by(a.id)
    ).all()


def read_head(uow: UnitOfWork, case: Any) -> Any:
    """The debtor, the creditor and the names of who holds the case, in one row."""
    d, cr = t.debtors.c, t.creditors.c
    assigned, claimer = _ASSIGNED, _CLAIMER
    return uow.session.execute(
        select(
            d.name,
            d.national_id_masked,
            d.birth_date,
            d.language,
            d.opt_out_channels,
            d.inconvenient_times,
            *(getattr(d, f) for f in FLAGS),
            cr.code.label("creditor_code"),
            cr.name.label("creditor_name"),
            cr.pack,
            cr.pack_overrides,
            cr.time_zone.label("creditor_zone"),
            cr.currency.label("creditor_currency"),
            assigned.c.display_name.label("assigned_name"),
            claimer.c.display_name.label("claimer_name"),
        )
        .select_from(
            t.debtors.join(t.creditors, cr.id == d.creditor_id)
            .outerjoin(assigned, assigned.c.id == case.assigned_user_id)
            .outerjoin(claimer, claimer.c.id == case.claimed_by)
        )
        .where(d.id == case.debtor_id)
    ).one()
