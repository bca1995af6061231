"""Writes a large, realistic placement CSV (Chinese headers, GBK or UTF-8) for the import benchmark.

    python bench/make_placement.py --rows 1000000 --out bench/out/placement.csv [--encoding gbk] [--seed 1]

The same people and places as the demo (huikuan.demo), built column-wise with Polars so that a
million rows take seconds: about 1.3 rows per debtor (same name, ID and phones), valid PRC IDs and phone
numbers, amounts written four ways (12345.60, 12,345.60, ￥12,345.60, 12345.60元), dates four ways
(2026-03-01, 2026/3/1, 2026年3月1日, 20260301), emergency contacts, guarantors, and a 合计 row at the end.
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from huikuan.demo.people import (
    CN_MOBILE_PREFIXES,
    CN_REGIONS,
    ESTATES,
    FEMALE_GIVEN,
    FIRM_TRADES,
    FIRM_WORDS,
    MALE_GIVEN,
    SEVEN_DIGIT_AREAS,
    STREETS,
    SURNAMES,
)

HEADERS = {
    "ref": "合同号",
    "name": "客户姓名",
    "national_id": "身份证号",
    "phones": "手机号",
    "address": "家庭住址",
    "employer": "工作单位",
    "product": "产品",
    "principal": "本金",
    "interest": "利息",
    "fees": "滞纳金",
    "balance": "欠款金额",
    "overdue": "逾期日期",
    "guarantor": "担保人",
    "guarantor_phone": "担保人电话",
    "contact": "紧急联系人",
    "contact_phone": "紧急联系人电话",
    "relation": "关系",
    "contact2": "紧急联系人2",
    "contact2_phone": "紧急联系人2电话",
    "relation2": "关系2",
}
# product label, share in percent, balance range in yuan
PRODUCTS = (
    ("信用卡", 40, 5_000, 80_000),
    ("消费贷", 20, 3_000, 200_000),
    ("小额贷款", 20, 500, 10_000),
    ("物业费", 8, 600, 15_000),
    ("个人借款", 5, 10_000, 200_000),
    ("合同欠款", 4, 2_000, 300_000),
    ("其他", 3, 200, 5_000),
)
RELATIONS = ("配偶", "父亲", "母亲", "朋友", "同事", "兄弟", "姐妹")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Zipf-like weights by repetition: 王 and 李 come up far more often than 汤.
WEIGHTED_SURNAMES = [s for i, s in enumerate(SURNAMES) for _ in range(max(1, round(60 / (i + 3))))]


class _Random:
    """Independent uniform streams over an index, from Polars' seeded hash: fast and reproducible."""

    def __init__(self, index: pl.Series, seed: int) -> None:
        self.index = index
        self.seed = seed
        self.stream = 0

    def ints(self, modulo: int) -> pl.Series:
        self.stream += 1
        return (self.index.hash(self.seed * 7919 + self.stream) % modulo).cast(pl.Int64)

    def floats(self) -> pl.Series:
        self.stream += 1
        return (self.index.hash(self.seed * 7919 + self.stream) // 2048).cast(pl.Float64) / float(1 << 53)

    def chance(self, percent: float) -> pl.Series:
        return self.floats() < percent / 100


def _pick(values: list[str] | tuple[str, ...], at: pl.Series) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(at)


def _digits(r: _Random, width: int) -> pl.Series:
    return r.ints(10**width).cast(pl.String).str.zfill(width)


def _when(mask: pl.Series, yes: pl.Series, no: pl.Series | None) -> pl.Series:
    other = no if no is not None else pl.Series([None] * len(mask), dtype=yes.dtype)
    return yes.zip_with(mask, other)


def _mobile(r: _Random) -> pl.Series:
    return _pick(CN_MOBILE_PREFIXES, r.ints(len(CN_MOBILE_PREFIXES))) + _digits(r, 8)


def _names(r: _Random, male: pl.Series) -> pl.Series:
    surname = _pick(WEIGHTED_SURNAMES, r.ints(len(WEIGHTED_SURNAMES)))
    his = _pick(MALE_GIVEN, r.ints(len(MALE_GIVEN)))
    given = his.zip_with(male, _pick(FEMALE_GIVEN, r.ints(len(FEMALE_GIVEN))))
    return surname + given


def _contact_male(r: _Random, relation: pl.Series, debtor_male: pl.Series) -> pl.Series:
    """A father is a man, a spouse the debtor's opposite, a friend or colleague either."""
    return pl.select(
        pl.when(relation.is_in(["父亲", "兄弟"]))
        .then(True)
        .when(relation.is_in(["母亲", "姐妹"]))
        .then(False)
        .when(relation == "配偶")
        .then(~debtor_male)
        .otherwise(r.chance(50))
    ).to_series()


def _debtors(count: int, seed: int, today: date) -> pl.DataFrame:
    r = _Random(pl.int_range(count, eager=True, dtype=pl.UInt64), seed)
    male = r.chance(55)
    region = r.ints(len(CN_REGIONS))
    columns = ["prov", "city", "dist", "code", "area"]
    home = pl.DataFrame([list(x) for x in CN_REGIONS], schema=columns, orient="row")
    origin = home[region]
    birth = pl.select(pl.lit(today) - pl.duration(days=r.ints(40 * 365) + 22 * 365)).to_series()
    sequence = (r.ints(500) * 2 + male.cast(pl.Int64)).cast(pl.String).str.zfill(3)
    body = origin["code"] + birth.dt.strftime("%Y%m%d") + sequence
    total = sum(body.str.slice(k, 1).cast(pl.Int64) * w for k, w in enumerate(ID_WEIGHTS))
    national_id = body + _pick(list("10X98765432"), total % 11)

    mobile = _mobile(r)
    # Phones as clerks type them: bare, +86 with spaces, dashed; some with a second number.
    style = r.ints(10)
    head, middle, tail = mobile.str.slice(0, 3), mobile.str.slice(3, 4), mobile.str.slice(7)
    written = pl.select(
        pl.when(style == 0)
        .then("+86 " + head + " " + middle + " " + tail)
        .when(style == 1)
        .then(head + "-" + middle + "-" + tail)
        .otherwise(mobile)
    ).to_series()
    seven = origin["area"].is_in(list(SEVEN_DIGIT_AREAS))
    local = (r.ints(6) + 2).cast(pl.String) + _digits(r, 7)
    landline = origin["area"] + "-" + _when(seven, local.str.slice(0, 7), local)
    second = r.ints(100)
    phones = pl.select(
        pl.when(second < 7)
        .then(written + "、" + landline)
        .when(second < 12)
        .then(written + ";" + _mobile(r))
        .otherwise(written)
    ).to_series()

    address = (
        origin["prov"]
        + origin["city"]
        + origin["dist"]
        + _pick(STREETS, r.ints(len(STREETS)))
        + (r.ints(399) + 1).cast(pl.String)
        + "号"
        + _pick(ESTATES, r.ints(len(ESTATES)))
        + (r.ints(30) + 1).cast(pl.String)
        + "栋"
        + (r.ints(6) + 1).cast(pl.String)
        + "单元"
        + (r.ints(33) + 1).cast(pl.String)
        + (r.ints(4) + 1).cast(pl.String).str.zfill(2)
        + "室"
    )
    city = pl.select(pl.when(origin["city"] == "").then(origin["prov"]).otherwise(origin["city"])).to_series()
    firm = _pick(FIRM_WORDS, r.ints(len(FIRM_WORDS))) + _pick(FIRM_TRADES, r.ints(len(FIRM_TRADES)))
    employer = city.str.slice(0, city.str.len_chars() - 1) + firm + "有限公司"
    has_contact = r.chance(85)
    has_second = r.chance(30)
    relation, relation2 = (_pick(RELATIONS, r.ints(len(RELATIONS))) for _ in range(2))
    return pl.DataFrame(
        {
            "name": _names(r, male),
            "national_id": _when(r.chance(97), national_id, None),
            "phones": phones,
            "address": address,
            "employer": _when(r.chance(55), employer, None),
            "contact": _when(has_contact, _names(r, _contact_male(r, relation, male)), None),
            "contact_phone": _when(has_contact, _mobile(r), None),
            "relation": _when(has_contact, relation, None),
            "contact2": _when(has_second, _names(r, _contact_male(r, relation2, male)), None),
            "contact2_phone": _when(has_second, _mobile(r), None),
            "relation2": _when(has_second, relation2, None),
            "guarantor": _names(r, r.chance(60)),
            "guarantor_phone": _mobile(r),
        }
    )


def _amount_text(cents: pl.Expr, style: pl.Expr, yen: str) -> pl.Expr:
    """12345.60 mostly; 12,345.60 and ￥12,345.60 sometimes; 12345.60元 now and then."""
    yuan = cents // 100
    frac = (cents % 100).cast(pl.String).str.zfill(2)

    def group(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.String).str.zfill(3)

    grouped = (
        (
            pl.when(yuan >= 1_000_000)
            .then(
                (yuan // 1_000_000).cast(pl.String)
                + ","
                + group(yuan // 1000 % 1000)
                + ","
                + group(yuan % 1000)
            )
            .when(yuan >= 1000)
            .then((yuan // 1000).cast(pl.String) + "," + group(yuan % 1000))
            .otherwise(yuan.cast(pl.String))
        )
        + "."
        + frac
    )
    plain = yuan.cast(pl.String) + "." + frac
    return (
        pl.when(style < 14)
        .then(plain)
        .when(style < 17)
        .then(grouped)
        .when(style < 19)
        .then(pl.lit(yen) + grouped)
        .otherwise(plain + "元")
    )


def make_placement(rows: int, seed: int = 1, today: date | None = None, yen: str = "￥") -> pl.DataFrame:
    """The placement as a frame of strings, columns named as HEADERS' keys, in file order.

    A last column, `_balance_cents`, carries the balance as a number for the totals line; it is not written.
    """
    today = today or datetime.now(UTC).date()
    debtor_count = max(1, (rows * 10 + 12) // 13)
    debtors = _debtors(debtor_count, seed, today)
    index = pl.int_range(rows, eager=True, dtype=pl.UInt64)
    r = _Random(index, seed + 1_000_003)
    frame = debtors[(index * 10 // 13).cast(pl.Int64)]

    roll = r.ints(100)
    cut = 0
    product = pl.lit(None, pl.String)
    low = pl.lit(None, pl.Float64)
    high = pl.lit(None, pl.Float64)
    chain = None
    for label, share, lo, hi in PRODUCTS:
        cut += share
        cond = pl.col("roll") < cut
        chain = (pl.when(cond) if chain is None else chain.when(cond)).then(
            pl.struct(p=pl.lit(label), lo=pl.lit(float(lo)), hi=pl.lit(float(hi)))
        )
    assert chain is not None
    spec = pl.DataFrame({"roll": roll}).select(chain.otherwise(None).alias("s")).unnest("s")
    product, low, high = spec["p"], spec["lo"], spec["hi"]
    # Log-uniform between the product's bounds, skewed towards the low end as real books are.
    balance = (low * (high / low) ** (r.floats() ** 1.7) * 100).round(0).cast(pl.Int64)
    interest = (balance.cast(pl.Float64) * r.floats() * 0.18).round(0).cast(pl.Int64)
    fees = (balance.cast(pl.Float64) * r.floats() * 0.05).round(0).cast(pl.Int64)
    days_overdue = (r.floats() ** 1.6 * 710 + 10).cast(pl.Int64)  # 10 to 720 days, most of them recent
    overdue = pl.select(pl.lit(today) - pl.duration(days=days_overdue)).to_series()
    loan = product.is_in(["消费贷", "个人借款"])
    guaranteed = loan & r.chance(25)
    frame = frame.with_columns(
        ref=pl.lit(f"HT{seed:02d}") + index.cast(pl.String).str.zfill(9),
        product=product,
        principal_c=balance - interest - fees,
        interest_c=interest,
        fees_c=fees,
        balance_c=balance,
        money_style=r.ints(20),
        date_style=r.ints(10),
        overdue_d=overdue,
        guarantor=_when(guaranteed, frame["guarantor"], None),
        guarantor_phone=_when(guaranteed, frame["guarantor_phone"], None),
    )
    style = pl.col("money_style")
    return frame.select(
        "ref",
        "name",
        "national_id",
        "phones",
        "address",
        "employer",
        "product",
        *(
            _amount_text(pl.col(f"{k}_c"), style, yen).alias(k)
            for k in ("principal", "interest", "fees", "balance")
        ),
        pl.when(pl.col("date_style") < 5)
        .then(pl.col("overdue_d").dt.strftime("%Y-%m-%d"))
        .when(pl.col("date_style") < 7)
        .then(pl.col("overdue_d").dt.strftime("%Y/%-m/%-d"))
        .when(pl.col("date_style") < 9)
        .then(pl.col("overdue_d").dt.strftime("%Y年%-m月%-d日"))
        .otherwise(pl.col("overdue_d").dt.strftime("%Y%m%d"))
        .alias("overdue"),
        "guarantor",
        "guarantor_phone",
        "contact",
        "contact_phone",
        "relation",
        "contact2",
        "contact2_phone",
        "relation2",
        pl.col("balance_c").alias("_balance_cents"),
    )


def write_placement(frame: pl.DataFrame, out: Path, encoding: str = "gbk", totals: bool = True) -> None:
    """Writes the CSV in slices (GBK is encoded by Python, Polars writes only UTF-8)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    total = int(frame["_balance_cents"].sum()) if "_balance_cents" in frame.columns else 0
    renamed = frame.drop("_balance_cents", strict=False).rename(HEADERS)
    codec = "gbk" if encoding.lower() in ("gbk", "gb18030", "gb2312") else "utf-8"
    with out.open("wb") as fh:
        for k, chunk in enumerate(renamed.iter_slices(200_000)):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=k == 0)
            data = buffer.getvalue()
            fh.write(data if codec == "utf-8" else data.decode("utf-8").encode(codec))
        if totals:
            # The export's totals line, which the intake must recognise and skip.
            line = ["合计", *[""] * (len(HEADERS) - 1)]
            line[list(HEADERS).index("balance")] = f'"{total // 100:,}.{total % 100:02d}"'
            fh.write((",".join(line) + "\n").encode(codec))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--encoding", choices=("gbk", "utf-8"), default="gbk")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, help="the file's date (default today)")
    parser.add_argument("--no-totals", action="store_true", help="leave out the 合计 line")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = make_placement(args.rows, args.seed, args.today, yen="￥" if args.encoding == "gbk" else "¥")
    write_placement(frame, args.out, args.encoding, totals=not args.no_totals)
    size = args.out.stat().st_size / 1e6
    took = time.perf_counter() - started
    print(f"{args.out}: {args.rows:,} rows, {size:,.1f} MB ({args.encoding}) in {took:.1f} s")


if __name__ == "__main__":
    main()
