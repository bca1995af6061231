"""The creditors' money terms in the administration: the creditors, and for each its versions of terms
(start day, where the money lands, net or gross remittance, the order of allocation, commission tiers,
flat fee, cap, commission on direct payments) with the form that adds a version.

Supervisors read; administrators add (services/terms_desk.py); the list of creditors is
web/ui/creditor_admin.py. The form has plain fields: a rate in percent, amounts in the creditor's
currency; what it cannot take is shown beside it in the viewer's language, the fields kept as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import permutations
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.ledger import Part
from huikuan.domain.money import Money
from huikuan.errors import Conflict, InvalidInput
from huikuan.i18n import gettext
from huikuan.services import terms_desk
from huikuan.services.access import require_admin
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router("/admin")

ORDERS = tuple(",".join(p.value for p in order) for order in permutations(Part))
TIER_ROWS = 4  # blank rows of the form; a row without a rate is left out
TIER_FIELDS = ("rate", "source", "product", "min_age", "max_age", "min_balance", "max_balance")
LABELS = {
    "route": {"trust": "Agency's trust account", "creditor": "Creditor's own account"},
    "remittance": {
        "net": "Net: collections less commission",
        "gross": "Gross: all collections, commission invoiced",
    },
    "part": {"fees": "fees", "interest": "interest", "principal": "principal"},
    "source": {"": "Both", "agency": "Received by the agency", "direct": "Paid to the creditor"},
}


@dataclass(frozen=True)
class TermsForm:
    """The form as typed: every value a string, tier fields as lists (one item per row)."""

    starts_on: str
    route: str
    remittance: str
    order: str
    flat_fee: str
    cap: str
    direct_commission: bool
    tiers: tuple[dict[str, str], ...]


def raw_terms(form: TermsForm, currency: str) -> dict[str, Any]:
    """The terms' stored form (domain.commission.parse_terms) from the typed fields; InvalidInput names
    the field in the form's words."""
    if form.order not in ORDERS:
        raise InvalidInput("Order of allocation: choose one of the orders offered")
    raw: dict[str, Any] = {
        "starts_on": form.starts_on.strip(),
        "route": form.route,
        "remittance": form.remittance,
        "order": form.order.split(","),
        "flat_fee": _amount(form.flat_fee, currency, "flat_fee") or 0,
        "cap_per_account": _amount(form.cap, currency, "cap"),
        "direct_commission": form.direct_commission,
        "tiers": [],
    }
    for n, row in enumerate(form.tiers, start=1):
        if not any(v.strip() for k, v in row.items() if k != "source") and not row.get("source"):
            continue
        tier: dict[str, Any] = {"rate_bp": _rate(row.get("rate", ""), n)}
        if row.get("source"):
            tier["source"] = row["source"]
        if row.get("product", "").strip():
            tier["product"] = row["product"].strip()
        for key, name in (("min_age", "min_age_days"), ("max_age", "max_age_days")):
            days = row.get(key, "").strip()
            if days:
                if not days.isdigit():
                    raise InvalidInput("Tier {n}: the age is a whole number of days", n=n)
                tier[name] = int(days)
        for key in ("min_balance", "max_balance"):
            found = _amount(row.get(key, ""), currency, "balance")
            if found is not None:
                tier[key] = found
        raw["tiers"].append(tier)
    return raw


def _rate(text: str, n: int) -> int:
    """A rate typed in percent ("25", "12.5") in basis points."""
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise InvalidInput("Tier {n}: the rate is a percentage such as 25 or 12.5", n=n) from None
    bp = value * 100
    if not value.is_finite() or bp != bp.to_integral_value() or not 0 <= bp <= 10000:
        raise InvalidInput("Tier {n}: the rate is a percentage such as 25 or 12.5", n=n)
    return int(bp)


# What a badly typed amount of the form is told (English msgids; zh_CN in payweb.po).
AMOUNT_ERRORS = {
    "flat_fee": "Flat fee: {value} is not an amount in {currency}",
    "cap": "Cap per account: {value} is not an amount in {currency}",
    "balance": "Balance band: {value} is not an amount in {currency}",
}


def _amount(text: str, currency: str, field: str) -> int | None:
    """An amount typed in the creditor's currency, in minor units; empty: None."""
    value = text.strip().replace(",", "")
    if not value:
        return None
    try:
        minor = Money.parse(value, currency).minor
    except (InvalidOperation, ValueError, OverflowError):
        minor = -1
    if minor < 0:
        raise InvalidInput(AMOUNT_ERRORS[field], value=text, currency=currency)
    return minor


def percent(rate_bp: int) -> str:
    """2500 -> "25%", 1250 -> "12.5%"."""
    return f"{(Decimal(rate_bp) / 100).normalize():f}%"


def _page(request: Request, uow: UnitOfWork, viewer: Any, creditor_id: int, **extra: Any) -> dict[str, Any]:
    locale = request_locale(request)

    def lbl(vocabulary: str, value: str | None) -> str:
        words = LABELS.get(vocabulary, {}).get(value or "")
        return gettext(words, locale) if words else (value or "—")

    return {
        **terms_desk.creditor_terms(uow, viewer, creditor_id),
        "orders": ORDERS,
        "tier_rows": range(TIER_ROWS),
        "lbl": lbl,
        "labels": LABELS,
        "pct": percent,
        "can_edit": viewer.role.value == "admin",
        "typed": None,
        "error": "",
        **extra,
    }


@router.get("/creditors/{creditor_id}/terms", response_class=HTMLResponse)
def terms_page(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    added: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The versions, newest first, and (for an administrator) the form of a new one."""
    notice = ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", added):  # the day just added, as the redirect names it
        notice = gettext("Terms starting {day} added.", request_locale(request), day=added)
    return render(request, "admin/terms.html", _page(request, uow, viewer, creditor_id, added=notice))


@router.post("/creditors/{creditor_id}/terms", response_class=HTMLResponse)
def add_terms(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    starts_on: Annotated[str, Form(max_length=10)],
    route: Annotated[str, Form()],
    remittance: Annotated[str, Form()],
    order: Annotated[str, Form()],
    flat_fee: Annotated[str, Form(max_length=30)] = "",
    cap: Annotated[str, Form(max_length=30)] = "",
    direct_commission: Annotated[bool, Form()] = False,
    tier_rate: Annotated[list[str] | None, Form()] = None,
    tier_source: Annotated[list[str] | None, Form()] = None,
    tier_product: Annotated[list[str] | None, Form()] = None,
    tier_min_age: Annotated[list[str] | None, Form()] = None,
    tier_max_age: Annotated[list[str] | None, Form()] = None,
    tier_min_balance: Annotated[list[str] | None, Form()] = None,
    tier_max_balance: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Adds a version; what is refused is shown beside the form (422), the fields as typed."""
    require_admin(viewer)
    columns = (
        tier_rate,
        tier_source,
        tier_product,
        tier_min_age,
        tier_max_age,
        tier_min_balance,
        tier_max_balance,
    )
    rows = max((len(c or []) for c in columns), default=0)
    tiers = tuple(
        {
            name: ((col or [])[i] if i < len(col or []) else "")
            for name, col in zip(TIER_FIELDS, columns, strict=True)
        }
        for i in range(min(rows, 20))
    )
    form = TermsForm(starts_on, route, remittance, order, flat_fee, cap, direct_commission, tiers)
    data = terms_desk.creditor_terms(uow, viewer, creditor_id)
    try:
        terms_desk.add_terms(uow, viewer, creditor_id, raw_terms(form, data["creditor"]["currency"]))
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        context = _page(
            request, uow, viewer, creditor_id, typed=form, error=exc.translated(request_locale(request))
        )
        return render(
            request, "admin/terms.html", context, status_code=422 if isinstance(exc, InvalidInput) else 409
        )
    return RedirectResponse(
        f"/admin/creditors/{creditor_id}/terms?added={starts_on.strip()}", status_code=303
    )
