"""Creditors' money terms at the desk: the administrators' pages read and add versions here.

Administrators read every creditor's versions, supervisors those of the creditors they serve
(services/access.py `creditor_scope`); only an administrator adds one (through
services/money_terms.set_terms, as `huikuan terms set` does). A version is never changed: new terms take
a new start day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from huikuan.domain.commission import Terms, default_terms, parse_terms
from huikuan.errors import NotFound
from huikuan.services.access import Viewer, creditor_scope, require_admin, require_supervisor
from huikuan.services.money_terms import set_terms
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

BEFORE_ANY = date(2000, 1, 1)  # the day shown on the default terms: before any version


def creditors(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """Every creditor the viewer serves with its region, currency and how many versions of terms it has."""
    require_supervisor(viewer)
    cr, mt = t.creditors.c, t.money_terms.c
    versions = (
        select(mt.creditor_id, func.count().label("versions"), func.max(mt.starts_on).label("latest"))
        .group_by(mt.creditor_id)
        .subquery()
    )
    rows = uow.session.execute(
        select(
            cr.id,
            cr.code,
            cr.name,
            cr.region,
            cr.currency,
            cr.pack,
            func.coalesce(versions.c.versions, 0).label("versions"),
            versions.c.latest,
        )
        .outerjoin(versions, versions.c.creditor_id == cr.id)
        .where(creditor_scope(viewer, cr.id))
        .order_by(cr.code)
    )
    return [dict(r._mapping) for r in rows]


def creditor_terms(uow: UnitOfWork, viewer: Viewer, creditor_id: int) -> dict[str, Any]:
    """The creditor and its versions of terms, newest first (`terms`, `created_at`, `created_by`), and
    the region's default that applies before the first."""
    require_supervisor(viewer)
    cr, mt, u = t.creditors.c, t.money_terms.c, t.users.c
    creditor = uow.session.execute(
        select(cr.id, cr.code, cr.name, cr.region, cr.currency, cr.pack).where(
            cr.id == creditor_id, creditor_scope(viewer, cr.id)
        )
    ).one_or_none()
    if creditor is None:
        raise NotFound("No creditor with id {id}", id=creditor_id)
    rows = uow.session.execute(
        select(mt.terms, mt.created_at, u.display_name.label("created_by"))
        .outerjoin(t.users, u.id == mt.created_by)
        .where(mt.creditor_id == creditor_id)
        .order_by(mt.starts_on.desc())
    ).all()
    versions = [
        {
            "terms": parse_terms(r.terms, pack=creditor.pack),
            "created_at": r.created_at,
            "created_by": r.created_by,
        }
        for r in rows
    ]
    fallback = default_terms(creditor.region, BEFORE_ANY)
    return {"creditor": dict(creditor._mapping), "versions": versions, "default": fallback}


def add_terms(uow: UnitOfWork, viewer: Viewer, creditor_id: int, raw: dict[str, Any]) -> Terms:
    """Adds a version (an administrator only); InvalidInput names the field, Conflict a taken day."""
    require_admin(viewer)
    return set_terms(uow, viewer.user_id, creditor_id, raw)
