"""JSON API of the reports (docs/reports.md): the measures of a scope and period, read from the daily
counters and month-end snapshots the `reports` job keeps (services/report_kpis.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from huikuan.services.access import require_supervisor
from huikuan.services.channel_costs import SetCost, list_costs, set_cost
from huikuan.services.report_kpis import KpiQuery, kpis
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import QueryId

router = api_router("/reports", "reports")

CreditorCode = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
ChannelName = Annotated[str | None, Query(max_length=12, pattern=r"^[a-z_]+$")]
ProductName = Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]
SegmentName = Annotated[str | None, Query(max_length=40)]


@router.get("/kpis")
def get_kpis(
    viewer: ApiViewerDep,
    uow: UowDep,
    creditor: CreditorCode = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    team: QueryId = None,
    collector: QueryId = None,
    channel: ChannelName = None,
    group_by: Literal["day", "week", "month"] | None = None,
    split: Literal["creditor", "team", "collector", "channel", "product", "segment"] | None = None,
    product: ProductName = None,
    segment: SegmentName = None,
) -> dict[str, Any]:
    """The measures of the scope from `from` to `to` (floor days, both included; default: this month to
    today): counts, rates as fractions with the counts they come from, money in minor units per currency,
    the gate's refusals by rule, roll rates into each month-end of the period and the liquidation curves of
    each placement month, the cost per channel, and champion against challenger (`strategies`, over the
    whole calendar months the period touches, named by `strategies_months`, as the reports job kept them).
    `group_by` adds one entry per period, `split` one per creditor, team, collector, channel, product or
    segment.
    A creditor the caller does not serve answers 404."""
    ask = KpiQuery(creditor, from_, to, team, collector, channel, group_by, split, product, segment)
    return kpis(uow, viewer, ask)


class CostIn(BaseModel):
    channel: str = Field(max_length=12, description="call, voicemail, sms, email, letter, visit or wechat")
    unit_cost_minor: int = Field(ge=0, description="The cost of one attempt in minor units (fen, cents)")
    currency: str = Field("CNY", min_length=3, max_length=3)
    effective_from: date = Field(description="In force from this floor day until the next one set")


@router.get("/costs")
def get_costs(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """`{"items": [...]}`: every unit cost set per channel and currency, by day (supervisors, admins)."""
    require_supervisor(viewer)
    return {"items": list_costs(uow)}


@router.put("/costs")
def put_cost(body: CostIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Sets the cost of one attempt on a channel from a day on (administrators; audited)."""
    command = SetCost(body.channel, body.currency, body.effective_from, body.unit_cost_minor)
    return set_cost(uow, viewer, command, datetime.now(UTC))
