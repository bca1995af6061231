"""The dashboards' pages (docs/dashboards.md): the floor's dashboard (/reports, supervisors and admins),
its filters in the address so a view can be shared, and a collector's own results (/reports/me). The
figures come from services/dashboards.py, which reads the KPI service only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import format_decimal, format_percent
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.services.dashboards import DashboardAsk, floor_dashboard, my_results
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()

Text = Annotated[str, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")]


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("{value} is not a date (YYYY-MM-DD)", value=text) from None


def _id(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput("{value} is not an id", value=text)
    return int(text)


def rate(locale: str) -> Callable[[dict[str, Any] | None], str]:
    """A rate of the KPI service ({"value": "0.2500", ...}) as a percentage, one decimal (a dash for none)."""

    def pct(r: dict[str, Any] | None) -> str:
        if not r or r.get("value") is None:
            return "—"
        return format_percent(Decimal(r["value"]), "#,##0.0%", locale=locale)

    return pct


def _formatters(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    return {
        "pct": rate(locale),
        "n": lambda value: "—" if value is None else format_decimal(Decimal(value), locale=locale),
    }


@router.get("/reports", response_class=HTMLResponse)
def page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    creditor: Text = "",
    team: Text = "",
    collector: Text = "",
    channel: Text = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    group_by: Text = "day",
    split: Text = "collector",
) -> HTMLResponse:
    """The floor's measures for the filters (each in the address), by period and split."""
    ask = DashboardAsk(
        creditor or None,
        _id(team),
        _id(collector),
        channel or None,
        _day(from_),
        _day(to),
        group_by or "day",
        split or "collector",
    )
    shown = floor_dashboard(uow, viewer, ask)
    return render(request, "reports/page.html", {"d": shown, "a": shown.answer, **_formatters(request)})


@router.get("/reports/me", response_class=HTMLResponse)
def mine(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """A collector's results this month against its team's."""
    shown = my_results(uow, viewer)
    return render(request, "reports/me.html", {"r": shown, **_formatters(request)})
