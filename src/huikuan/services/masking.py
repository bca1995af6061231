"""Masking of personal data on screen: national IDs and contact values, partly hidden until revealed.

The case page (services/case_view.py) shows these masks; services/reveal.py gives the full value of one,
and audits it. A national ID's mask is a rule of the domain (domain/national_id.py), kept beside the
sealed ID when it is written, so that no page opens the ID to mask it.
"""

from __future__ import annotations

import phonenumbers

from huikuan.domain.national_id import mask_national_id

_STAR = "*"


def mask_phone(value: str) -> str:
    """+8613812341234 -> +86 138****1234: the calling code, the first three and the last four digits."""
    text = value.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 7:
        return _STAR * max(len(digits) - 2, 1) + digits[-2:]
    code = ""
    if text.startswith("+"):
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and parsed.country_code:
            code = f"+{parsed.country_code} "
            digits = digits[len(str(parsed.country_code)) :]
    head = digits[:3] if len(digits) >= 10 else digits[:2]
    return f"{code}{head}{_STAR * (len(digits) - len(head) - 4)}{digits[-4:]}"


def mask_email(value: str) -> str:
    """debtor1@example.com -> d***@example.com."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local:
        return mask_handle(value)
    return f"{local[0]}***@{domain}"


def mask_address(value: str) -> str:
    """The broad part stays (province and city of a Chinese address; the last two parts of a Western
    one, city and postal code), the street and number are hidden."""
    text = value.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        keep = min(6, len(text) // 2)
        return text[:keep] + _STAR * 4
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 3:
        return _STAR * 4 + ", " + ", ".join(parts[-2:])
    keep = len(text) // 3
    return _STAR * 4 + text[len(text) - keep :] if keep else _STAR * 4


def mask_handle(value: str) -> str:
    """A WeChat or QQ id: wx_12345 -> wx****45."""
    text = value.strip()
    if len(text) <= 4:
        return text[:1] + _STAR * 3
    return text[:2] + _STAR * 4 + text[-2:]


def mask_contact(kind: str, value: str) -> str:
    if kind in ("mobile", "landline"):
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    if kind == "address":
        return mask_address(value)
    return mask_handle(value)


__all__ = ["mask_address", "mask_contact", "mask_email", "mask_handle", "mask_national_id", "mask_phone"]
