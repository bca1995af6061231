"""The official account's message push (services/wechat_push.py), at the address configured in the
account's settings: {public_url}/api/v1/callbacks/wechat/{HUIKUAN_WECHAT_CALLBACK_SECRET}.

- GET: WeChat checks the address once, with signature, timestamp, nonce and echostr; we answer echostr
  when the signature (made with HUIKUAN_WECHAT_TOKEN) matches;
- POST: a message or an event as XML, signed the same way in the query string; answered "success". With
  HUIKUAN_WECHAT_ENCODING_AES_KEY set (the account's safe mode), the XML comes encrypted with its own
  signature (msg_signature): services/wechat_push.open_push checks and decrypts it.

No session and no bearer token: the secret path and WeChat's signature. A wrong path (or WeChat not
configured) is not found, a wrong signature forbidden.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from huikuan.config import get_settings
from huikuan.services import wechat_push
from huikuan.web.api.common import UowDep, api_router

router = api_router("/callbacks/wechat", "wechat")
Param = Annotated[str, Query(max_length=200)]


@router.get("/{secret}", response_class=PlainTextResponse)
def verify_address(
    secret: str, signature: Param = "", timestamp: Param = "", nonce: Param = "", echostr: Param = ""
) -> PlainTextResponse:
    """WeChat's check of the push address: its echostr back when the signature matches."""
    wechat_push.check(get_settings(), secret, signature, timestamp, nonce)
    return PlainTextResponse(echostr)


@router.post("/{secret}", response_class=PlainTextResponse)
async def push(
    secret: str,
    request: Request,
    uow: UowDep,
    signature: Param = "",
    timestamp: Param = "",
    nonce: Param = "",
    encrypt_type: Param = "",
    msg_signature: Param = "",
) -> PlainTextResponse:
    """A message or an event the person sent the account (decrypted in safe mode): kept, and answered
    "success" (no passive reply, so nothing to encrypt)."""
    settings = get_settings()
    signed = wechat_push.Signed(signature, timestamp, nonce, encrypt_type, msg_signature)
    body = wechat_push.open_push(settings, secret, signed, await request.body())
    await run_in_threadpool(wechat_push.receive_push, uow, settings, body)
    return PlainTextResponse("success")
