"""A local Tencent Cloud SMS (SendSms, API 2021-01-11) for tests: the request checked and signed as Tencent
documents it, its answers and error codes in Tencent's shape, and the status and reply callbacks.

Signature (cloud.tencent.com/document/api/382/52072, TC3-HMAC-SHA256): the Authorization header is
`TC3-HMAC-SHA256 Credential=<SecretId>/<date>/sms/tc3_request, SignedHeaders=content-type;host,
Signature=<hex>`; the canonical request is the method, "/", the (empty) query, the signed headers
`name:value` each on a line, the signed header names, and the hex SHA-256 of the body; the string to sign is
the algorithm, X-TC-Timestamp, the credential scope and the hex SHA-256 of the canonical request; the key is
derived by HMAC-SHA256 chained over "TC3"+SecretKey, the date, "sms" and "tc3_request". The timestamp must
be within 5 minutes and the date its UTC day. Written from the documentation, not from the SDK.

Every answer is HTTP 200 with {"Response": {...}}: a request-level error as {"Error": {"Code", "Message"}}
(AuthFailure.SignatureFailure, AuthFailure.SignatureExpire, AuthFailure.SecretIdNotFound,
RequestLimitExceeded), or a SendStatusSet with one entry per number: Code "Ok" and a SerialNo, or
InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.TemplateIncorrectOrUnapproved,
FailedOperation.SignatureIncorrectOrUnapproved, FailedOperation.TemplateParamSetNotMatchApprovedTemplate,
LimitExceeded.PhoneNumberThirtySecondLimit (throttled). An outage answers HTTP 502.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.sms_server_base import Accepted, LocalProvider

SECRET_ID = "AKIDLocalTestTencent"
SECRET_KEY = "local-test-secret-tencent"
APP_ID = "1400006666"
SKEW_S = 300
_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, "
    r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$"
)
_serial = itertools.count(1)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature(secret_key: str, date: str, timestamp: str, canonical_request: str) -> str:
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSmsServer(LocalProvider):
    name = "tencent"

    def __init__(self, templates: dict[str, tuple[str, int]] | None = None) -> None:
        """`templates`: the approved TemplateId -> (its SignName, how many parameters it takes)."""
        super().__init__()
        self.templates = templates if templates is not None else {"1110": ("某银行", 2)}

    def _answer(self, response: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        response["RequestId"] = str(uuid.uuid4())
        data = json.dumps({"Response": response}, ensure_ascii=False).encode()
        return 200, {"content-type": "application/json"}, data

    def _error(self, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
        self.refuse(code, message)
        return self._answer({"Error": {"Code": code, "Message": message}})

    def verify(self, request: BaseHTTPRequestHandler, body: bytes) -> str | None:
        found = _AUTH.match(request.headers.get("Authorization", ""))
        if not found:
            return "AuthFailure.InvalidAuthorization"
        secret_id, date, signed, given = found.groups()
        if secret_id != SECRET_ID:
            return "AuthFailure.SecretIdNotFound"
        stamp = request.headers.get("X-TC-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > SKEW_S:
            return "AuthFailure.SignatureExpire"
        if datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d") != date:
            return "AuthFailure.SignatureFailure"
        names = signed.split(";")
        if "content-type" not in names or "host" not in names:
            return "AuthFailure.SignatureFailure"
        # Names and values in lower case, values trimmed (the documented canonical headers).
        headers = {k.lower(): v.strip().lower() for k, v in request.headers.items()}
        lines = "".join(f"{n}:{headers.get(n, '')}\n" for n in names)
        canonical = "\n".join(
            [
                request.command,
                request.path.split("?")[0] or "/",
                request.path.partition("?")[2],
                lines,
                signed,
                hashlib.sha256(body).hexdigest(),
            ]
        )
        if not hmac.compare_digest(signature(SECRET_KEY, date, stamp, canonical), given):
            return "AuthFailure.SignatureFailure"
        return None

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.in_outage():
            self.refuse("502", "Bad Gateway")
            return 502, {"content-type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>"
        problem = self.verify(request, body)
        if problem is not None:
            return self._error(problem, "The provided credentials could not be validated.")
        action, version = request.headers.get("X-TC-Action"), request.headers.get("X-TC-Version")
        if (action, version) != ("SendSms", "2021-01-11"):
            return self._error("InvalidAction", "The action does not exist in this version.")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self._error("InvalidParameter", "The body is not JSON.")
        if params.get("SmsSdkAppId") != APP_ID:
            return self._error(
                "FailedOperation.ForbidAddMarketingTemplates", "SmsSdkAppId is not this account's."
            )
        if self.take_throttle():
            return self._error("RequestLimitExceeded", "Your request frequency is too high.")
        statuses = [self._one(number, params) for number in params.get("PhoneNumberSet") or []]
        return self._answer({"SendStatusSet": statuses})

    def _one(self, number: str, params: dict[str, Any]) -> dict[str, Any]:
        def status(code: str, message: str, serial: str = "") -> dict[str, Any]:
            if code != "Ok":
                self.refuse(code, message)
            return {
                "SerialNo": serial,
                "PhoneNumber": number,
                "Fee": 1 if code == "Ok" else 0,
                "SessionContext": params.get("SessionContext", ""),
                "Code": code,
                "Message": message,
                "IsoCode": "CN" if number.startswith("+86") else "",
            }

        if not re.fullmatch(r"\+861[3-9]\d{9}|\+[2-9]\d{7,14}", number):
            return status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
        approved = self.templates.get(str(params.get("TemplateId", "")))
        if approved is None:
            return status("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        if params.get("SignName") != approved[0]:
            return status("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        values = params.get("TemplateParamSet") or []
        if len(values) != approved[1]:
            return status("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "参数个数与模板不符")
        serial = f"2433:{next(_serial):019d}"
        self.accept(
            Accepted(
                number,
                serial,
                str(params.get("SessionContext", "")),
                str(params["TemplateId"]),
                {"params": values},
            )
        )
        return status("Ok", "send success", serial)

    # --- what Tencent calls back ----------------------------------------------------------------------

    @staticmethod
    def report(
        item: Accepted, *, success: bool = True, errmsg: str = "DELIVRD", description: str | None = None
    ) -> list[dict[str, Any]]:
        """The status callback: a JSON array, one object per message."""
        now = datetime.now(UTC) + timedelta(hours=8)
        return [
            {
                "user_receive_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "nationcode": "86",
                "mobile": item.to.removeprefix("+86"),
                "report_status": "SUCCESS" if success else "FAIL",
                "errmsg": errmsg if success or errmsg != "DELIVRD" else "MK:0001",
                "description": description or ("用户短信送达成功" if success else "用户短信接收失败"),
                "sid": item.ref,
            }
        ]

    @staticmethod
    def reply(mobile: str, text: str, *, sign: str = "某银行") -> dict[str, Any]:
        """The reply callback: one JSON object per reply."""
        return {
            "extend": "",
            "mobile": mobile,
            "nationcode": "86",
            "sign": sign,
            "text": text,
            "time": int(time.time()),
        }
