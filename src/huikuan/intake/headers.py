"""Which source column is which canonical field: the built-in alias table (intake/header_aliases.py) and a
creditor's mapping.

Headers are compared after NFKC (full width -> half width), lower-casing and removing spaces, `_`,
`-`, `*`, `:` and `.`; a unit in brackets ("欠款金额(元)") is tried away if the whole does not match.
Emergency contacts may repeat: "紧急联系人2", "联系人2电话", `contact3_name`, or the same three
headers twice in a row, become `contact2_*`, `contact3_*`...
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from huikuan.intake.errors import MappingError
from huikuan.intake.header_aliases import PAYMENT_ALIASES, PLACEMENT_ALIASES, RECALL_ALIASES

Kind = Literal["placement", "payments", "recalls"]

PLACEMENT_FIELDS: tuple[str, ...] = (
    "external_ref",
    "product",
    "debtor_name",
    "national_id",
    "phones",
    "email",
    "address",
    "employer",
    "employer_address",
    "principal",
    "interest",
    "fees",
    "balance",
    "currency",
    "overdue_since",
    "dpd",
    "last_payment_date",
    "last_payment_amount",
    "charge_off_date",
    "annual_rate",
    "contract_date",
    "original_creditor",
    "guarantor_name",
    "guarantor_phone",
    "guarantor_national_id",
    "co_borrower_name",
    "co_borrower_phone",
    "contact_name",
    "contact_phone",
    "contact_relation",
    "bankrupt",
    "deceased",
    "attorney",
    "cease",
    "dispute",
)
PLACEMENT_REQUIRED: tuple[str, ...] = ("external_ref", "debtor_name", "balance")

PAYMENT_FIELDS: tuple[str, ...] = ("payment_ref", "external_ref", "amount", "paid_at", "method", "currency")
PAYMENT_REQUIRED: tuple[str, ...] = ("payment_ref", "external_ref", "amount", "paid_at")

# A recall or closure file: the account, why, and what becomes of it (recall, the default, or close).
RECALL_FIELDS: tuple[str, ...] = ("external_ref", "reason", "action", "recalled_on")
RECALL_REQUIRED: tuple[str, ...] = ("external_ref", "reason")

# A mapping file may send a header nowhere on purpose.
IGNORE = "ignore"

# Fields that may be fed by several source columns: phones are merged, interest and fees are added up.
MULTI_SOURCE: frozenset[str] = frozenset({"phones", "interest", "fees"})

CONTACT_PARTS: tuple[str, ...] = ("name", "phone", "relation")

_STRIP = re.compile(r"[\s_\-*:.'\"]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_DIGITS = re.compile(r"\d+")
_CONTACT_FIELD = re.compile(r"^contact(\d*)_(name|phone|relation)$")


def normalise_header(text: str) -> str:
    """The comparable form of a header: NFKC, lower case, without spaces, `_`, `-`, `*`, `:`, `.`."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).lower())


def _without_unit(key: str) -> str:
    return _BRACKETS.sub("", key)


def _index(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in names:
            index.setdefault(normalise_header(name), canonical)
    return index


_PLACEMENT_INDEX = _index(PLACEMENT_ALIASES)
_PAYMENT_INDEX = _index(PAYMENT_ALIASES)
_RECALL_INDEX = _index(RECALL_ALIASES)
_FIELDS: dict[str, tuple[str, ...]] = {
    "placement": PLACEMENT_FIELDS,
    "payments": PAYMENT_FIELDS,
    "recalls": RECALL_FIELDS,
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "placement": PLACEMENT_REQUIRED,
    "payments": PAYMENT_REQUIRED,
    "recalls": RECALL_REQUIRED,
}
_INDEXES = {"placement": _PLACEMENT_INDEX, "payments": _PAYMENT_INDEX, "recalls": _RECALL_INDEX}


def fields_of(kind: Kind) -> tuple[str, ...]:
    return _FIELDS[kind]


def required_of(kind: Kind) -> tuple[str, ...]:
    return _REQUIRED[kind]


def is_field(name: str, kind: Kind | None = None) -> bool:
    """Whether `name` is a canonical field of `kind` (of either kind if None), `contactN_*` included."""
    kinds: tuple[Kind, ...] = ("placement", "payments", "recalls") if kind is None else (kind,)
    for k in kinds:
        if name in fields_of(k):
            return True
        if k == "placement" and _CONTACT_FIELD.match(name):
            return True
    return False


def contact_field(n: int, part: str) -> str:
    """`contact_name` for the first contact, `contact2_name` for the second..."""
    return f"contact_{part}" if n <= 1 else f"contact{n}_{part}"


def _match_alias(key: str, kind: Kind) -> tuple[str, int | None] | None:
    """(canonical, contact number or None) for a normalised header, or None."""
    index = _INDEXES[kind]
    for candidate in dict.fromkeys((key, _without_unit(key))):
        if not candidate:
            continue
        if candidate in index:
            return index[candidate], None
        digits = _DIGITS.search(candidate)
        if kind == "placement" and digits:
            # "紧急联系人2", "联系人2电话", "contact3_name", "手机号2"
            canonical = index.get(candidate[: digits.start()] + candidate[digits.end() :])
            if canonical is not None and canonical.startswith("contact_"):
                return canonical, int(digits.group())
            if canonical in MULTI_SOURCE:
                return canonical, None
    return None


@dataclass
class Resolution:
    """How the columns of one file map onto canonical fields."""

    # canonical field -> source column positions (several only for MULTI_SOURCE fields)
    sources: dict[str, list[int]] = field(default_factory=dict)
    # source header as shown in the report -> canonical field
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def missing(self, kind: Kind) -> list[str]:
        return [f for f in required_of(kind) if f not in self.sources]


def display_headers(headers: Sequence[str | None]) -> list[str]:
    """Headers as the report names them: trimmed, a blank one as "(column F)", a repeat as "关系 #2"."""
    seen: dict[str, int] = {}
    shown: list[str] = []
    for position, header in enumerate(headers):
        text = (header or "").strip()
        if not text:
            text = f"(column {column_letter(position)})"
        seen[text] = seen.get(text, 0) + 1
        shown.append(text if seen[text] == 1 else f"{text} #{seen[text]}")
    return shown


def column_letter(position: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name for a column."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _normalised_mapping(mapping: Mapping[str, str] | None, kind: Kind) -> dict[str, str]:
    if not mapping:
        return {}
    result: dict[str, str] = {}
    for source, target in mapping.items():
        target = target.strip()
        if target != IGNORE and not is_field(target):
            raise MappingError(f"the mapping sends {source!r} to {target!r}, which is not a canonical field")
        # A target of the other kind of file (a payments field in a placement) does not apply here.
        if target == IGNORE or is_field(target, kind):
            result[normalise_header(source)] = target
    return result


def resolve(
    headers: Sequence[str | None], kind: Kind, mapping: Mapping[str, str] | None = None
) -> Resolution:
    """Map each source header onto a canonical field; a field taken twice keeps the first column."""
    shown = display_headers(headers)
    own = _normalised_mapping(mapping, kind)
    res = Resolution()
    contacts_taken: dict[str, set[int]] = {part: set() for part in CONTACT_PARTS}
    for position, header in enumerate(headers):
        key = normalise_header(header or "")
        target: str | None = None
        if key and (key in own or _without_unit(key) in own):
            target = own.get(key) or own[_without_unit(key)]
        elif key:
            matched = _match_alias(key, kind)
            if matched is not None:
                canonical, number = matched
                if canonical.startswith("contact_"):
                    part = canonical.removeprefix("contact_")
                    if number is None:
                        # An unnumbered repeat of a contact header is the next contact.
                        number = 1
                        while number in contacts_taken[part]:
                            number += 1
                    target = contact_field(number, part)
                else:
                    target = canonical
        if target is not None and target != IGNORE:
            numbered = _CONTACT_FIELD.match(target)
            if numbered:
                contacts_taken[numbered.group(2)].add(int(numbered.group(1) or 1))
        if target is None or target == IGNORE or (target in res.sources and target not in MULTI_SOURCE):
            res.ignored.append(shown[position])
            continue
        res.sources.setdefault(target, []).append(position)
        res.columns[shown[position]] = target
    return res


def header_score(cells: Sequence[str | None], kind: Kind, mapping: Mapping[str, str] | None = None) -> int:
    """How many distinct canonical fields a row names: the header is the row that names most."""
    res = resolve(cells, kind, mapping)
    return len(res.sources)


def load_mapping(path: Path) -> dict[str, str]:
    """A creditor's mapping file: TOML lines `"客户编号" = "external_ref"` (or `= "ignore"`)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"cannot read the mapping file {str(path)!r}: {exc}") from exc
    mapping: dict[str, str] = {}
    for source, target in data.items():
        if not isinstance(target, str):
            raise MappingError(
                f"the mapping file {str(path)!r} gives {source!r} a {type(target).__name__}; "
                'each line must read "source header" = "canonical_field"'
            )
        target = target.strip()
        if target != IGNORE and not is_field(target):
            raise MappingError(
                f"the mapping file {str(path)!r} sends {source!r} to {target!r}, which is not a canonical "
                f"field (known: {', '.join(PLACEMENT_FIELDS + PAYMENT_FIELDS[:1] + PAYMENT_FIELDS[2:])})"
            )
        mapping[source] = target
    return mapping
