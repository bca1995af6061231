"""Time `parse_placement` on a generated placement CSV (default 1,000,000 rows), or on a given file.

    .venv/bin/python bench/parse_bench.py [ROWS] [--gbk] [--keep] [--runs N]
    .venv/bin/python bench/parse_bench.py path/to/placement.csv [--runs N]

The file mimics a Chinese creditor's export: Chinese headers, IDs with valid check characters,
one or two phones a cell, amounts with thousands separators, mixed date formats, an emergency
contact. It is written to bench/out/ (ignored by git).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from huikuan.intake import parse_placement

HEADERS = [
    "合同号", "产品", "客户姓名", "身份证号", "手机号", "家庭住址", "工作单位", "本金", "利息", "滞纳金",
    "欠款金额", "币种", "逾期日期", "最后还款日", "最后还款金额", "紧急联系人", "关系", "紧急联系人电话",
]  # fmt: skip
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
_PRODUCTS = ("信用卡", "消费贷", "小额贷款", "credit_card", "物业费")
_MOBILE_PREFIXES = ("38", "39", "50", "58", "86", "88", "77")
_RELATIONS = ("配偶", "父亲", "母亲", "朋友", "同事")


def national_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(15000))
    body = f"{rng.choice((110105, 310101, 440303, 510107))}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def mobile(rng: random.Random) -> str:
    # Prefixes phonenumbers knows as allocated: 1[3-9]\d{9} alone is not enough (174, 179 are not).
    return f"1{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def generate(path: Path, rows: int, encoding: str = "utf-8") -> None:
    rng = random.Random(7)
    start = date(2024, 1, 1)
    with path.open("w", encoding=encoding, newline="") as out:
        out.write(",".join(HEADERS) + "\r\n")
        for i in range(rows):
            principal = rng.randrange(100_000, 5_000_000)
            interest = rng.randrange(0, 200_000)
            fees = rng.randrange(0, 50_000)
            balance = principal + interest + fees
            overdue = start + timedelta(days=rng.randrange(700))
            phones = mobile(rng) if rng.random() < 0.8 else f"{mobile(rng)};{mobile(rng)}"
            date_text = overdue.isoformat() if i % 3 else f"{overdue.year}/{overdue.month}/{overdue.day}"
            out.write(
                ",".join(
                    (
                        f"HT{i:09d}",
                        _PRODUCTS[i % len(_PRODUCTS)],
                        rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                        national_id(rng),
                        phones,
                        f"广东省深圳市南山区科技园路{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋",
                        f"深圳某某科技有限公司{rng.randrange(1000)}",
                        f"{principal / 100:.2f}",
                        f"{interest / 100:.2f}",
                        f"{fees / 100:.2f}",
                        f'"{balance / 100:,.2f}"',
                        "CNY",
                        date_text,
                        (overdue - timedelta(days=30)).isoformat(),
                        f"{rng.randrange(100, 5000)}.00",
                        rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                        rng.choice(_RELATIONS),
                        mobile(rng),
                    )
                )
                + "\r\n"
            )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1
    if "--runs" in sys.argv:
        args.remove(sys.argv[sys.argv.index("--runs") + 1])
    given = Path(args[0]) if args and not args[0].isdigit() else None
    if given is not None:
        path = given
    else:
        rows = int(args[0]) if args else 1_000_000
        encoding = "gb18030" if "--gbk" in sys.argv else "utf-8"
        out_dir = Path(__file__).parent / "out"
        out_dir.mkdir(exist_ok=True)
        path = out_dir / f"placement_{rows}_{encoding}.csv"
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, rows, encoding)
            print(
                f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s"
            )
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        parsed = parse_placement(path, region="CN", currency="CNY", as_of=date(2026, 3, 1))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"parsed {parsed.rows_read:,} rows ({parsed.rows.height:,} good, "
            f"{parsed.rejected_rows:,} rejected, {len(parsed.skipped)} skipped) "
            f"in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
            f"= {parsed.rows_read / elapsed:,.0f} rows/s [encoding {parsed.encoding}]"
        )
    if given is None and "--keep" not in sys.argv:
        path.unlink()


if __name__ == "__main__":
    main()
