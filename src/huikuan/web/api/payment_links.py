"""JSON API of payment links (services/payment_links.py) and the providers' notifications
(services/provider_notifications.py).

- GET/POST /api/v1/cases/{case_id}/payment-links: a case's links and the providers offered on it; a new
  link (collectors, supervisors and administrators on a case they may see; a creditor's viewer reads).
- GET /api/v1/payment-links/{link_id}/qr.svg: the link's QR code.
- POST /api/v1/payments/notify/{provider}: what a provider posts when a link is paid. No session and no
  CSRF token: this router has neither dependency (the CSRF check belongs to the session's writes, see
  web/api/common.py); what the provider proves is its signature, checked by its adapter. Limited per
  client address (HUIKUAN_PAYMENT_NOTIFY_RATE_PER_MINUTE, 429 beyond) and answered in the provider's
  own format.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.services.access import visible_case
from huikuan.services.payment_links import (
    NewLink,
    create_payment_link,
    link_to_view,
    links_for,
    offered_providers,
    parse_amount,
)
from huikuan.services.provider_notifications import take_notification
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ratelimit import TokenBuckets
from huikuan.web.ui.common import client_address

router = api_router("", "payments")


class LinkIn(BaseModel):
    provider: str = Field(description="One of the case's offered providers (GET .../payment-links)")
    amount: str | None = Field(
        default=None,
        description="In the case's currency, a decimal string; at most the open balance. Unset: the "
        "balance, or the next unpaid instalment of the arrangement",
        examples=["100.00"],
    )
    arrangement_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class LinkOut(BaseModel):
    id: int
    case_id: int
    arrangement_id: int | None
    provider: str
    route: str = Field(description="creditor (the creditor's own merchant) or trust (the agency's account)")
    out_trade_no: str
    amount: int = Field(description="Minor units")
    currency: str
    status: str = Field(description="open, paid or expired")
    url: str = Field(description="What the payer opens (the QR code holds it)")
    provider_ref: str | None
    created_at: str
    expires_at: str
    payment_id: int | None
    qr_svg_url: str


class LinksOut(BaseModel):
    offered: list[str] = Field(description="The providers a link on this case may be made with")
    links: list[LinkOut]


@router.get("/cases/{case_id}/payment-links", response_model=LinksOut)
def get_links(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The case's links, newest first, and the providers offered on it."""
    links = links_for(uow, viewer, case_id)
    return {"offered": offered_providers(uow, case_id), "links": [link.as_dict() for link in links]}


@router.post("/cases/{case_id}/payment-links", status_code=201, response_model=LinkOut)
def post_link(case_id: PathId, body: LinkIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Makes a link with the provider; 503 when the provider refuses or cannot be reached (nothing kept),
    422 when the provider is not offered on the case or the amount is beyond the balance."""
    visible_case(uow, viewer, case_id, write=True)  # refused before its amount is read
    amount = parse_amount(uow, case_id, body.amount)
    link = create_payment_link(uow, viewer, NewLink(case_id, body.provider, amount, body.arrangement_id))
    return link.as_dict()


@router.get(
    "/payment-links/{link_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def get_qr(link_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """The link's URL as a QR code (SVG), for the payer's phone."""
    link = link_to_view(uow, viewer, link_id)
    return Response(link.qr_svg(), media_type="image/svg+xml", headers={"Cache-Control": "private"})


async def notify_rate(request: Request) -> None:
    """Spends one token of the client address's bucket; 429 with Retry-After when none is left. Async:
    the buckets live on the event loop, never in two threads at once."""
    buckets = getattr(request.app.state, "notify_buckets", None)
    if buckets is None:
        buckets = request.app.state.notify_buckets = TokenBuckets(
            get_settings().payment_notify_rate_per_minute
        )
    if buckets.rate_per_s <= 0:
        return
    wait_s = buckets.take(client_address(request))
    if wait_s > 0:
        raise HTTPException(
            status_code=429,
            detail="too many requests: try again later",
            headers={"Retry-After": str(math.ceil(wait_s))},
        )


@router.post(
    "/payments/notify/{provider}",
    response_class=Response,
    responses={
        400: {"description": "The notification does not verify: nothing was written"},
        404: {"description": "No such provider is configured"},
        429: {"description": "Too many notifications from this address: see Retry-After"},
    },
)
async def notify(
    provider: str, request: Request, uow: UowDep, _rate: Annotated[None, Depends(notify_rate)]
) -> Response:
    """A provider's notification: verified by its signature, taken once, the payment posted; answered
    as the provider expects."""
    body = await request.body()
    taken = await run_in_threadpool(take_notification, uow, provider, dict(request.headers), body)
    answer = taken.answer
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
