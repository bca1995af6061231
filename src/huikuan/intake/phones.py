"""Phone numbers to E.164, marked mobile or landline, several to a cell.

A cell may hold several numbers separated by `;` `,` `、` `/` `|`, new lines or spaces. Each number is
read with the creditor's region as default. The common case is settled without phonenumbers: the
region's own metadata patterns (mobile, fixed line, and the other types to stay clear of) are
applied as Polars regexes to the national number, with the `+CC`, `00CC`, bare `CC` and national
prefix forms that phonenumbers would strip the same way. What the fast path cannot settle goes to
phonenumbers, once per distinct text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberDesc, PhoneNumberType

from huikuan.intake.values import constant

MOBILE = "mobile"
LANDLINE = "landline"

# Number types that reach a handset (a fixed-line-or-mobile number is treated as one: the safe side).
_MOBILE_TYPES = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.PAGER,
        PhoneNumberType.PERSONAL_NUMBER,
    }
)

_SEPARATORS = r"[;,、/|\n\r]+"
_PUNCTUATION = r"[\s\-().\[\]]"


def check_region(region: str) -> str:
    """The creditor's ISO country, upper-cased; ValueError if phonenumbers does not know it."""
    from huikuan.errors import InvalidInput

    upper = region.strip().upper()
    if upper not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput("{region!r} is not a region phone numbers can be read for", region=region)
    return upper


# --- the fast path ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Desc:
    pattern: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class _Rules:
    cc: str
    general: _Desc
    mobile: _Desc | None
    fixed: _Desc | None
    others: tuple[_Desc, ...]
    national_prefix: str | None
    prefix_for_parsing: str | None
    international_00: bool


def _desc(d: PhoneNumberDesc | None) -> _Desc | None:
    if d is None or not d.national_number_pattern:
        return None
    lengths = tuple(x for x in (d.possible_length or ()) if x > 0)
    return _Desc(f"^(?:{d.national_number_pattern})$", lengths)


@cache
def _rules(region: str) -> _Rules | None:
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or md.national_prefix_transform_rule:
        return None
    if md.country_code is None or phonenumbers.region_code_for_country_code(md.country_code) != region:
        return None  # the fast path only speaks for the main region of a calling code
    general = _desc(md.general_desc)
    if general is None:
        return None
    others = tuple(
        d
        for d in (
            _desc(md.premium_rate),
            _desc(md.toll_free),
            _desc(md.shared_cost),
            _desc(md.voip),
            _desc(md.personal_number),
            _desc(md.pager),
            _desc(md.uan),
            _desc(md.voicemail),
        )
        if d is not None
    )
    rules = _Rules(
        cc=str(md.country_code),
        general=general,
        mobile=_desc(md.mobile),
        fixed=_desc(md.fixed_line),
        others=others,
        national_prefix=md.national_prefix or None,
        prefix_for_parsing=md.national_prefix_for_parsing or None,
        international_00=_plain_00(md.international_prefix, str(md.country_code)),
    )
    try:  # the metadata is written for Java regexes; make sure Rust's engine takes every one
        probe = pl.Series(["1"])
        for d in (rules.general, rules.mobile, rules.fixed, *rules.others):
            if d is not None:
                probe.str.contains(d.pattern)
        if rules.prefix_for_parsing:
            probe.str.contains(f"^(?:{rules.prefix_for_parsing})")
    except pl.exceptions.PolarsError:
        return None
    return rules


def _plain_00(international_prefix: str | None, cc: str) -> bool:
    """Whether `00` then the calling code reads as exactly `00` + code (HK's `008...` does not)."""
    if not international_prefix:
        return False
    hit = re.match(international_prefix, "00" + cc + "1234567")
    return hit is not None and hit.end() == 2


def _matches(col: pl.Expr, d: _Desc | None) -> pl.Expr:
    if d is None:
        return pl.lit(False)
    hit = col.str.contains(d.pattern)
    if d.lengths:
        hit = hit & col.str.len_bytes().is_in(list(d.lengths))
    return hit


def _national_number(c: pl.Expr, rules: _Rules) -> pl.Expr:
    """The national significant number phonenumbers would read from `c`, where it is sure to."""
    cc = rules.cc
    bare = c.str.contains(r"^\d+$")
    intl = c.str.extract(rf"^\+{cc}(\d+)$", 1)
    if rules.international_00:
        intl = pl.coalesce(intl, c.str.extract(rf"^00{cc}(\d+)$", 1))
        bare = bare & ~c.str.starts_with("00")
    npfp = f"^(?:{rules.prefix_for_parsing})" if rules.prefix_for_parsing else None

    def prefix_free(x: pl.Expr) -> pl.Expr:
        return ~x.str.contains(npfp) if npfp else pl.lit(True)

    # A bare number that starts with the calling code loses it when the rest, and not the whole, is
    # a possible number (phonenumbers' rule); then no national prefix may follow.
    after_cc = c.str.slice(len(cc))
    cc_stripped = pl.when(
        bare
        & c.str.starts_with(cc)
        & ~_matches(c, rules.general)
        & _matches(after_cc, rules.general)
        & prefix_free(after_cc)
    ).then(after_cc)
    plain = pl.when(bare & ~c.str.starts_with(cc) & prefix_free(c)).then(c)
    prefix_stripped: pl.Expr
    if npfp and rules.national_prefix:
        prefix_stripped = pl.when(
            bare & ~c.str.starts_with(cc) & (c.str.extract(f"({npfp})", 1) == rules.national_prefix)
        ).then(c.str.slice(len(rules.national_prefix)))
    else:
        prefix_stripped = pl.lit(None, pl.String)
    return pl.coalesce(intl, cc_stripped, plain, prefix_stripped)


def fast_path(cand: pl.Series, region: str, *, coded: bool = False) -> pl.DataFrame:
    """Columns `e164` and `kind` for the candidates the metadata settles, null for the others
    (with `coded`, one column `coded` holding "+8613812345678 m" or "... l" instead).

    `cand` is a number with punctuation removed (digits, maybe a leading `+`).
    """
    rules = _rules(region)
    height = len(cand)
    if rules is not None and cand.null_count() > height // 4:
        # Mostly empty (a second phone column, a guarantor's phone): read only what is there.
        present = cand.is_not_null().arg_true()
        found = fast_path(cand.gather(present), region, coded=coded)
        return pl.DataFrame(
            {c: constant(None, height, pl.String).scatter(present, found[c]) for c in found.columns}
        )
    if rules is None:
        nothing = constant(None, height, pl.String)
        return pl.DataFrame({"coded": nothing} if coded else {"e164": nothing, "kind": nothing})
    # Most cells are a bare national number: the general pattern (digits only) settles which, and the
    # rest are read in full on their own.
    npfp = f"^(?:{rules.prefix_for_parsing})" if rules.prefix_for_parsing else None
    general = pl.select(_matches(pl.lit(cand), rules.general)).to_series()
    simple = general & ~cand.str.starts_with(rules.cc)
    if npfp:
        simple = simple & ~cand.str.contains(npfp)
    simple = simple.fill_null(False)
    nsn = pl.select(pl.when(simple).then(cand)).to_series().cast(pl.String)
    rest = cand.is_not_null() & ~simple
    if rest.any():
        positions = rest.arg_true()
        sub = pl.DataFrame({"c": cand.gather(positions)}).select(n=_national_number(pl.col("c"), rules))
        sub = sub.with_columns(g=_matches(pl.col("n"), rules.general).fill_null(False))
        nsn = nsn.scatter(positions, sub["n"].cast(pl.String))
        general = simple.scatter(positions, sub["g"])
    else:
        general = simple

    n = pl.col("n")
    clear = pl.col("g")
    if rules.others:
        clear = clear & ~n.str.contains("|".join(o.pattern for o in rules.others))
    mobile = clear & _matches(n, rules.mobile)
    fixed = clear & _matches(n, rules.fixed)
    prefix = pl.lit("+" + rules.cc)
    frame = pl.DataFrame({"n": nsn, "g": general})
    if coded:
        return frame.select(
            coded=pl.when(mobile)
            .then(pl.concat_str([prefix, n, pl.lit(" m")]))
            .when(fixed)
            .then(pl.concat_str([prefix, n, pl.lit(" l")]))
        )
    kind = (
        pl.when(mobile)
        .then(pl.lit(MOBILE))
        .when(fixed)
        .then(pl.lit(LANDLINE))
        .otherwise(pl.lit(None, pl.String))
    )
    return frame.select(e164=pl.when(kind.is_not_null()).then(prefix + n), kind=kind)


# --- the slow path ------------------------------------------------------------------------------


def classify(text: str, region: str) -> tuple[str, str] | None:
    """(E.164, kind) of one number by phonenumbers, or None if it cannot be a valid number."""
    text = re.sub(r"转|分机", " ext ", text)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = MOBILE if phonenumbers.number_type(number) in _MOBILE_TYPES else LANDLINE
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind


def _slow_part(part: str, region: str) -> tuple[list[str], list[str], str | None]:
    """Numbers in one separated part; spaces either sit inside a number or between numbers."""
    whole = classify(re.sub(r"\s+", "", part), region)
    if whole is not None:
        return [whole[0]], [whole[1]], None
    tokens = part.split()
    if len(tokens) > 1:
        numbers: list[str] = []
        kinds: list[str] = []
        pending = ""
        for token in tokens:
            pending += token
            found = classify(pending, region)
            if found is not None:
                numbers.append(found[0])
                kinds.append(found[1])
                pending = ""
        if not pending:
            return numbers, kinds, None
    return [], [], part


# --- cells --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneCells:
    """Per row: the numbers (List Utf8, E.164, no repeats) and their kinds; per source column: the
    error code (`invalid_phone` or null) and the offending text."""

    numbers: pl.Series
    kinds: pl.Series
    errors: list[pl.Series]
    details: list[pl.Series]


_LIST = pl.List(pl.String)
# Until the end a number travels with its kind as one string, "+8613812345678 m", so that a number
# given twice in a row is dropped together with its kind.
_KIND_CODE = {MOBILE: "m", LANDLINE: "l"}
_KIND_NAME = {code: kind for kind, code in _KIND_CODE.items()}


def _slow_codes(part: str, region: str) -> tuple[list[str], str | None]:
    numbers, kinds, bad = _slow_part(part, region)
    return [f"{n} {_KIND_CODE[k]}" for n, k in zip(numbers, kinds, strict=True)], bad


def _part_pieces(part: pl.Series, region: str) -> tuple[list[pl.Series], pl.Series | None]:
    """Row-aligned pieces (coded numbers, or lists of them) and the bad text of one part per cell."""
    cand = part.str.replace_all(_PUNCTUATION, "") if part.str.contains(_PUNCTUATION).any() else part
    coded = fast_path(cand, region, coded=True)["coded"]
    settled = pl.select(
        pl.when(coded.is_not_null()).then(pl.concat_list(coded)).otherwise(pl.lit([], _LIST))
    ).to_series()
    undecided = part.is_not_null() & coded.is_null()
    if not undecided.any():
        return [settled], None
    distinct = part.filter(undecided).unique().to_list()
    found = {p: _slow_codes(p, region) for p in distinct}
    slow = part.replace_strict({p: f[0] for p, f in found.items()}, default=[], return_dtype=_LIST)
    bad = part.replace_strict({p: f[1] for p, f in found.items()}, default=None, return_dtype=pl.String)
    return [settled, slow.fill_null(pl.lit([], _LIST))], bad


def _column(s: pl.Series, region: str) -> tuple[list[pl.Series], pl.Series]:
    """The pieces of one cleaned phone column and, per row, the first text that is not a number."""
    if s.null_count() == len(s):
        return [], constant(None, len(s), pl.String)
    separated = s.str.contains(_SEPARATORS)
    if not separated.any():
        pieces, bad = _part_pieces(s, region)
        return pieces, bad if bad is not None else constant(None, len(s), pl.String)
    # Cells of several numbers: the k-th part of every cell is a column of its own (a cell of one
    # number is its own first part).
    positions = separated.arg_true()
    split = s.gather(positions).str.replace_all(_SEPARATORS, ";").str.split(";")
    longest = split.list.len().max()
    width = longest if isinstance(longest, int) else 1
    pieces = []
    bads = []
    for k in range(width):
        got = split.list.get(k, null_on_oob=True).str.strip_chars()
        got = pl.select(pl.when(got.str.len_bytes() > 0).then(got)).to_series()
        base = s.clone() if k == 0 else constant(None, len(s), pl.String)
        more, bad = _part_pieces(base.scatter(positions, got), region)
        pieces += more
        if bad is not None:
            bads.append(bad)
    bad_text = pl.select(pl.coalesce(bads)).to_series() if bads else constant(None, len(s), pl.String)
    return pieces, bad_text


def phones(columns: list[pl.Series], region: str, *, first_only: bool = False) -> PhoneCells:
    """Read one or more cleaned phone columns of the same rows into one list of numbers per row.

    With `first_only` (a guarantor's or a contact's phone), `numbers` is the first number of each row
    (Utf8) and `kinds` its kind (mobile or landline); every number of the cell is still checked.
    """
    height = len(columns[0])
    pieces: list[pl.Series] = []
    errors: list[pl.Series] = []
    details: list[pl.Series] = []
    for column in columns:
        more, bad = _column(column, region)
        pieces += more
        details.append(bad)
        errors.append(
            pl.select(pl.when(bad.is_not_null()).then(pl.lit("invalid_phone"))).to_series().cast(pl.String)
        )
    if not pieces:
        if first_only:
            nothing = constant(None, height, pl.String)
            return PhoneCells(nothing, nothing, errors, details)
        empty = constant([], height, _LIST)
        return PhoneCells(empty, empty, errors, details)
    coded = pieces[0] if len(pieces) == 1 else pl.select(pl.concat_list(pieces)).to_series()
    if first_only:
        first = coded.list.first()
        kind = first.str.tail(1).replace_strict(_KIND_NAME, default=None, return_dtype=pl.String)
        return PhoneCells(first.str.head(-2), kind, errors, details)
    if len(pieces) > 1 and (coded.list.len() > 1).any():
        coded = coded.list.unique(maintain_order=True)
    numbers = coded.list.eval(pl.element().str.head(-2))
    kinds = coded.list.eval(pl.element().str.tail(1).replace_strict(_KIND_NAME))
    return PhoneCells(numbers.cast(_LIST), kinds.cast(_LIST), errors, details)
