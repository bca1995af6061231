"""WeChat Pay (API v3) through the wechatpayv3 SDK: a Native-pay QR code for an amount, and the payment
notification, verified and decrypted.

The money goes to the agency's own merchant (the direct endpoints), or, in service-provider (partner) mode,
to the creditor's own sub-merchant named by the link's `merchant["sub_mchid"]`: in China an agency may not
take debtors' money into its own account and pass it on (unlicensed clearing, 二清).

A notification is accepted only when its RSA-SHA256 signature verifies against the WeChat Pay public key
or platform certificate, its timestamp is within five minutes of `now`, and its resource decrypts with the
APIv3 key (AEAD_AES_256_GCM, which also authenticates it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

from huikuan.channels.payments.base import (
    Answer,
    BadNotification,
    Ignored,
    Link,
    LinkRequest,
    Paid,
    ProviderError,
)
from huikuan.errors import InvalidInput

PRODUCTION_GATEWAY = "https://api.mch.weixin.qq.com"
REPLAY_WINDOW = timedelta(minutes=5)  # WeChat Pay's own tolerance for a signed timestamp
DESCRIPTION_MAX_CHARS = 127  # the order's `description` is string(127)
APIV3_KEY_CHARS = 32  # AES-256: the key is 32 ASCII characters
TIMEOUT_S = (5, 20)  # connect, read
CHINA = timezone(timedelta(hours=8))  # time_expire is written in Beijing time, as WeChat Pay shows it
PAID_EVENT = "TRANSACTION.SUCCESS"
PREFIX = "HUIKUAN_WECHATPAY_"
REQUIRED = ("MCHID", "APPID", "PRIVATE_KEY_FILE", "CERT_SERIAL_NO", "APIV3_KEY")


@dataclass(frozen=True)
class Settings:
    mchid: str  # the agency's merchant number (the service provider's sp_mchid in partner mode)
    appid: str
    private_key: str  # the merchant API private key (apiclient_key.pem), PEM
    cert_serial_no: str  # the serial number of the merchant API certificate
    apiv3_key: str
    public_key: str | None = None  # the WeChat Pay public key, PEM; None: platform certificates
    public_key_id: str | None = None  # PUB_KEY_ID_...
    cert_dir: str | None = None  # where the SDK keeps downloaded platform certificates
    gateway: str = PRODUCTION_GATEWAY


class _Core(Core):  # type: ignore[misc]
    """The SDK's Core speaking to `gateway`. wechatpayv3 2.0.4 has no gateway parameter: Core.__init__
    assigns the production host to `self._gate_way` and, without a WeChat Pay public key, downloads the
    platform certificates from it before returning. A property of this subclass is the one place that takes
    effect before that first request: it reads our gateway and drops the SDK's assignment."""

    def __init__(self, gateway: str, **options: Any) -> None:
        self.gateway = gateway
        super().__init__(**options)

    @property
    def _gate_way(self) -> str:
        return self.gateway

    @_gate_way.setter
    def _gate_way(self, _production_host: str) -> None:
        pass


class _Client(WeChatPay):  # type: ignore[misc]
    """WeChatPay over a Core built above: WeChatPay.__init__ would build its own for the production host,
    so this sets the fields that __init__ sets and `pay()` reads (wechatpayv3 is pinned for this)."""

    def __init__(self, core: _Core, settings: Settings, partner_mode: bool) -> None:
        self._type = WeChatPayType.NATIVE
        self._mchid = settings.mchid
        self._appid = settings.appid
        self._notify_url = None
        self._core = core
        self._partner_mode = partner_mode


class WeChatPayProvider:
    name = "wechatpay"
    currencies = frozenset({"CNY"})
    service_provider_mode = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _core(self) -> _Core:
        # Built at first use: with platform certificates, building it downloads them.
        s = self.settings
        try:
            return _Core(
                s.gateway,
                mchid=s.mchid,
                cert_serial_no=s.cert_serial_no,
                private_key=s.private_key,
                apiv3_key=s.apiv3_key,
                cert_dir=s.cert_dir,
                timeout=TIMEOUT_S,
                public_key=s.public_key,
                public_key_id=s.public_key_id,
            )
        except requests.RequestException as exc:
            raise _refused("WeChat Pay could not be reached: {error}", error=type(exc).__name__) from exc
        except Exception as exc:  # the SDK raises a bare Exception for a bad key or no platform certificate
            raise _refused("WeChat Pay is not usable with these settings: {error}", error=exc) from exc

    def create_link(self, request: LinkRequest) -> Link:
        if request.currency not in self.currencies:
            raise _refused("WeChat Pay charges in CNY, not {currency}", currency=request.currency)
        sub_mchid = request.merchant.get("sub_mchid", "")
        # A creditor's own sub-merchant receives the money through the partner endpoint; without one, the
        # agency's own merchant through the direct endpoint.
        client = _Client(self._core, self.settings, partner_mode=bool(sub_mchid))
        try:
            status, text = client.pay(
                description=request.subject[:DESCRIPTION_MAX_CHARS],
                out_trade_no=request.out_trade_no,
                amount={"total": request.amount, "currency": request.currency},
                time_expire=rfc3339(request.expires_at),
                notify_url=request.notify_url,
                sub_mchid=sub_mchid or None,
                sub_appid=request.merchant.get("sub_appid") or None,
                pay_type=WeChatPayType.NATIVE,
            )
        except requests.RequestException as exc:
            raise _refused("WeChat Pay could not be reached: {error}", error=type(exc).__name__) from exc
        except Exception as exc:  # the SDK raises a bare Exception when an answer's signature does not verify
            raise _refused("WeChat Pay's answer was refused: {error}", error=exc) from exc
        answer = _json(text)
        if not 200 <= status < 300:
            code, message = answer.get("code", status), answer.get("message", "")
            raise _refused("WeChat Pay refused the order: {code} {message}", code=code, message=message)
        code_url = answer.get("code_url")
        if not isinstance(code_url, str) or not code_url:
            raise ProviderError("WeChat Pay's answer has no code_url")
        return Link(url=code_url)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Paid | Ignored:
        lowered = {key.lower(): value for key, value in headers.items()}
        _check_timestamp(lowered.get("wechatpay-timestamp", ""), now)
        try:
            # The SDK's callback verifies the signature (refreshing the platform certificates for an unknown
            # serial) and decrypts the resource; it gives None when either fails.
            notice = _Client(self._core, self.settings, partner_mode=False).callback(lowered, body)
        except Exception as exc:
            raise BadNotification("the notification does not verify") from exc
        if not notice:
            raise BadNotification("the notification's signature or encrypted resource does not verify")
        return self._read(notice)

    def _read(self, notice: dict[str, Any]) -> Paid | Ignored:
        event_id, event_type = str(notice.get("id") or ""), str(notice.get("event_type") or "")
        resource = notice.get("resource")
        if not event_id or not isinstance(resource, dict):
            raise BadNotification("the notification has no id or resource")
        state = str(resource.get("trade_state") or "")
        if event_type != PAID_EVENT or state != "SUCCESS":
            return Ignored(event_id=event_id, what=f"{event_type} {state}".strip())
        # Partner notifications name the service provider as sp_mchid, direct ones the merchant as mchid.
        if (resource.get("sp_mchid") or resource.get("mchid")) != self.settings.mchid:
            raise BadNotification("the notification is for another merchant")
        amount = resource.get("amount") or {}
        total = amount.get("total")
        try:
            paid_at = datetime.fromisoformat(str(resource.get("success_time")))
        except ValueError as exc:
            raise BadNotification("the notification's success_time is not a time") from exc
        if type(total) is not int or total <= 0 or paid_at.tzinfo is None:
            raise BadNotification("the notification's amount or success_time is not readable")
        return Paid(
            event_id=event_id,
            out_trade_no=str(resource.get("out_trade_no") or ""),
            provider_txn_id=str(resource.get("transaction_id") or ""),
            amount=total,  # the order's amount; payer_total is less when a WeChat coupon paid a part
            currency=str(amount.get("currency") or "CNY"),
            paid_at=paid_at.astimezone(UTC),
        )

    def answer(self, ok: bool) -> Answer:
        # Documented: 200 (or 204) and no body stops the retries; a 4XX/5XX with {"code": "FAIL", ...} asks
        # for the notification again, on WeChat Pay's schedule (15 s ... 6 h).
        if ok:
            return Answer(status=200, content_type="application/json", body=b"")
        body = json.dumps({"code": "FAIL", "message": "not accepted"}).encode()
        return Answer(status=500, content_type="application/json", body=body)


def rfc3339(moment: datetime) -> str:
    """`moment` (UTC when naive) in Beijing time, to the second: 2026-12-06T18:30:00+08:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def _refused(msgid: str, /, **values: object) -> ProviderError:
    """A ProviderError worded as fixed text with named fields, the way huikuan.errors words its messages."""
    return ProviderError(msgid.format(**values))


def _check_timestamp(value: str, now: datetime) -> None:
    if not value.isdigit():
        raise BadNotification("the notification has no Wechatpay-Timestamp")
    signed_at = datetime.fromtimestamp(int(value), UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if abs(now - signed_at) > REPLAY_WINDOW:
        raise BadNotification("the notification's timestamp is outside the five-minute window")


def _json(text: str | bytes) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def from_env(env: Mapping[str, str]) -> WeChatPayProvider | None:
    """The provider when HUIKUAN_WECHATPAY_MCHID, _APPID, _PRIVATE_KEY_FILE, _CERT_SERIAL_NO and _APIV3_KEY
    are set; None otherwise. _PUBLIC_KEY_FILE with _PUBLIC_KEY_ID selects the WeChat Pay public key, else
    the SDK downloads platform certificates (kept in _CERT_DIR when set); _GATEWAY replaces the host."""

    def setting(name: str) -> str:
        return env.get(PREFIX + name, "").strip()

    if not all(setting(name) for name in REQUIRED):
        return None
    public_key_file, public_key_id = setting("PUBLIC_KEY_FILE"), setting("PUBLIC_KEY_ID")
    if bool(public_key_file) != bool(public_key_id):
        raise InvalidInput(
            "HUIKUAN_WECHATPAY_PUBLIC_KEY_FILE and HUIKUAN_WECHATPAY_PUBLIC_KEY_ID go together"
        )
    if len(setting("APIV3_KEY").encode()) != APIV3_KEY_CHARS:
        raise InvalidInput("HUIKUAN_WECHATPAY_APIV3_KEY must be 32 characters")
    return WeChatPayProvider(
        Settings(
            mchid=setting("MCHID"),
            appid=setting("APPID"),
            private_key=_read(setting("PRIVATE_KEY_FILE")),
            cert_serial_no=setting("CERT_SERIAL_NO"),
            apiv3_key=setting("APIV3_KEY"),
            public_key=_read(public_key_file) if public_key_file else None,
            public_key_id=public_key_id or None,
            cert_dir=setting("CERT_DIR") or None,
            gateway=(setting("GATEWAY") or PRODUCTION_GATEWAY).rstrip("/"),
        )
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput("The file {path} cannot be read", path=path) from exc
