"""Alipay (支付宝): a QR-code order (`alipay.trade.precreate`) and its signed asynchronous notification.

Requests are signed RSA2 (SHA256withRSA) with the app's private key; Alipay's answers and notifications
are verified with Alipay's public key, both through python-alipay-sdk. In service-provider mode the
request carries the creditor's `app_auth_token` (the creditor authorised the agency's app in Alipay's
third-party authorisation), so the money lands in the creditor's own merchant account: in China an
agency may not take debtors' money into its own account and pass it on (unlicensed clearing, 二清).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import httpx
from alipay import AliPay

from huikuan.channels.payments.base import (
    Answer,
    BadNotification,
    Ignored,
    Link,
    LinkRequest,
    Paid,
    ProviderError,
)

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
PRECREATE = "alipay.trade.precreate"
PRECREATE_RESPONSE = "alipay_trade_precreate_response"
SUCCESS_CODE = "10000"
# Alipay writes and reads its times as Beijing wall-clock time.
SHANGHAI = ZoneInfo("Asia/Shanghai")
WIRE_TIME = "%Y-%m-%d %H:%M:%S"
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
# Alipay retries an unanswered notification for about 25 hours (4 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h);
# an older one is a replay of a captured body, refused. A little skew is allowed the other way.
NOTIFY_MAX_AGE = timedelta(hours=48)
NOTIFY_MAX_SKEW = timedelta(minutes=10)
REQUEST_TIMEOUT_S = 15.0
# Alipay's amounts: yuan with at most two decimals, within [0.01, 100000000].
_YUAN = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
_FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}


def yuan(amount: int) -> str:
    """Minor units (fen) as Alipay's `total_amount`: "1234.50"."""
    return f"{amount // 100}.{amount % 100:02d}"


def fen(total_amount: str) -> int:
    """Alipay's `total_amount` as fen, read as a decimal (never a float)."""
    if not _YUAN.fullmatch(total_amount):
        raise BadNotification(f"total_amount {total_amount!r} is not an amount in yuan")
    return int(Decimal(total_amount) * 100)


def beijing_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(WIRE_TIME)


def utc_from_beijing(text: str, name: str) -> datetime:
    try:
        local = datetime.strptime(text, WIRE_TIME)
    except ValueError as exc:
        raise BadNotification(f"{name} {text!r} is not a time") from exc
    return local.replace(tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC"))


class _Client(AliPay):  # type: ignore[misc]  # the SDK has no type hints
    """The SDK's client (it builds, orders and signs the request, and verifies Alipay's signatures), sent
    to the configured gateway by POST with a timeout, and Alipay's refusal read rather than raised as the
    SDK's exception whose message is the raw answer."""

    def __init__(self, gateway: str, **options: Any) -> None:
        super().__init__(**options)
        self._gateway = gateway  # the SDK has no setting for it: production or its own sandbox only

    def verified_sync_response(self, data: dict[str, Any], response_type: str) -> dict[str, Any]:
        try:
            reply = httpx.post(
                self._gateway, content=self.sign_data(data), headers=_FORM, timeout=REQUEST_TIMEOUT_S
            )
            reply.raise_for_status()
        except httpx.HTTPError as exc:
            raise ProviderError(f"Alipay could not be reached: {type(exc).__name__}") from exc
        raw = reply.text
        try:
            whole = json.loads(raw)
        except ValueError as exc:
            raise ProviderError("Alipay's answer is not JSON") from exc
        if not isinstance(whole, dict) or not isinstance(whole.get(response_type), dict):
            error = whole.get("error_response") if isinstance(whole, dict) else None
            if isinstance(error, dict):
                return error  # a gateway error (Alipay signs none of these): it names its code
            raise ProviderError(f"Alipay's answer has no {response_type}")
        # The signature covers the exact text of the response object, as Alipay wrote it.
        signed_text = self._get_string_to_be_signed(raw, response_type)
        try:
            content: dict[str, Any] = json.loads(signed_text)
        except ValueError as exc:
            raise ProviderError("Alipay's answer is not JSON") from exc
        sign = whole.get("sign")
        if sign:
            try:
                valid = self._verify(signed_text, str(sign))
            except ValueError:
                valid = False
            if not valid:
                raise ProviderError("Alipay's answer is not signed with Alipay's public key")
        elif content.get("code") == SUCCESS_CODE:
            raise ProviderError("Alipay's answer is not signed")
        return content


class AlipayProvider:
    """The agency's Alipay app: a QR code per link, paid into the creditor's merchant when the link
    request names its `app_auth_token`."""

    name = "alipay"
    currencies = frozenset({"CNY"})
    service_provider_mode = True

    def __init__(self, app_id: str, private_key_pem: str, alipay_public_key_pem: str, gateway: str) -> None:
        self.app_id = app_id
        try:
            self._client = _Client(
                gateway,
                appid=app_id,
                app_private_key_string=private_key_pem,
                alipay_public_key_string=alipay_public_key_pem,
                sign_type="RSA2",
            )
        except (ValueError, IndexError, TypeError) as exc:
            raise ProviderError("Alipay's keys cannot be read (RSA, PEM)") from exc

    def create_link(self, request: LinkRequest) -> Link:
        if request.currency not in self.currencies:
            raise ProviderError(f"Alipay charges in CNY, not {request.currency}")
        if request.amount <= 0:
            raise ProviderError(f"Alipay cannot charge {request.amount} fen")
        biz_content = {
            "out_trade_no": request.out_trade_no,
            "total_amount": yuan(request.amount),
            "subject": request.subject,
            "product_code": "FACE_TO_FACE_PAYMENT",
            "time_expire": beijing_time(request.expires_at),
        }
        extra = {"notify_url": request.notify_url, "timestamp": beijing_time(datetime.now(SHANGHAI))}
        token = request.merchant.get("app_auth_token", "")
        if token:
            extra["app_auth_token"] = token
        answer = self._client.server_api(PRECREATE, biz_content, **extra)
        if answer.get("code") != SUCCESS_CODE:
            refusal = "Alipay refused the order: {code} {sub_code} {sub_msg}".format(
                code=answer.get("code", "?"),
                sub_code=answer.get("sub_code", ""),
                sub_msg=answer.get("sub_msg") or answer.get("msg", ""),
            )
            # Alipay's "invalid signature" quotes the whole signed request, the creditor's token with it.
            raise ProviderError(refusal.replace(token, "[app_auth_token]") if token else refusal)
        if answer.get("out_trade_no") != request.out_trade_no or not answer.get("qr_code"):
            raise ProviderError("Alipay's answer names another order or no QR code")
        return Link(url=str(answer["qr_code"]))  # precreate gives no id of its own before payment

    def verify(
        self,
        headers: Mapping[str, str],  # noqa: ARG002 - Alipay signs the form itself, no header
        body: bytes,
        now: datetime,
    ) -> Paid | Ignored:
        form = _form(body)
        sign = form.pop("sign", "")
        sign_type = form.pop("sign_type", "")
        if not sign or sign_type != "RSA2":
            raise BadNotification("the notification is not signed RSA2")
        try:
            # The signed text: every parameter but sign and sign_type, sorted, joined as k=v with &.
            valid = self._client.verify(dict(form), sign)
        except ValueError:
            valid = False
        if not valid:
            raise BadNotification("the notification's signature is not Alipay's")
        if form.get("app_id") != self.app_id:
            raise BadNotification(f"the notification is for app {form.get('app_id')!r}, not ours")
        notified = utc_from_beijing(_field(form, "notify_time"), "notify_time")
        if not now - NOTIFY_MAX_AGE <= notified <= now + NOTIFY_MAX_SKEW:
            raise BadNotification(f"the notification was sent at {notified.isoformat()}, out of time")
        event_id = _field(form, "notify_id")
        status = _field(form, "trade_status")
        if status not in PAID_STATUSES:
            return Ignored(event_id=event_id, what=f"trade_status {status}")
        # A partial refund is notified with the trade still TRADE_SUCCESS; it is not a second payment.
        if form.get("refund_fee") or form.get("gmt_refund"):
            return Ignored(event_id=event_id, what="refund")
        return Paid(
            event_id=event_id,
            out_trade_no=_field(form, "out_trade_no"),
            provider_txn_id=_field(form, "trade_no"),
            amount=fen(_field(form, "total_amount")),
            currency="CNY",
            paid_at=utc_from_beijing(_field(form, "gmt_payment"), "gmt_payment"),
        )

    def answer(self, ok: bool) -> Answer:
        # Alipay stops retrying on exactly "success"; anything else is retried.
        return Answer(status=200, content_type="text/plain", body=b"success" if ok else b"failure")


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadNotification("the notification is not a UTF-8 form") from exc
    form = dict(pairs)
    if len(form) != len(pairs):
        raise BadNotification("the notification repeats a parameter")
    return form


def _field(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise BadNotification(f"the notification has no {name}")
    return value


def _read(env: Mapping[str, str], setting: str) -> str:
    path = env[setting]
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise ProviderError(f"{setting} ({path}) cannot be read: {exc.strerror}") from exc


def from_env(env: Mapping[str, str]) -> AlipayProvider | None:
    """The provider when HUIKUAN_ALIPAY_APP_ID and both key files are set; None otherwise."""
    settings = ("HUIKUAN_ALIPAY_APP_ID", "HUIKUAN_ALIPAY_PRIVATE_KEY_FILE", "HUIKUAN_ALIPAY_PUBLIC_KEY_FILE")
    if not all(env.get(setting) for setting in settings):
        return None
    return AlipayProvider(
        app_id=env["HUIKUAN_ALIPAY_APP_ID"],
        private_key_pem=_read(env, "HUIKUAN_ALIPAY_PRIVATE_KEY_FILE"),
        alipay_public_key_pem=_read(env, "HUIKUAN_ALIPAY_PUBLIC_KEY_FILE"),
        gateway=env.get("HUIKUAN_ALIPAY_GATEWAY") or PRODUCTION_GATEWAY,
    )
