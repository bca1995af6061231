"""A national ID as a value: its normal form, whether it is a PRC resident ID, the birth date it holds,
and what of it may be shown without a reveal.

A PRC resident ID is 6 digits of region, 8 of birth date (6 in the old 15-digit form), 3 of sequence
(odd for men) and a check character. Whoever knows a person's region (from the address) and age would
rebuild the ID from a mask that shows its last four characters: the sequence and the check leave about
30 candidates once region and age are known. So a PRC ID shows only its region; with the age in whole
years beside it, about 365 days x 500 sequences remain (tests/integration/test_id_enumeration.py counts
them). Any other ID (a passport, a Hong Kong ID) holds no birth date and keeps its last characters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_STAR = "*"
_PRC_18 = re.compile(r"\d{17}[\dX]")
_PRC_15 = re.compile(r"\d{15}")
# Digits only (a final X allowed): a PRC ID, or a number so like one that it is masked as one.
_ID_NUMBER = re.compile(r"\d{11,}[\dX]")
REGION_DIGITS = 6


def normalise_national_id(value: str) -> str:
    """The form IDs are compared in: full-width characters folded, spaces dropped, letters upper-cased
    (`11010119800101123x` and `110101 19800101 123X` are the same ID)."""
    folded = value if value.isascii() else unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def is_prc_id(value: str) -> bool:
    """An 18-character PRC resident ID (check character not verified here) or a 15-digit legacy one."""
    text = normalise_national_id(value)
    return bool(_PRC_18.fullmatch(text) or _PRC_15.fullmatch(text))


def mask_national_id(value: str | None) -> str:
    """110101198001011234 -> 110101************: a PRC ID (or any long number) keeps only its region.
    E12345678 -> E******78: another kind of ID keeps its last characters, as before."""
    if not value:
        return ""
    text = normalise_national_id(value)
    n = len(text)
    if _ID_NUMBER.fullmatch(text):
        return text[:REGION_DIGITS] + _STAR * (n - REGION_DIGITS)
    if n >= 12:
        return text[:6] + _STAR * (n - 10) + text[-4:]
    if n > 4:
        return text[:1] + _STAR * (n - 3) + text[-2:]
    return _STAR * n


def prc_birth_date(value: str | None) -> date | None:
    """The birth date a PRC resident ID holds (19YYMMDD in the 15-digit form); None for another ID."""
    if not value:
        return None
    text = normalise_national_id(value)
    if _PRC_18.fullmatch(text):
        y, m, d = text[6:10], text[10:12], text[12:14]
    elif _PRC_15.fullmatch(text):
        y, m, d = "19" + text[6:8], text[8:10], text[10:12]
    else:
        return None
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def age_on(birth: date | None, today: date) -> int | None:
    """Whole years from `birth` to `today` (None when the birth date is unknown)."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


__all__ = ["age_on", "is_prc_id", "mask_national_id", "normalise_national_id", "prc_birth_date"]


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def prc_id(region_code: str, birth: date, sequence: int) -> str:
    """An 18-character resident ID with its ISO 7064 MOD 11-2 check character (odd sequence: male)."""
    body = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
