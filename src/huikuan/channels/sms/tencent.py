"""Tencent Cloud SMS (SendSms, API 2021-01-11) through Tencent's SDK, which signs each request
(TC3-HMAC-SHA256).

A message goes out as the creditor's approved template (TemplateId) under its approved signature
(SignName) from the account's application (SmsSdkAppId), its variables as TemplateParamSet (a list, in the
template's order), our message id as SessionContext. Tencent answers with a SendStatusSet, one entry per
number: Code "Ok" and a SerialNo (our provider reference, quoted by delivery reports), or a Code that names
the refusal (cloud.tencent.com/document/api/382/55981, error codes):
- LimitExceeded.*, RequestLimitExceeded, InternalError.*, a ServerNetworkError (HTTP 5xx) or no connection
  are transient: the outbox tries again later;
- every other Code (InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.TemplateIncorrectOrUnapproved,
  FailedOperation.SignatureIncorrectOrUnapproved, AuthFailure.SignatureFailure ...) refuses for good.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from huikuan.channels.base import DefinitiveFailure, InvalidRecipient, Outgoing, Receipt, TransientFailure
from huikuan.channels.sms.invalid import invalid_on_send
from huikuan.channels.sms.limits import TokenBucket
from huikuan.channels.sms.templated import approved, values

PROVIDER = "tencent"
ENDPOINT = "sms.tencentcloudapi.com"
TIMEOUT_S = 10


def transient_code(code: str) -> bool:
    return code.startswith(
        ("LimitExceeded", "RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError")
    )


class TencentSms:
    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        app_id: str,
        *,
        region: str = "ap-guangzhou",
        endpoint: str | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        http = HttpProfile(endpoint=ENDPOINT, reqTimeout=TIMEOUT_S)
        if endpoint:  # another address: http://host:port (a local server)
            parts = urlsplit(endpoint if "//" in endpoint else f"https://{endpoint}")
            http = HttpProfile(protocol=parts.scheme, endpoint=parts.netloc, reqTimeout=TIMEOUT_S)
        self.client = SmsClient(
            Credential(secret_id, secret_key),
            region,
            ClientProfile(httpProfile=http, signMethod="TC3-HMAC-SHA256"),
        )
        self.app_id = app_id
        self.bucket = bucket

    def send(self, message: Outgoing) -> Receipt:
        template = approved(message, PROVIDER)
        request = SendSmsRequest()
        request.PhoneNumberSet = [message.to]
        request.SmsSdkAppId = self.app_id
        request.TemplateId = template.code
        request.SignName = template.sign_name
        request.TemplateParamSet = [value for _name, value in values(message, template, PROVIDER)]
        request.SessionContext = str(message.id)
        if self.bucket is not None:
            self.bucket.take()
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            reason = f"{code}: {exc.get_message()}"[:300]
            if transient_code(code):
                raise TransientFailure(
                    "SMS provider answered {status}: {reason}", status=code, reason=reason
                ) from None
            raise _refusal(code)(
                "SMS provider refused the message ({status}): {reason}", status=code, reason=reason
            ) from None
        except OSError as exc:
            raise TransientFailure(
                "SMS provider not reachable: {reason}", reason=str(exc)[:300] or type(exc).__name__
            ) from None
        (status,) = response.SendStatusSet or [None]
        code = str(status.Code or "") if status is not None else "NoSendStatus"
        if code == "Ok":
            return Receipt(provider_ref=status.SerialNo)
        reason = f"{code}: {status.Message if status is not None else ''}"[:300]
        if transient_code(code):
            raise TransientFailure("SMS provider answered {status}: {reason}", status=code, reason=reason)
        raise _refusal(code)(
            "SMS provider refused the message ({status}): {reason}", status=code, reason=reason
        )


def _refusal(code: str) -> type[DefinitiveFailure]:
    """A refusal for good; InvalidRecipient when Tencent says the number is bad (channels/sms/invalid.py)."""
    return InvalidRecipient if invalid_on_send(PROVIDER, code) else DefinitiveFailure
