"""JSON API: a case's debtor 360 (GET /api/v1/cases/{id}), the audited reveal of a masked value and the
check of a caller's identity.

Money is given as decimal strings in major units ("120.50") beside its currency; instants in UTC
(ISO 8601); labels and timeline texts in the caller's language.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.domain.money import Money
from huikuan.services.case_parts import CaseView
from huikuan.services.case_view import case_360
from huikuan.services.identity_check import CallerSays, check_identity
from huikuan.services.reveal import reveal
from huikuan.services.view_audit import note_case_viewed
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.common import request_locale

router = api_router("/cases", "cases")

# Integer minor-unit fields of the view, written as decimal strings of their `currency`.
_MONEY_FIELDS = frozenset({"principal", "interest", "fees", "balance", "amount"})


def _plain(value: Any, currency: str | None = None) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        own = getattr(value, "currency", None)
        out = {f.name: _field(f.name, getattr(value, f.name), own) for f in fields(value)}
        if hasattr(value, "do_not_contact"):
            out["do_not_contact"] = value.do_not_contact
            out["unusable"] = getattr(value, "unusable", False)
        return out
    if isinstance(value, tuple | list):
        return [_plain(v, currency) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, currency) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _field(name: str, value: Any, currency: str | None) -> Any:
    if name in _MONEY_FIELDS and isinstance(value, int) and currency:
        return str(Money(value, currency).amount)
    return _plain(value, currency)


def case_json(view: CaseView) -> dict[str, Any]:
    """The view as JSON-ready data: money as decimal strings, instants and dates as ISO text."""
    data: dict[str, Any] = _plain(view)
    data["debtor_id"] = view.identity.debtor_id  # the key of /api/v1/debtors/{debtor_id}
    data["balance_totals"] = [{"amount": str(m.amount), "currency": m.currency} for m in view.balance_totals]
    return data


@router.get("/{case_id}")
def get_case(request: Request, case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The debtor 360 of a case: identity (national ID masked), contact points (masked) with the gate's
    verdict now, debts, related parties and what may be discussed with each, the timeline. The view is
    audited (`case.viewed`)."""
    view = case_360(uow, viewer, case_id, locale=request_locale(request))
    note_case_viewed(uow, viewer, case_id)  # audited: at most once per user and case per 15 minutes
    return case_json(view)


class RevealBody(BaseModel):
    what: Literal["national_id", "birth_date", "contact_point"]
    contact_point_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.post("/{case_id}/reveal")
def reveal_value(case_id: PathId, body: RevealBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The full national ID, birth date or contact value behind a mask; every reveal is audited. Not for a
    read-only viewer."""
    value = reveal(uow, viewer, case_id, what=body.what, contact_point_id=body.contact_point_id)
    return {"case_id": case_id, "what": body.what, "contact_point_id": body.contact_point_id, "value": value}


class IdentityCheckBody(BaseModel):
    """What the caller says: one of the two."""

    birth_date: date | None = None
    id_last4: str | None = Field(default=None, max_length=8)


@router.post("/{case_id}/identity-check")
def identity_check(
    case_id: PathId, body: IdentityCheckBody, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Whether the date of birth or the last four characters of the ID the caller gives match the debtor's:
    `matches` true or false, nothing else of the data. Audited; at most 5 checks per case in any hour
    (then 429 until the hour has passed). Not for a read-only viewer."""
    says = CallerSays(birth_date=body.birth_date, id_last4=body.id_last4)
    answer = check_identity(uow, viewer, case_id, says)
    return {
        "case_id": case_id,
        "asked": answer.asked,
        "matches": answer.matches,
        "checks_left": answer.checks_left,
    }


__all__ = ["case_json", "router"]
