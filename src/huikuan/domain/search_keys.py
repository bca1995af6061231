"""The keys a debtor is found by (issue 15 search), as pure computations: a name's normal form and its
pinyin, a phone's national digits and their last four.

A Chinese name has two or three characters, too few for a trigram index; so a name is found by an
ordinary index on its normal form (exact or prefix: NFKC, case-folded, without spaces or middle dots),
and a Chinese name also by its pinyin without tones ("zhangsan" or "zhang san" finds 张三). A phone is
found by an index on its last four digits, the full national number beside it. storage/search_keys.py
writes these keys; services/search.py reads a query with the same functions.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from pypinyin.pinyin_dict import pinyin_dict

PHONE_KINDS = ("mobile", "landline")
TAIL_DIGITS = 4
_DROPPED = frozenset("·•・.-'’_")
# Surnames whose reading as a surname is not the character's common one (pypinyin reads 单 as dan).
_SURNAMES = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "盖": "ge",
    "尉": "yu",
    "缪": "miao",
    "覃": "qin",
    "召": "shao",
    "长": "chang",
    "翟": "zhai",
    "黑": "he",
}


def has_han(text: str) -> bool:
    """Whether the text holds a Chinese character (CJK unified ideographs and extension A)."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def name_key(name: str | None) -> str | None:
    """张 三 -> 张三, ＺＨＡＮＧ San -> zhangsan, Müller -> müller: NFKC, case-folded, without spaces and
    middle dots; None for a blank name."""
    if not name:
        return None
    folded = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(ch for ch in folded if not ch.isspace() and ch not in _DROPPED)
    return key or None


def name_pinyin(name: str | None) -> str | None:
    """张三 -> zhangsan, 单雄信 -> shanxiongxin (a surname read as one); None for a name without Chinese
    characters (its normal form already serves). Each character by its first reading (pypinyin's
    dictionary), no phrase lookup: a name is no phrase, and a million names are read in seconds."""
    key = name_key(name)
    if key is None or not has_han(key):
        return None
    first = _SURNAMES.get(key[0]) or _syllable(key[0])
    return first + "".join(_syllable(ch) for ch in key[1:])


@cache
def _syllable(ch: str) -> str:
    readings = pinyin_dict.get(ord(ch))
    return pinyin_text(readings.split(",")[0]) if readings else pinyin_text(ch)


def pinyin_text(typed: str) -> str:
    """A typed pinyin in the form kept: lower-case letters only, ü as v ("Zhāng San" -> zhangsan,
    lǚ -> lv)."""
    folded = unicodedata.normalize("NFKD", typed.casefold()).replace("u\u0308", "v")
    return "".join(ch for ch in folded if "a" <= ch <= "z")


def national_digits(value: str | None) -> str | None:
    """The national significant number of a phone kept in E.164 (+8613812341234 -> 13812341234); the
    digits as they are for a number kept otherwise; None for a value without digits."""
    if not value:
        return None
    text = value.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return None
    if text.startswith("+"):
        for size in (1, 2, 3):
            if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE and len(digits) > size:
                return digits[size:]
    return digits


def typed_phone_digits(typed: str) -> str:
    """The digits to look for at the end of a phone's national digits, from what someone typed:
    +86 138-1234-1234, 0086 13812341234 and 138 1234 1234 all give 13812341234, 010-1234 5678 gives
    1012345678 (the trunk prefix dropped); a tail ("1234") stays as typed."""
    text = unicodedata.normalize("NFKC", typed).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) <= 6:
        return digits
    if text.startswith("+"):
        return national_digits("+" + digits) or digits
    if digits.startswith("00"):
        return national_digits("+" + digits[2:]) or digits
    return digits[1:] if digits.startswith("0") else digits


def last_four(digits: str | None) -> str | None:
    """The last four digits, or None when there are fewer."""
    if not digits or len(digits) < TAIL_DIGITS:
        return None
    return digits[-TAIL_DIGITS:]


__all__ = [
    "PHONE_KINDS",
    "TAIL_DIGITS",
    "has_han",
    "last_four",
    "name_key",
    "name_pinyin",
    "national_digits",
    "pinyin_text",
    "typed_phone_digits",
]
