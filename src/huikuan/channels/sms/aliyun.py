"""Aliyun SMS (Dysmsapi 2017-05-25 SendSms) through Aliyun's SDK, which signs each request (ACS3-HMAC-SHA256).

A message goes out as the creditor's approved template (TemplateCode) under its approved signature
(SignName), its variables as the TemplateParam JSON object, our message id as OutId (delivery reports
quote it with the BizId, our provider reference). Aliyun answers HTTP 200 with Code "OK", or a Code that
names the refusal (help.aliyun.com, SendSms error codes):
- throttling (isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL, Throttling.*), Aliyun's own faults (isp.*),
  HTTP 5xx and no connection are transient: the outbox tries again later;
- every other Code (isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL,
  isv.AMOUNT_NOT_ENOUGH, SignatureDoesNotMatch ...) refuses the message for good, in Aliyun's words.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions

from huikuan.channels.base import DefinitiveFailure, InvalidRecipient, Outgoing, Receipt, TransientFailure
from huikuan.channels.sms.invalid import invalid_on_send
from huikuan.channels.sms.limits import TokenBucket
from huikuan.channels.sms.templated import approved, values

PROVIDER = "aliyun"
ENDPOINT = "dysmsapi.aliyuncs.com"
TIMEOUT_MS = 10_000
TRANSIENT_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.OUT_OF_SERVICE"})


def transient_code(code: str) -> bool:
    return code in TRANSIENT_CODES or code.startswith(("isp.", "Throttling", "ServiceUnavailable"))


def phone_number(e164: str) -> str:
    """Aliyun's form: a mainland number without +86, any other with its country code and no +."""
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


class AliyunSms:
    def __init__(
        self, key_id: str, key_secret: str, *, endpoint: str | None = None, bucket: TokenBucket | None = None
    ) -> None:
        config = Config(access_key_id=key_id, access_key_secret=key_secret, endpoint=ENDPOINT)
        if endpoint:  # another address: http://host:port (a local server) or a regional host name
            parts = urlsplit(endpoint if "//" in endpoint else f"https://{endpoint}")
            config.endpoint = parts.netloc
            config.protocol = parts.scheme
        config.read_timeout = config.connect_timeout = TIMEOUT_MS
        self.client = Client(config)
        self.bucket = bucket

    def send(self, message: Outgoing) -> Receipt:
        template = approved(message, PROVIDER)
        request = SendSmsRequest(
            phone_numbers=phone_number(message.to),
            sign_name=template.sign_name,
            template_code=template.code,
            template_param=json.dumps(dict(values(message, template, PROVIDER)), ensure_ascii=False),
            out_id=str(message.id),
        )
        if self.bucket is not None:
            self.bucket.take()
        try:
            body = self.client.send_sms_with_options(request, RuntimeOptions()).body
        except ResponseException as exc:
            code, status = str(getattr(exc, "code", "") or ""), int(getattr(exc, "status_code", 0) or 0)
            reason = f"{code}: {getattr(exc, 'message', '') or exc}"[:300]
            if status >= 500 or status == 429 or transient_code(code):
                raise TransientFailure(
                    "SMS provider answered {status}: {reason}", status=status, reason=reason
                ) from None
            raise _refusal(code)(
                "SMS provider refused the message ({status}): {reason}", status=status, reason=reason
            ) from None
        except (UnretryableException, OSError) as exc:
            # The class of the network fault only: the SDK's text quotes the URL, phone number included.
            inner = getattr(exc, "inner_exception", None) or exc
            raise TransientFailure(
                "SMS provider not reachable: {reason}", reason=type(inner).__name__
            ) from None
        code = body.code or ""
        if code == "OK":
            return Receipt(provider_ref=body.biz_id)
        reason = f"{code}: {body.message or ''}"[:300]
        if transient_code(code):
            raise TransientFailure("SMS provider answered {status}: {reason}", status=200, reason=reason)
        raise _refusal(code)(
            "SMS provider refused the message ({status}): {reason}", status=200, reason=reason
        )


def _refusal(code: str) -> type[DefinitiveFailure]:
    """A refusal for good; InvalidRecipient when Aliyun says the number is bad (channels/sms/invalid.py)."""
    return InvalidRecipient if invalid_on_send(PROVIDER, code) else DefinitiveFailure
