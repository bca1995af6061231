"""The telephone system's callbacks (docs/telephony.md, "Call records"): the records of finished calls.

    POST /api/v1/callbacks/calls/{provider}/{secret}

The address itself is a secret: {secret} must equal HUIKUAN_TELEPHONY_CALLBACK_SECRET (compared in
constant time) and {provider} must be the floor's telephone system (HUIKUAN_TELEPHONY); anything else,
or no secret configured, answers 404 as any address that is no page. The adapter then checks the
provider's own signature (`callback_records`): one that does not hold answers 403 and nothing is
believed. The body is at most CALLBACK_MAX_BYTES (web/app.py; 413 beyond). The records are taken in by
services/call_records.take_records, the same as the reconciliation job's.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from huikuan.channels.telephony import CallbackRejected
from huikuan.config import get_settings
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.call_records import take_records
from huikuan.services.calls import floor_phone
from huikuan.web.api.common import UowDep, api_router

router = api_router("/callbacks/calls", "call callbacks")
CALLBACK_MAX_BYTES = 256 * 1024  # a provider's batch of call records
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not in the provider's shape"},
    403: {"description": "The provider's signature does not verify"},
    404: {"description": "No such callback address (a wrong secret or provider among others)"},
    413: {"description": "The body is larger than a batch of call records can be"},
}


@router.post("/{provider}/{secret}", response_class=Response, responses=_RESPONSES)
async def call_records(provider: str, secret: str, request: Request, uow: UowDep) -> Response:
    """The records of finished calls: each becomes its call's record and fills its interaction."""
    settings = get_settings()
    expected = settings.telephony_callback_secret
    if (
        not settings.telephony
        or provider != settings.telephony
        or not expected
        or not secrets.compare_digest(secret.encode(), expected.encode())
    ):
        raise NotFound("There is no page at this address.")
    line = floor_phone(settings)
    if line is None:
        raise NotFound("There is no page at this address.")
    body = await request.body()
    if b"\x00" in body:
        raise InvalidInput("The callback's body holds the NUL character")
    url = str(request.url)
    if settings.public_url:  # the address the provider was given, which a proxy may have rewritten
        url = settings.public_url.rstrip("/") + request.url.path
    try:
        records = line.phone.callback_records(url, dict(request.headers), body)
    except CallbackRejected as exc:
        raise Forbidden("The callback was refused: {reason}", reason=str(exc)[:200]) from None
    counts = await run_in_threadpool(take_records, uow, line.provider, records, "callback")
    return JSONResponse(counts)
