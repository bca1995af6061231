"""Whether a text mentions suit: a message or script about a time-barred debt must not (12 CFR 1006.26(b):
no suit and no threat of suit on a time-barred debt; the same protective reading in every pack).

The words are those of a threat of legal action in English and Chinese; "suit" alone is not one of them
("when would suit you?").
"""

from __future__ import annotations

import re

_EN = re.compile(
    r"\b(law ?suits?|sue|sues|sued|suing|court|courts|legal action|legal proceedings|litigation|"
    r"judge?ments?|garnish\w*|attach(?:ment)? of (?:wages|earnings))\b",
    re.IGNORECASE,
)
_ZH = re.compile(r"起诉|诉讼|法院|仲裁|法律行动|法律程序|司法|强制执行|判决")


def mentions_suit(text: str) -> bool:
    return bool(_EN.search(text) or _ZH.search(text))


__all__ = ["mentions_suit"]
