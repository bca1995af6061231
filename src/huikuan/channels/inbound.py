"""What a provider hands back to us: a reply from a person (an SMS, an e-mail, a WeChat message) in one
shape, whichever provider carried it. Each adapter (the generic SMS webhook, Aliyun, Tencent, Twilio,
WeChat, the e-mail webhook) turns its own callback into an `Inbound` and hands it to
services/inbound.receive; a bounce or an invalid-number report goes to services/inbound.mark_bounce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

INBOUND_CHANNELS = ("sms", "email", "wechat")


@dataclass(frozen=True)
class Inbound:
    """One message a person sent us.

    channel: "sms", "email" or "wechat"; sender: an E.164 phone number (sms), an e-mail address (email)
    or an openid (wechat); to: our number, address or official account it was sent to; text: what the
    person wrote (an e-mail's plain text, without the quoted message when the provider strips it);
    received_at: when the provider received it (aware, UTC); provider: who carried it ("http", "aliyun",
    "tencent", "twilio", "wechat", "email"); provider_ref: the provider's id of the message, which makes a
    replay of the same callback harmless (None: the message is never recognised as a replay).
    """

    channel: str
    sender: str
    to: str
    text: str
    received_at: datetime
    provider: str
    provider_ref: str | None = None
    subject: str = ""  # an e-mail's subject
    in_reply_to: str | None = None  # an e-mail's In-Reply-To (the Message-ID of ours it answers)
