"""What the SMS providers post back, read into our shapes: delivery reports (`Report`, applied by
services/delivery_reports.mark_delivered) and replies (channels/inbound.Inbound, handed to services/inbound).

- Aliyun: the SmsReport push is a JSON array of {phone_number, send_time, report_time, success, err_code,
  err_msg, sms_size, biz_id, out_id}; the SmsUp push (replies) a JSON array of {phone_number, send_time,
  content, sign_name, dest_code, sequence_id}. Times are Beijing time. Aliyun signs neither.
- Tencent Cloud: the status callback is a JSON array of {user_receive_time, nationcode, mobile,
  report_status (SUCCESS/FAIL), errmsg, description, sid}; the reply callback one JSON object {extend,
  mobile, nationcode, sign, text, time (Unix seconds)}. Tencent signs neither.
- Twilio: form posts: the StatusCallback {MessageSid, MessageStatus, ErrorCode, To, ...} and the incoming
  message webhook {MessageSid, From, To, Body, ...}, both signed with X-Twilio-Signature (checked by the
  route before these parsers run).
A body that is not in the provider's shape raises InvalidInput.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.channels.inbound import Inbound
from huikuan.channels.sms.invalid import invalid_in_report
from huikuan.errors import InvalidInput

BEIJING = ZoneInfo("Asia/Shanghai")
# Twilio's message statuses as the outbox knows them; the others (queued, sending, sent ...) change nothing.
_TWILIO = {"delivered": "delivered", "read": "delivered", "undelivered": "undelivered", "failed": "failed"}


@dataclass(frozen=True)
class Report:
    """A delivery report: the provider's id of our message, its status as mark_delivered knows it
    (delivered, failed, undelivered, sent), the provider's reason when it failed, and whether that reason
    is a bad number."""

    provider_ref: str
    status: str
    error: str | None = None
    # The report says the number itself is bad (channels/sms/invalid.py): its contact points are marked.
    invalid: bool = False


def _items(data: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise InvalidInput("The {what} is not a JSON array of objects", what=what)
    return data


def _field(item: dict[str, Any], name: str, what: str) -> str:
    value = item.get(name)
    if value is None or str(value) == "":
        raise InvalidInput("The {what} has no {field}", what=what, field=name)
    return str(value)


def e164(number: str, country: str = "86") -> str:
    """A provider's number as E.164: +<country><number> unless it already carries its country."""
    digits = number.strip().replace(" ", "")
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return f"+{country}{digits}"


def beijing(text: str | None, default: datetime) -> datetime:
    """A provider's "YYYY-MM-DD HH:MM:SS" in Beijing time, as UTC; `default` when absent or unreadable."""
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(UTC)
    except ValueError:
        return default


def aliyun_reports(data: Any) -> list[Report]:
    what = "Aliyun SmsReport"
    out = []
    for item in _items(data, what):
        ok = item.get("success") in (True, "true", "True")
        code, text = str(item.get("err_code") or ""), str(item.get("err_msg") or "")
        error = None if ok else f"{code} {text}".strip()
        invalid = not ok and invalid_in_report("aliyun", code, text)
        out.append(
            Report(_field(item, "biz_id", what), "delivered" if ok else "failed", error or None, invalid)
        )
    return out


def tencent_reports(data: Any) -> list[Report]:
    what = "Tencent status callback"
    out = []
    for item in _items(data, what):
        ok = str(item.get("report_status", "")).upper() == "SUCCESS"
        code, text = str(item.get("errmsg") or ""), str(item.get("description") or "")
        error = None if ok else f"{code} {text}".strip()
        invalid = not ok and invalid_in_report("tencent", code, text)
        out.append(Report(_field(item, "sid", what), "delivered" if ok else "failed", error or None, invalid))
    return out


def twilio_reports(form: dict[str, str]) -> list[Report]:
    what = "Twilio status callback"
    sid = _field(form, "MessageSid", what)
    status = _field(form, "MessageStatus", what).lower()
    code = form.get("ErrorCode") or None
    known = _TWILIO.get(status, "sent")
    invalid = known in ("failed", "undelivered") and invalid_in_report("twilio", code)
    return [Report(sid, known, f"error {code}" if code else None, invalid)]


def aliyun_replies(data: Any, now: datetime) -> list[Inbound]:
    what = "Aliyun SmsUp"
    return [
        Inbound(
            channel="sms",
            sender=e164(_field(item, "phone_number", what)),
            to=str(item.get("dest_code") or ""),
            text=str(item.get("content") or ""),
            received_at=beijing(item.get("send_time"), now),
            provider="aliyun",
            provider_ref=f"{item['sequence_id']}" if item.get("sequence_id") is not None else None,
        )
        for item in _items(data, what)
    ]


def tencent_replies(data: Any, now: datetime) -> list[Inbound]:
    what = "Tencent reply callback"
    items = data if isinstance(data, list) else [data]
    out = []
    for item in _items(items, what):
        sender = e164(_field(item, "mobile", what), str(item.get("nationcode") or "86"))
        stamp = item.get("time")
        at = datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int | float) else now
        # Tencent gives the reply no id of its own: the number and second it came at stand for one.
        ref = f"{sender}@{int(stamp)}" if isinstance(stamp, int | float) else None
        text = str(item.get("text") or "")
        out.append(Inbound("sms", sender, str(item.get("extend") or ""), text, at, "tencent", ref))
    return out


def twilio_replies(form: dict[str, str], now: datetime) -> list[Inbound]:
    what = "Twilio incoming message"
    return [
        Inbound(
            channel="sms",
            sender=_field(form, "From", what),
            to=form.get("To", ""),
            text=form.get("Body", ""),
            received_at=now,
            provider="twilio",
            provider_ref=_field(form, "MessageSid", what),
        )
    ]
