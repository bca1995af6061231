"""The errors the outbox job stores in messages.error, as msgids: shown again in the reader's language."""

from __future__ import annotations

import re

from huikuan.channels.sms.templated import MISSING_PARAM_ERROR, NO_TEMPLATE_ERROR
from huikuan.i18n import gettext
from huikuan.services.fact_effects import CANCELLED_ERROR
from huikuan.services.outbox_delivery import HOLD_ERROR
from huikuan.services.outbox_job import ACCOUNT_ENDED_ERROR, PLAN_REFUSED_ERROR

# The texts dispatch_due stores in messages.error, as msgids: shown again in the reader's language.
STORED_ERRORS = (
    HOLD_ERROR,
    CANCELLED_ERROR,
    ACCOUNT_ENDED_ERROR,
    PLAN_REFUSED_ERROR,
    "SMS provider not reachable: {reason}",
    "SMS provider answered {status}: {reason}",
    "SMS provider refused the message ({status}): {reason}",
    "mail server refused the recipient: {reason}",
    "mail server refused the login: {reason}",
    "mail server refused the message: {reason}",
    "mail server answered: {reason}",
    "mail server not reachable: {reason}",
    "the return address would show {words} through the envelope window",
    "cannot write the letter: {reason}",
    "No font for letters: install the fonts-wqy-microhei package (it puts {file} in place)",
    "the provider reports {status}: {reason}",
    "the provider reports {status}",
    NO_TEMPLATE_ERROR,
    MISSING_PARAM_ERROR,
    # WeChat (channels/wechat/transport.py)
    "no active WeChat binding for this recipient",
    "no WeChat template message is set up for this creditor",
    "WeChat: the person no longer follows the account ({code})",
    "WeChat: not an openid of this account ({code})",
    "WeChat refused the message ({code}): {reason}",
    "WeChat answered {code}: {reason}",
    "WeChat not reachable: {reason}",
    "WeChat refused the account's credentials ({code}): {reason}",
)


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


_STORED = [(msgid, _pattern(msgid)) for msgid in STORED_ERRORS]


def describe_error(text: str | None, locale: str) -> str:
    """A stored error in the reader's language (the provider's own words stay as they were)."""
    if not text:
        return ""
    for msgid, pattern in _STORED:
        found = pattern.match(text)
        if found:
            return gettext(msgid, locale, **found.groupdict())
    return text
