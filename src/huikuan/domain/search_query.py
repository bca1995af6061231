"""What a search query asks for (issue 15): the kind of query, read from its form alone.

- letters only (Chinese or Latin): a name, by its prefix or its pinyin; also a contract number as typed;
- a name and four characters ("张三 1234"): that name with a national ID ending in them;
- a national ID's form (18 characters, digits and a final X): that ID;
- digits (with spaces, dashes, brackets, a leading +): a phone (whole, or its last four digits or
  more), a case id; 15 of them also a national ID of the old form (as 0086 and a mobile number);
- anything else with a digit (E12345678, LN-0001): a contract number or a national ID.

Every kind is also looked up as a contract number exactly as typed.

The kind, never the query, is what the audit log records.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from huikuan.domain.national_id import normalise_national_id
from huikuan.domain.search_keys import has_han, name_key

MAX_QUERY_CHARS = 100
CASE_ID_MAX_DIGITS = 12
_PRC_ID = re.compile(r"\d{17}[\dX]")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-()]+")
_NAME_AND_TAIL = re.compile(r"(?P<name>[^\d]+?)(?P<gap>\s*)(?P<tail>\d{3}[\dXx])")


class QueryKind(StrEnum):
    NAME = "name"
    NAME_ID = "name_id"
    NATIONAL_ID = "national_id"
    NUMBER = "number"
    REFERENCE = "reference"


@dataclass(frozen=True)
class SearchQuery:
    kind: QueryKind
    text: str  # the query as typed, NFKC-folded and stripped (a contract number is looked up as this)
    name: str | None = None  # the name's normal form (NAME, NAME_ID)
    tail: str | None = None  # the national ID's last four characters (NAME_ID)
    digits: str | None = None  # the digits typed (NUMBER)


def read_query(typed: str) -> SearchQuery | None:
    """The query's kind and parts; None for a blank query."""
    text = " ".join(unicodedata.normalize("NFKC", typed).split())[:MAX_QUERY_CHARS]
    if not text:
        return None
    compact = normalise_national_id(text)
    if _PRC_ID.fullmatch(compact):
        return SearchQuery(QueryKind.NATIONAL_ID, text)
    if _PHONE_LIKE.fullmatch(text):
        return SearchQuery(QueryKind.NUMBER, text, digits="".join(ch for ch in text if ch.isdigit()))
    named = _NAME_AND_TAIL.fullmatch(text)
    if named and name_key(named["name"]) and (named["gap"] or has_han(named["name"])):
        return SearchQuery(QueryKind.NAME_ID, text, name=name_key(named["name"]), tail=named["tail"].upper())
    if not any(ch.isdigit() for ch in text):
        key = name_key(text)
        return SearchQuery(QueryKind.NAME, text, name=key) if key else None
    return SearchQuery(QueryKind.REFERENCE, text)


__all__ = ["CASE_ID_MAX_DIGITS", "MAX_QUERY_CHARS", "QueryKind", "SearchQuery", "read_query"]
