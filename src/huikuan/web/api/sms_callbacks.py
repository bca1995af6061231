"""The SMS providers' callbacks (docs/channels.md, "Callbacks"): delivery reports and replies from Aliyun,
Tencent Cloud and Twilio.

    POST /api/v1/callbacks/sms/{provider}/{secret}        delivery reports
    POST /api/v1/callbacks/sms/{provider}/{secret}/reply  replies (Aliyun SmsUp, Tencent reply, Twilio
                                                          incoming message)

The providers send no bearer token, so the address itself is the secret: {secret} must equal
HUIKUAN_SMS_CALLBACK_SECRET (compared in constant time); a wrong secret, an unknown provider, or no secret
configured answers 404, as for any address that is no page. When HUIKUAN_SMS_CALLBACK_NETWORKS lists
networks, a callback from elsewhere answers 403. Twilio signs its callbacks (X-Twilio-Signature, checked
with HUIKUAN_TWILIO_AUTH_TOKEN against the URL under HUIKUAN_PUBLIC_URL; 403 when it does not verify);
Aliyun and Tencent document no signature for SMS callbacks, so for them the secret path and the networks
are the whole check. Each is answered as its provider expects.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from huikuan.channels.sms import callbacks as parse
from huikuan.config import Settings, get_settings
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.sms_callbacks import apply_reports, receive_replies
from huikuan.web.api.common import UowDep, api_router
from huikuan.web.ui.common import client_address

router = api_router("/callbacks/sms", "sms callbacks")
PROVIDERS = ("aliyun", "tencent", "twilio")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not in the provider's shape"},
    403: {"description": "From outside the allowed networks, or Twilio's signature does not verify"},
    404: {"description": "No such callback address (a wrong secret among others)"},
}


def _check(provider: str, secret: str, request: Request, settings: Settings) -> None:
    expected = settings.sms_callback_secret
    if (
        provider not in PROVIDERS
        or not expected
        or not secrets.compare_digest(secret.encode(), expected.encode())
    ):
        raise NotFound("There is no page at this address.")
    networks = [n.strip() for n in settings.sms_callback_networks.split(",") if n.strip()]
    if networks:
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            address = None
        if address is None or not any(address in net for net in _networks(networks)):
            raise Forbidden("Callbacks are not accepted from {address}", address=client_address(request))


def _networks(given: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allowed networks; a misspelt entry allows nothing (closed, never open)."""
    found = []
    for text in given:
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    return found


def _twilio_form(request: Request, body: bytes, settings: Settings) -> dict[str, str]:
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    token = settings.twilio_auth_token
    if not token:
        raise Forbidden("Twilio callbacks are not accepted: HUIKUAN_TWILIO_AUTH_TOKEN is not set")
    url = str(request.url)
    if settings.public_url:  # the address Twilio was given, which a proxy in front may have rewritten
        url = settings.public_url.rstrip("/") + request.url.path
    signature = request.headers.get("x-twilio-signature", "")
    if not RequestValidator(token).validate(url, form, signature):
        raise Forbidden("The Twilio callback's signature does not verify")
    return form


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidInput("The callback's body is not JSON") from None


def _ack(provider: str) -> Response:
    if provider == "aliyun":
        return JSONResponse({"code": 0, "msg": "接收成功"})
    if provider == "tencent":
        return JSONResponse({"result": 0, "errmsg": "OK"})
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', media_type="text/xml")


async def _read(provider: str, secret: str, request: Request) -> tuple[Settings, bytes]:
    settings = get_settings()
    _check(provider, secret, request, settings)
    body = await request.body()
    if b"\x00" in body or b"\\u0000" in body:
        raise InvalidInput("The callback's body holds the NUL character")
    return settings, body


@router.post("/{provider}/{secret}", response_class=Response, responses=_RESPONSES)
async def delivery_report(provider: str, secret: str, request: Request, uow: UowDep) -> Response:
    """A provider's delivery reports: each message it names becomes delivered or failed."""
    settings, body = await _read(provider, secret, request)
    if provider == "aliyun":
        reports = parse.aliyun_reports(_json(body))
    elif provider == "tencent":
        reports = parse.tencent_reports(_json(body))
    else:
        reports = parse.twilio_reports(_twilio_form(request, body, settings))
    await run_in_threadpool(apply_reports, uow, reports)
    return _ack(provider)


@router.post("/{provider}/{secret}/reply", response_class=Response, responses=_RESPONSES)
async def reply(provider: str, secret: str, request: Request, uow: UowDep) -> Response:
    """A person's SMS to our number: an opt-out keyword opts the number out of SMS at once; any other
    text reaches the case's collector (services/inbound)."""
    settings, body = await _read(provider, secret, request)
    now = datetime.now(UTC)
    if provider == "aliyun":
        replies = parse.aliyun_replies(_json(body), now)
    elif provider == "tencent":
        replies = parse.tencent_replies(_json(body), now)
    else:
        replies = parse.twilio_replies(_twilio_form(request, body, settings), now)
    await run_in_threadpool(receive_replies, uow, replies, now)
    return _ack(provider)
