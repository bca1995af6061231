"""A local Alipay open-platform gateway for tests, with keys made in the test (never real ones).

It serves `alipay.trade.precreate` as Alipay documents it: the request's RSA2 signature (SHA256withRSA
over every parameter but `sign`, sorted, empty ones left out, joined as k=v with &) checked with the
app's public key, the creditor's `app_auth_token` checked and recorded, and the answer
`alipay_trade_precreate_response` signed with the test "Alipay" private key. `notification` builds the
asynchronous notification Alipay posts when a QR code is paid, signed over every parameter but `sign`
and `sign_type`; `tampered` changes it after signing.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESPONSE = "alipay_trade_precreate_response"
_YUAN = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_valid(public: rsa.RSAPublicKey, text: str, sign: str) -> bool:
    try:
        public.verify(base64.b64decode(sign), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def request_text(params: dict[str, str]) -> str:
    """What a request's `sign` signs: every other parameter with a value, sorted by name."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def notification_text(params: dict[str, str]) -> str:
    """What a notification's `sign` signs: every parameter but `sign` and `sign_type`, sorted by name."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


@dataclass(frozen=True)
class Keys:
    """The app's key pair (the agency's) and Alipay's; the adapter holds the app's private key and
    Alipay's public key, the gateway the other two."""

    app: rsa.RSAPrivateKey
    alipay: rsa.RSAPrivateKey

    def write(self, directory: Path) -> dict[str, str]:
        """The adapter's key settings, its PEM files written in `directory`."""
        app_file, alipay_file = directory / "app_private.pem", directory / "alipay_public.pem"
        app_file.write_text(private_pem(self.app))
        alipay_file.write_text(public_pem(self.alipay))
        return {
            "HUIKUAN_ALIPAY_PRIVATE_KEY_FILE": str(app_file),
            "HUIKUAN_ALIPAY_PUBLIC_KEY_FILE": str(alipay_file),
        }


def new_keys() -> Keys:
    return Keys(app=rsa_key(), alipay=rsa_key())


@dataclass
class Gateway:
    app_id: str
    keys: Keys
    tokens: set[str] = field(default_factory=set)  # the creditors' authorisations of our app
    requests: list[dict[str, str]] = field(default_factory=list)  # every request, as received
    refusal: tuple[str, str] | None = None  # (sub_code, sub_msg) of the next order's business failure
    orders: dict[str, dict[str, str]] = field(default_factory=dict)  # out_trade_no -> the order
    signs: bool = True  # False: answers without `sign`, as a man in the middle would

    def refuse_next(self, sub_code: str, sub_msg: str) -> None:
        self.refusal = (sub_code, sub_msg)

    def respond(self, params: dict[str, str]) -> str:
        """The gateway's answer to a request (JSON text, as Alipay writes it)."""
        self.requests.append(params)
        if params.get("method") != "alipay.trade.precreate":
            return _unsigned("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名")
        if params.get("app_id") != self.app_id:
            return _unsigned("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数")
        if params.get("sign_type") != "RSA2":
            return _unsigned("40002", "Invalid Arguments", "isv.invalid-signature-type", "无效的签名类型")
        text = request_text(params)
        if not rsa2_valid(self.keys.app.public_key(), text, params.get("sign", "")):
            # Alipay quotes the text it checked, to help find the mistake.
            hint = "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：" + text
            return _unsigned("40002", "Invalid Arguments", "isv.invalid-signature", hint)
        token = params.get("app_auth_token")
        if token is not None and token not in self.tokens:
            return _unsigned(
                "20001", "Insufficient Token Permissions", "aop.invalid-app-auth-token", "无效的应用授权令牌"
            )
        return self._precreate(params)

    def _precreate(self, params: dict[str, str]) -> str:
        try:
            biz = json.loads(params.get("biz_content", ""))
        except ValueError:
            return self._signed(
                _failure("40002", "Invalid Arguments", "isv.invalid-biz-content", "业务参数无效")
            )
        amount = str(biz.get("total_amount", ""))
        if not biz.get("out_trade_no") or not biz.get("subject") or not _YUAN.fullmatch(amount):
            return self._signed(_failure("40004", "Business Failed", "ACQ.INVALID_PARAMETER", "参数无效"))
        if self.refusal is not None:
            sub_code, sub_msg = self.refusal
            self.refusal = None
            return self._signed(_failure("40004", "Business Failed", sub_code, sub_msg))
        number = biz["out_trade_no"]
        self.orders[number] = {**biz, "app_auth_token": params.get("app_auth_token", "")}
        qr_code = f"https://qr.alipay.com/bax{len(self.orders):08d}"
        return self._signed({"code": "10000", "msg": "Success", "out_trade_no": number, "qr_code": qr_code})

    def _signed(self, content: dict[str, str]) -> str:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        if not self.signs:
            return f'{{"{RESPONSE}":{text}}}'
        return f'{{"{RESPONSE}":{text},"sign":"{rsa2_sign(self.keys.alipay, text)}"}}'


def _failure(code: str, msg: str, sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _unsigned(code: str, msg: str, sub_code: str, sub_msg: str) -> str:
    return json.dumps({RESPONSE: _failure(code, msg, sub_code, sub_msg)}, ensure_ascii=False)


@contextmanager
def alipay_gateway(gateway: Gateway) -> Iterator[str]:
    """Serves `gateway` on a free port of the loopback interface; yields its URL (…/gateway.do)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(urlsplit(self.path).query)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            self._answer(self.rfile.read(length).decode("utf-8"))

        def _answer(self, query: str) -> None:
            text = gateway.respond(dict(parse_qsl(query, keep_blank_values=True)))
            body = text.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html;charset=utf-8")  # what Alipay's gateway says
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/gateway.do"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def beijing(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def notification(
    alipay_key: rsa.RSAPrivateKey,
    *,
    app_id: str,
    out_trade_no: str,
    total_amount: str,
    paid_at: datetime,
    trade_status: str = "TRADE_SUCCESS",
    trade_no: str = "2026110522001400000000000001",
    notify_id: str = "2026110500222100000000000001",
    notify_time: datetime | None = None,
    **extra: str,
) -> bytes:
    """The form body Alipay posts to the notify_url when `out_trade_no` is paid, signed with
    `alipay_key`. It is sent at `notify_time` (by default two seconds after `paid_at`); the adapter
    refuses one more than 48 hours older than its `now`."""
    params = {
        "notify_time": beijing(notify_time or paid_at + timedelta(seconds=2)),
        "notify_type": "trade_status_sync",
        "notify_id": notify_id,
        "charset": "utf-8",
        "version": "1.0",
        "app_id": app_id,
        "auth_app_id": app_id,
        "trade_no": trade_no,
        "out_trade_no": out_trade_no,
        "trade_status": trade_status,
        "total_amount": total_amount,
        "receipt_amount": total_amount,
        "buyer_pay_amount": total_amount,
        "gmt_create": beijing(paid_at - timedelta(seconds=30)),
        "gmt_payment": beijing(paid_at),
        "seller_id": "2088101117955611",
        "buyer_open_id": "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5",
        "subject": "Account 1234",
        **extra,
    }
    sign = rsa2_sign(alipay_key, notification_text(params))
    return urlencode({**params, "sign_type": "RSA2", "sign": sign}).encode()


def tampered(body: bytes, **changes: str) -> bytes:
    """The notification with `changes` made after it was signed (its signature kept)."""
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return urlencode({**params, **changes}).encode()
