"""The dashboards' pages (docs/dashboards.md): the floor's dashboard (/reports, supervisors and admins),
its filters in the address so a view can be shared, and a collector's own results (/reports/me). The
figures come from services/dashboards.py, which reads the KPI service only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import format_decimal, format_percent
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from huikuan.services.dashboards import DashboardAsk, floor_dashboard, my_results
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()

Text = Annotated[str, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")]


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
    product: Text = "",
    segment: Text = "",
) -> HTMLResponse:
    """The floor's measures for the filters (each in the address), by period and split."""
    given = {
        "creditor": creditor,
        "team": team,
        "collector": collector,
        "channel": channel,
        "from": from_,
        "to": to,
        "group_by": group_by,
        "split": split,
        "product": product,
        "segment": segment,
    }
    shown = floor_dashboard(uow, viewer, DashboardAsk.parse(given))
    return render(request, "reports/page.html", {"d": shown, "a": shown.answer, **_formatters(request)})


@router.get("/reports/me", response_class=HTMLResponse)
def mine(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """A collector's results this month against its team's."""
    shown = my_results(uow, viewer)
    return render(request, "reports/me.html", {"r": shown, **_formatters(request)})
