"""What a provider hands back to us: a reply from a person (an SMS, an e-mail, a WeChat message) in one
shape, whichever provider carried it. Each adapter (the generic SMS webhook, Aliyun, Tencent, Twilio,
WeChat, the e-mail webhook) turns its own callback into an `Inbound` and hands it to
services/inbound.receive; a bounce or an invalid-number report goes to services/inbound.mark_bounce.
"""

from __future__ import annotations

import unicodedata
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


# The words that opt out, compared with the whole reply once it is folded (`folded`): the Chinese
# carriers' TD / T / N and 退订, the US carriers' and CTIA's standard STOP words, and their plain variants.
# A reply that says more than the keyword ("stop calling me at work") is a reply a collector reads.
OPT_OUT_KEYWORDS = frozenset(
    {
        "TD",
        "T",
        "N",
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "OPT OUT",
        "REVOKE",
        "退订",
        "退定",
        "取消",
        "退出",
        "取消订阅",
        "不要再发",
    }
)
# Punctuation a phone keyboard adds at the end of a word ("TD." "退订。").
_TRAILING = ".,!?;:。，！？；：~～ \t\r\n\u3000\"'“”‘’"


def folded(text: str) -> str:
    """The text as keywords are compared: full-width letters made ASCII (NFKC), upper-case, runs of space
    made one, and the surrounding space and punctuation dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(text.split()).strip(_TRAILING).upper()


def unquoted(text: str) -> str:
    """An e-mail reply without the lines it quotes (those starting with ">") and what follows the usual
    "On ... wrote:" / "-----Original Message-----" separator."""
    kept = []
    for line in (text or "").splitlines():
        bare = line.strip()
        if bare.startswith("-----") or (bare.endswith("wrote:") and bare.startswith("On ")):
            break
        if bare.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def is_opt_out(message: Inbound) -> bool:
    """Whether the message asks to stop this channel: its whole text (an e-mail's own words, without what
    it quotes; an e-mail with no words of its own: its subject) is one of OPT_OUT_KEYWORDS."""
    text = unquoted(message.text) if message.channel == "email" else message.text
    if folded(text) in OPT_OUT_KEYWORDS:
        return True
    return message.channel == "email" and not folded(text) and _subject(message.subject) in OPT_OUT_KEYWORDS


def _subject(subject: str) -> str:
    words = folded(subject)
    while words[:3] in ("RE:", "AW:", "FW:") or words[:4] == "FWD:":
        words = folded(words.split(":", 1)[1])
    return words
