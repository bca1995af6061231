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
        raise InvalidInput(f"{region!r} is not a region phone numbers can be read for")
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


def fast_path(cand: pl.Series, region: str) -> pl.DataFrame:
    """Columns `e164` and `kind` for the candidates the metadata settles, null for the others.

    `cand` is a number with punctuation removed (digits, maybe a leading `+`).
    """
    rules = _rules(region)
    height = len(cand)
    if rules is None:
        return pl.DataFrame({"e164": [None] * height, "kind": [None] * height}, schema=_SCHEMA)
    # Most cells are a bare national number: settle those with two passes, the rest in full.
    npfp = f"^(?:{rules.prefix_for_parsing})" if rules.prefix_for_parsing else None
    simple = cand.str.contains(r"^\d+$") & ~cand.str.starts_with(rules.cc)
    if npfp:
        simple = simple & ~cand.str.contains(npfp)
    nsn = pl.select(pl.when(simple).then(cand)).to_series().cast(pl.String)
    rest = cand.is_not_null() & ~simple.fill_null(False)
    if rest.any():
        positions = rest.arg_true()
        sub = pl.DataFrame({"c": cand.gather(positions)}).select(_national_number(pl.col("c"), rules))
        nsn = nsn.scatter(positions, sub.to_series().cast(pl.String))

    n = pl.col("n")
    clear = _matches(n, rules.general)
    if rules.others:
        clear = clear & ~n.str.contains("|".join(o.pattern for o in rules.others))
    kind = (
        pl.when(clear & _matches(n, rules.mobile))
        .then(pl.lit(MOBILE))
        .when(clear & _matches(n, rules.fixed))
        .then(pl.lit(LANDLINE))
        .otherwise(pl.lit(None, pl.String))
    )
    return pl.DataFrame({"n": nsn}).select(
        e164=pl.when(kind.is_not_null()).then(pl.lit("+" + rules.cc) + n),
        kind=kind,
    )


_SCHEMA = {"e164": pl.String, "kind": pl.String}


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


def _column(s: pl.Series, region: str) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(numbers, kinds, bad text) for one cleaned column, row-aligned."""
    height = len(s)
    cand = s.str.replace_all(_PUNCTUATION, "") if s.str.contains(_PUNCTUATION).any() else s
    fast = fast_path(cand, region)
    e164, kind = fast["e164"], fast["kind"]
    numbers = pl.select(
        pl.when(e164.is_not_null()).then(pl.concat_list(e164)).otherwise(pl.lit([], _LIST))
    ).to_series()
    kinds = pl.select(
        pl.when(kind.is_not_null()).then(pl.concat_list(kind)).otherwise(pl.lit([], _LIST))
    ).to_series()
    bad = pl.Series("bad", [None] * height, dtype=pl.String)
    todo = s.is_not_null() & e164.is_null()
    if not todo.any():
        return numbers, kinds, bad
    positions = todo.arg_true()
    parts = (
        pl.DataFrame({"i": positions, "p": s.gather(positions)})
        .with_columns(p=pl.col("p").str.replace_all(_SEPARATORS, ";").str.split(";"))
        .explode("p")
        .with_columns(p=pl.col("p").str.strip_chars())
        .filter(pl.col("p").str.len_bytes() > 0)
    )
    parts = pl.concat(
        [parts, fast_path(parts["p"].str.replace_all(_PUNCTUATION, ""), region)], how="horizontal"
    )
    slow = parts.filter(pl.col("e164").is_null())
    distinct = slow["p"].unique().to_list()
    found = [_slow_part(p, region) for p in distinct]
    lookup = pl.DataFrame(
        {
            "p": distinct,
            "numbers": [f[0] for f in found],
            "kinds": [f[1] for f in found],
            "bad": [f[2] for f in found],
        },
        schema={"p": pl.String, "numbers": _LIST, "kinds": _LIST, "bad": pl.String},
    )
    parts = parts.join(lookup, on="p", how="left", maintain_order="left").with_columns(
        numbers=pl.when(pl.col("e164").is_not_null()).then(pl.concat_list("e164")).otherwise("numbers"),
        kinds=pl.when(pl.col("e164").is_not_null()).then(pl.concat_list("kind")).otherwise("kinds"),
    )
    per_row = (
        parts.select("i", "numbers", "kinds", "bad")
        .explode("numbers", "kinds", empty_as_null=True)
        .group_by("i", maintain_order=True)
        .agg(
            pl.col("numbers").drop_nulls(),
            pl.col("kinds").drop_nulls(),
            pl.col("bad").drop_nulls().first(),
        )
    )
    merged = _patch(
        pl.DataFrame({"numbers": numbers, "kinds": kinds, "bad": bad}), per_row.rename({"i": "_i"})
    )
    return merged["numbers"], merged["kinds"], merged["bad"]


def _patch(base: pl.DataFrame, patch: pl.DataFrame) -> pl.DataFrame:
    """`base` with the rows named by `patch["_i"]` replaced by `patch`'s values (lists cannot scatter)."""
    indexed = base.with_row_index("_i").join(
        patch.with_columns(pl.col("_i").cast(pl.UInt32)),
        on="_i",
        how="left",
        suffix="_new",
        maintain_order="left",
    )
    return indexed.select(
        pl.when(pl.col("_i").is_in(patch["_i"].implode()))
        .then(pl.col(f"{c}_new"))
        .otherwise(pl.col(c))
        .alias(c)
        for c in base.columns
    )


def _distinct_numbers(numbers: pl.Series, kinds: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Drop a number already listed earlier in the same row (with its kind)."""
    repeats = numbers.list.len() != numbers.list.n_unique()
    if not repeats.any():
        return numbers, kinds
    positions = repeats.arg_true()
    sub = (
        pl.DataFrame({"i": positions, "n": numbers.gather(positions), "k": kinds.gather(positions)})
        .explode("n", "k")
        .filter(pl.col("n").is_first_distinct().over("i"))
        .group_by("i", maintain_order=True)
        .agg("n", "k")
    )
    merged = _patch(pl.DataFrame({"n": numbers, "k": kinds}), sub.rename({"i": "_i"}))
    return merged["n"], merged["k"]


def phones(columns: list[pl.Series], region: str) -> PhoneCells:
    """Read one or more cleaned phone columns of the same rows into one list of numbers per row."""
    numbers: pl.Series | None = None
    kinds: pl.Series | None = None
    errors: list[pl.Series] = []
    details: list[pl.Series] = []
    for column in columns:
        n, k, bad = _column(column, region)
        numbers = n if numbers is None else pl.select(pl.concat_list(numbers, n)).to_series()
        kinds = k if kinds is None else pl.select(pl.concat_list(kinds, k)).to_series()
        details.append(bad)
        errors.append(
            pl.select(pl.when(bad.is_not_null()).then(pl.lit("invalid_phone"))).to_series().cast(pl.String)
        )
    assert numbers is not None and kinds is not None
    numbers, kinds = _distinct_numbers(numbers, kinds)
    return PhoneCells(numbers.cast(_LIST), kinds.cast(_LIST), errors, details)
