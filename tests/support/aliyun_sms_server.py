"""A local Aliyun SMS (Dysmsapi 2017-05-25) for tests: SendSms as documented, its signature checked as
Aliyun checks it, its answers and error codes in Aliyun's shape, and the delivery report Aliyun pushes.

The signature (ACS3-HMAC-SHA256) is checked as Aliyun checks it by bench/acs3.py, written from Aliyun's
documentation, independently of the SDK under test.

SendSms answers HTTP 200 with {"Code": "OK", "Message": "OK", "BizId", "RequestId"} or a Code that names
the refusal: isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL,
isv.TEMPLATE_MISSING_PARAMETERS, isv.BUSINESS_LIMIT_CONTROL (throttled); a bad signature is HTTP 400
SignatureDoesNotMatch, an unknown key 404 InvalidAccessKeyId.NotFound, an outage 503 ServiceUnavailable.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bench.acs3 import Acs3
from tests.support.sms_server_base import Accepted, LocalProvider

KEY_ID = "LTAI5tLocalTestKey"
KEY_SECRET = "local-test-secret-aliyun"
_biz = itertools.count(900_619_746)


class AliyunSmsServer(LocalProvider):
    name = "aliyun"

    def __init__(self, templates: dict[str, tuple[str, tuple[str, ...]]] | None = None) -> None:
        """`templates`: the approved TemplateCode -> (its SignName, its variable names)."""
        super().__init__()
        self.templates = (
            templates if templates is not None else {"SMS_100001": ("某银行", ("name", "reference"))}
        )
        self.signature = Acs3(KEY_ID, KEY_SECRET)

    def _answer(self, status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body.setdefault("RequestId", str(uuid.uuid4()).upper())
        return status, {"content-type": "application/json;charset=utf-8"}, json.dumps(body).encode()

    def _refuse(self, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
        self.refuse(code, message)
        return self._answer(status, {"Code": code, "Message": message})

    def verify(self, request: BaseHTTPRequestHandler, body: bytes) -> str | None:
        """The signature error code, or None when the request is signed as Aliyun requires (bench/acs3.py)."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        return self.signature.refusal(request.command, request.path, headers, body)

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.in_outage():
            return self._refuse(
                503, "ServiceUnavailable", "The request has failed due to a temporary failure."
            )
        problem = self.verify(request, body)
        if problem == "InvalidAccessKeyId.NotFound":
            return self._refuse(404, problem, "Specified access key is not found.")
        if problem is not None:
            return self._refuse(400, problem, "Specified signature does not match our calculation.")
        if (request.headers.get("x-acs-action"), request.headers.get("x-acs-version")) != (
            "SendSms",
            "2017-05-25",
        ):
            return self._refuse(400, "InvalidAction.NotFound", "Specified api is not found.")
        query = dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))
        if self.take_throttle():
            return self._refuse(200, "isv.BUSINESS_LIMIT_CONTROL", "触发云通信流控限制")
        phone = query.get("PhoneNumbers", "")
        if not re.fullmatch(r"1[3-9]\d{9}|[2-9]\d{7,14}", phone):
            return self._refuse(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        approved = self.templates.get(query.get("TemplateCode", ""))
        if approved is None:
            return self._refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        sign_name, variables = approved
        if query.get("SignName") != sign_name:
            return self._refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return self._refuse(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not isinstance(params, dict) or any(v not in params for v in variables):
            return self._refuse(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        biz_id = f"{next(_biz)}^0"
        self.accept(Accepted(phone, biz_id, query.get("OutId", ""), query["TemplateCode"], dict(params)))
        return self._answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id})

    # --- what Aliyun pushes back ----------------------------------------------------------------------

    @staticmethod
    def report(
        item: Accepted, *, success: bool = True, err_code: str = "DELIVERED", err_msg: str | None = None
    ) -> list[dict[str, Any]]:
        """The SmsReport push (HTTP batch mode): a JSON array, one object per message."""
        now = datetime.now(UTC) + timedelta(hours=8)
        return [
            {
                "phone_number": item.to,
                "send_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "report_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "success": success,
                "err_code": err_code if success or err_code != "DELIVERED" else "MK:0001",
                "err_msg": err_msg or ("用户接收成功" if success else "用户接收失败"),
                "sms_size": "1",
                "biz_id": item.ref,
                "out_id": item.ours,
            }
        ]

    @staticmethod
    def reply(phone: str, text: str, *, sign_name: str = "某银行") -> list[dict[str, Any]]:
        """The SmsUp push (a reply from the phone): a JSON array, one object per reply."""
        now = datetime.now(UTC) + timedelta(hours=8)
        return [
            {
                "phone_number": phone,
                "send_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "content": text,
                "sign_name": sign_name,
                "dest_code": "1234",
                "sequence_id": 1234567,
            }
        ]
