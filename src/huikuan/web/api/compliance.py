"""POST /api/v1/compliance/decisions: the gate over HTTP, with the same JSON as `huikuan compliance check`.

The endpoint is for machines (a dialer, a creditor's system) with an API key (`Authorization: Bearer`, see
services/api_keys.py), and for logged-in users; it asks for no case and reads no data, and it guards
itself: its body is limited (413 beyond
HUIKUAN_COMPLIANCE_MAX_BODY_BYTES, counted on the bytes received: web/limits.py); JSON nested deeper than
the contract needs is a 422; the decision (CPU-bound on a long history) is computed in a worker thread,
not on the event loop that serves every other request; each caller has a rate limit
(HUIKUAN_COMPLIANCE_RATE_PER_MINUTE, 429 with Retry-After). Who the caller is comes from one
dependency, `compliance_caller`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from huikuan.compliance.check import DEFAULT_PACK, check
from huikuan.compliance.contract_fields import InvalidRequest
from huikuan.compliance.contract_parse import decode_request
from huikuan.compliance.model import EventOutcome, Purpose, Recontact, Role, SafeHarbour
from huikuan.compliance.pack_params import PackError
from huikuan.config import get_settings
from huikuan.domain.enums import Channel, Direction
from huikuan.web.api.common import ApiViewerDep
from huikuan.web.ratelimit import TokenBuckets

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_Strict):
    country: str | None = Field(None, description="ISO 3166-1 alpha-2, e.g. US, CN, GB")
    region: str | None = Field(None, description="State or province: CA, XJ, or an ISO 3166-2 code")
    postal_code: str | None = None


class InconvenientTimeIn(_Strict):
    start: str = Field(description="Local time HH:MM", examples=["12:00"])
    end: str = Field(
        description="Local time HH:MM; before start means the span runs past midnight, equal to start "
        "the whole day"
    )
    days: list[int] = Field(
        [], description="ISO weekdays (1 Monday .. 7 Sunday) on which the span starts; empty: every day"
    )


class FlagsIn(_Strict):
    cease: bool = False
    disputed: bool = False
    attorney: bool = False
    deceased: bool = False
    employer_prohibits: bool = False
    opt_out: list[Channel] = []


class PartyIn(_Strict):
    id: str
    role: Role
    to: str | None = Field(None, description="The number, address or handle contacted")
    phones: list[str] = Field(
        [], description="The party's own phones (a third party); else the debtor's count"
    )
    address: AddressIn | None = None
    time_zone: str | None = Field(None, description="IANA zone name")
    workplace: bool = Field(False, description="The contact reaches the debtor at the place of employment")
    recontact: Recontact | None = Field(
        None, description="Why a third party already reached may be contacted again (extension)"
    )
    express_consent: bool = Field(
        False,
        description="The number carries the person's prior express consent to automated texts (extension)",
    )
    safe_harbour: SafeHarbour | None = Field(
        None,
        description="Why an e-mail or text may go to this address (12 CFR 1006.6(d)(4)): used, consent or "
        "creditor (extension)",
    )


class DebtorIn(_Strict):
    phones: list[str] = []
    address: AddressIn | None = None
    time_zone: str | None = None
    inconvenient_times: list[InconvenientTimeIn] = []
    inconvenient_places: list[str] = Field(
        [], description='Places the debtor said are inconvenient: "workplace"', examples=[["workplace"]]
    )
    flags: FlagsIn = FlagsIn()


class DebtIn(_Strict):
    id: str
    time_barred: bool = False
    validation_sent: bool | None = Field(None, description="Extension: false lets validation-notice block")
    disputed: bool = Field(False, description="An open dispute of this debt that stops its collection")


class HistoryEventIn(_Strict):
    at: str = Field(description="ISO-8601 with offset", examples=["2026-03-01T16:00:00Z"])
    channel: Channel
    direction: Direction
    party_id: str
    party_role: Role | None = None
    outcome: EventOutcome
    debt_ids: list[str] = Field([], description="Empty: the event counts for every debt")


class DecisionRequest(_Strict):
    """The request of compliance.md; `pack` may also be given as the ?pack= query parameter."""

    at: str = Field(description="ISO-8601 with offset", examples=["2026-03-02T15:15:00Z"])
    channel: Channel
    purpose: Purpose
    party: PartyIn
    debtor: DebtorIn
    debt: DebtIn
    history: list[HistoryEventIn] = []
    pack: str | None = Field(None, description=f"Rule pack; default {DEFAULT_PACK}")
    automated: bool = Field(False, description="Sent by automated means, not by a collector (extension)")


class ViolationOut(BaseModel):
    rule: str
    message: str


class DecisionOut(BaseModel):
    allowed: bool
    violations: list[ViolationOut]
    next_allowed_at: str | None = Field(description="ISO-8601 UTC (Z); null when only new facts can allow it")
    pack: str
    pack_version: str
    id: str = Field(
        description="Stable digest of request, history, pack and result; store it on the interaction"
    )


class ErrorOut(BaseModel):
    detail: str = Field(examples=["debtor.flags.cease: expected a boolean"])


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local $ref replaced by its definition, for use outside components."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _request_schema() -> dict[str, Any]:
    schema = DecisionRequest.model_json_schema()
    return dict(_inline(schema, schema.get("$defs", {})))


def compliance_caller(viewer: ApiViewerDep) -> str:
    """Who asks for a decision (an API key's user or a logged-in user), the key of its rate limit."""
    return f"user:{viewer.user_id}"


CallerDep = Annotated[str, Depends(compliance_caller)]


async def rate_limited(request: Request, caller: CallerDep) -> str:
    """Spends one of the caller's tokens; 429 with Retry-After when it has none left. Async: the buckets
    live on the event loop, never in two threads at once."""
    buckets = getattr(request.app.state, "compliance_buckets", None)
    if buckets is None:
        buckets = request.app.state.compliance_buckets = TokenBuckets(
            get_settings().compliance_rate_per_minute
        )
    if buckets.rate_per_s <= 0:
        return caller
    wait_s = buckets.take(caller)
    if wait_s > 0:
        raise HTTPException(
            status_code=429,
            detail="too many requests: try again later",
            headers={"Retry-After": str(math.ceil(wait_s))},
        )
    return caller


def decide(raw: bytes, pack: str | None) -> tuple[int, dict[str, Any]]:
    """The status and the JSON answer for a request's body: the decision, or what is wrong with it."""
    try:
        return 200, check(decode_request(raw), pack)
    except (InvalidRequest, PackError) as exc:
        return 422, {"detail": str(exc)}


@router.post(
    "/decisions",
    response_model=DecisionOut,
    responses={
        413: {"model": ErrorOut, "description": "The body is larger than the limit"},
        422: {"model": ErrorOut, "description": "The request is not valid; detail names the field"},
        429: {"model": ErrorOut, "description": "Too many requests from this caller: see Retry-After"},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _request_schema()}}}
    },
    summary="May this contact happen now?",
)
async def create_decision(
    request: Request,
    _caller: Annotated[str, Depends(rate_limited)],
    pack: str | None = Query(None, description=f"Rule pack (us-reg-f, cn, uk-conc); default {DEFAULT_PACK}"),
) -> Any:
    """The gate's decision; 200 whether allowed or refused. Validation goes through the same parser as the
    command line, so both give the same messages."""
    raw = await request.body()
    status, answer = await run_in_threadpool(decide, raw, pack)
    if status != 200:
        return JSONResponse(answer, status_code=status)
    return answer
