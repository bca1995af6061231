"""A local WeChat Pay (API v3) for the adapter's tests: plain HTTP on loopback, implementing what the
wechatpayv3 SDK calls and what WeChat Pay sends.

- POST /v3/pay/transactions/native (direct) and /v3/pay/partner/transactions/native (service provider):
  the merchant's `Authorization: WECHATPAY2-SHA256-RSA2048 ...` is checked against its API certificate's
  public key, the order's fields are checked, and the answer `{"code_url": ...}` is signed with the
  platform key the way WeChat Pay signs (Wechatpay-Timestamp/-Nonce/-Signature/-Serial headers).
- GET /v3/certificates: the platform certificate encrypted with the APIv3 key (AEAD_AES_256_GCM).
- `notification(...)`: a signed payment notification whose resource is encrypted with the APIv3 key, with
  the knobs that make its tampered variants.

Keys and the self-signed platform certificate are generated here with `cryptography`; nothing is real.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CLOCK_SKEW_S = 300  # WeChat Pay refuses a request signed more than five minutes away from its clock
NATIVE_PATHS = {"/v3/pay/transactions/native": False, "/v3/pay/partner/transactions/native": True}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: rsa.RSAPrivateKey, *parts: str) -> str:
    """WeChat Pay's signature: RSA-SHA256 (PKCS#1 v1.5) over the parts, each ended by a newline."""
    message = "".join(part + "\n" for part in parts).encode()
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """An AEAD_AES_256_GCM resource as WeChat Pay sends it (12-character nonce, base64 ciphertext+tag)."""
    nonce = secrets.token_hex(6)
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated_data,
        "ciphertext": base64.b64encode(sealed).decode(),
    }


@dataclass
class Merchant:
    """The agency's merchant as WeChat Pay knows it: number, app, API certificate's key and serial."""

    mchid: str = "1900000109"
    appid: str = "wxd678efh567hg6787"
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    serial_no: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass
class Platform:
    """WeChat Pay's own signing key: a platform certificate (serial in hex), and the same key as the
    'WeChat Pay public key' with its id."""

    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    public_key_id: str = "PUB_KEY_ID_0119000001092025010100000000000001"
    certificate: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
        now = datetime.now(UTC)  # the SDK keeps only certificates valid at the real time
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )

    @property
    def serial_no(self) -> str:
        return format(self.certificate.serial_number, "X")

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class WeChatPayServer:
    merchant: Merchant
    platform: Platform
    url: str = ""
    signs_as: str = "certificate"  # or "public_key": which serial its answers and notifications carry
    orders: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, body) accepted
    certificate_downloads: int = 0
    refuse: tuple[int, str, str] | None = None  # (status, code, message) for every order

    @property
    def serial(self) -> str:
        return self.platform.public_key_id if self.signs_as == "public_key" else self.platform.serial_no

    def signed_headers(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(self.platform.key, stamp, nonce, body),
            "Wechatpay-Serial": self.serial,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def authorization_error(self, method: str, path: str, header: str, body: str) -> str | None:
        """Why the merchant's Authorization header does not verify, or None when it does."""
        if not header.startswith(SIGNATURE_TYPE + " "):
            return "no WECHATPAY2-SHA256-RSA2048 authorization"
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        if fields.get("mchid") != self.merchant.mchid or fields.get("serial_no") != self.merchant.serial_no:
            return "unknown merchant or certificate serial"
        if abs(time.time() - int(fields.get("timestamp") or 0)) > CLOCK_SKEW_S:
            return "timestamp out of range"
        message = "".join(
            f"{part}\n" for part in (method, path, fields["timestamp"], fields["nonce_str"], body)
        )
        try:
            self.merchant.key.public_key().verify(
                base64.b64decode(fields.get("signature", "")),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return None

    def order_error(self, partner: bool, order: dict[str, Any]) -> str | None:
        """Why an order is not acceptable (WeChat Pay's PARAM_ERROR), or None."""
        if partner:
            if order.get("sp_mchid") != self.merchant.mchid or order.get("sp_appid") != self.merchant.appid:
                return "sp_mchid or sp_appid is not this service provider's"
            if not order.get("sub_mchid"):
                return "sub_mchid is missing"
        elif order.get("mchid") != self.merchant.mchid or order.get("appid") != self.merchant.appid:
            return "mchid or appid is not this merchant's"
        amount = order.get("amount") or {}
        if type(amount.get("total")) is not int or amount["total"] <= 0 or amount.get("currency") != "CNY":
            return "amount.total must be a positive number of fen in CNY"
        for name in ("description", "out_trade_no", "notify_url", "time_expire"):
            if not order.get(name):
                return f"{name} is missing"
        datetime.fromisoformat(order["time_expire"])
        return None

    def certificates(self) -> dict[str, Any]:
        cert = self.platform.certificate
        return {
            "data": [
                {
                    "serial_no": self.platform.serial_no,
                    "effective_time": cert.not_valid_before_utc.isoformat(),
                    "expire_time": cert.not_valid_after_utc.isoformat(),
                    "encrypt_certificate": encrypt(
                        self.merchant.apiv3_key, self.platform.certificate_pem(), "certificate"
                    ),
                }
            ]
        }


def _handler(server: WeChatPayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            why = server.authorization_error(method, self.path, self.headers.get("Authorization", ""), body)
            if why:
                return self._answer(401, {"code": "SIGN_ERROR", "message": why})
            if method == "GET" and self.path == "/v3/certificates":
                server.certificate_downloads += 1
                return self._answer(200, server.certificates())
            if method != "POST" or self.path not in NATIVE_PATHS:
                return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})
            order = json.loads(body)
            why = server.order_error(NATIVE_PATHS[self.path], order)
            if why:
                return self._answer(400, {"code": "PARAM_ERROR", "message": why})
            if server.refuse:
                status, code, message = server.refuse
                return self._answer(status, {"code": code, "message": message})
            server.orders.append((self.path, order))
            return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            text = json.dumps(payload, ensure_ascii=False)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(text.encode())))
            # WeChat Pay signs its answers; the SDK checks the signature of a 2XX one.
            for name, value in server.signed_headers(text).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *_args: Any) -> None:
            return

    return Handler


@contextmanager
def running(
    merchant: Merchant, platform: Platform, signs_as: str = "certificate"
) -> Iterator[WeChatPayServer]:
    """Serves a WeChat Pay for `merchant` on a free loopback port until the block ends."""
    state = WeChatPayServer(merchant, platform, signs_as=signs_as)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def paid_resource(merchant: Merchant, out_trade_no: str, total: int, **changes: Any) -> dict[str, Any]:
    """The decrypted resource of a direct merchant's TRANSACTION.SUCCESS, as documented."""
    resource: dict[str, Any] = {
        "mchid": merchant.mchid,
        "appid": merchant.appid,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000" + secrets.token_hex(9)[:18],
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "success_time": "2026-12-06T15:30:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    }
    resource.update(changes)
    return resource


def notification(
    server: WeChatPayServer,
    resource: dict[str, Any],
    *,
    timestamp: int,
    event_type: str = "TRANSACTION.SUCCESS",
    notification_id: str = "EV-2018-06-08-0001",
    apiv3_key: str | None = None,
    signed_by: rsa.RSAPrivateKey | None = None,
    tamper: str = "",
) -> tuple[dict[str, str], bytes]:
    """A notification as WeChat Pay posts it: (headers, body). The knobs make its bad variants: another
    APIv3 key encrypts, another key signs, `tamper="ciphertext"` flips a byte of the sealed resource (and
    signs it so, leaving the AES-GCM tag to catch it), `tamper="body"` changes the body after signing."""
    sealed = encrypt(apiv3_key or server.merchant.apiv3_key, json.dumps(resource), "transaction")
    if tamper == "ciphertext":
        raw = bytearray(base64.b64decode(sealed["ciphertext"]))
        raw[0] ^= 1
        sealed["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    event = {
        "id": notification_id,
        "create_time": "2026-12-06T15:30:01+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {**sealed, "original_type": "transaction"},
    }
    body = json.dumps(event, ensure_ascii=False)
    headers = server.signed_headers(body, timestamp)
    if signed_by is not None:
        stamp, nonce = headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]
        headers["Wechatpay-Signature"] = sign(signed_by, stamp, nonce, body)
    if tamper == "body":
        body = body.replace(notification_id, notification_id + "X")
    return headers, body.encode()
