"""Generates a portfolio for the daily-plan benchmark straight into a database, with bulk inserts.

    python bench/make_portfolio.py --accounts 1000000 --url sqlite:///bench/out/plan-1000000.db

One creditor (BENCH-CN, pack `cn`, CNY), one collector per 2,000 accounts, about 1.1 accounts per
debtor (one case each), a mobile for every debtor (a landline for some, e-mail and WeChat for others),
and about `--per-account` interactions per account over the 90 days before `--today` (calls in the
debtor's daytime, SMS, WeChat, letters and a few visits, with the outcome mix of the demo), the
promises those calls produced and the payments that kept them. Flags (cease, dispute, opt-outs,
designated inconvenient times ...) are set on a small share of debtors so that the plan's gate has
work to do. Interactions are written in time order, as a live system appends them.

Everything is drawn with NumPy from the seed and written with `storage.bulk.insert_frame` (COPY on
PostgreSQL), so 1,000,000 accounts and 10,000,000 interactions take minutes, not hours.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, text

from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade

CREDITOR = "BENCH-CN"
ZONE = "Asia/Shanghai"
HISTORY_DAYS = 90
UTC_DT = pl.Datetime("us", "UTC")

PROVINCES = (
    ("北京市", "朝阳区"),
    ("上海市", "浦东新区"),
    ("广东省", "广州市天河区"),
    ("广东省", "深圳市南山区"),
    ("浙江省", "杭州市西湖区"),
    ("江苏省", "南京市鼓楼区"),
    ("四川省", "成都市武侯区"),
    ("湖北省", "武汉市洪山区"),
    ("陕西省", "西安市雁塔区"),
    ("山东省", "济南市历下区"),
    ("河南省", "郑州市金水区"),
    ("湖南省", "长沙市岳麓区"),
    ("新疆维吾尔自治区", "乌鲁木齐市天山区"),
)
PROVINCE_WEIGHTS = (8, 8, 9, 9, 8, 8, 9, 8, 7, 8, 8, 8, 2)
PRODUCTS = ("credit_card", "consumer_loan", "microloan", "property_fee")
PRODUCT_WEIGHTS = (0.45, 0.25, 0.2, 0.1)
MOBILE_PREFIXES = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 186, 188, 189])
# Call hours 08-20 local, weighted as the demo's floor works them.
CALL_HOURS = np.arange(8, 21)
CALL_HOUR_WEIGHTS = np.array([1, 3, 4, 3, 1, 1, 3, 3, 3, 4, 4, 4, 2], dtype=float)
CALL_OUTCOMES = ("no_answer", "busy", "voicemail", "not_connected", "wrong_party", "third_party", "rpc")
CALL_WEIGHTS = (45, 10, 3, 12, 3, 5, 22)
RPC_OUTCOMES = ("promise", "refuses", "callback", "hardship", "disputes", "paid")
RPC_WEIGHTS = (70, 55, 50, 10, 1, 10)
VISIT_OUTCOMES = ("third_party", "promise", "refuses", "hardship")
VISIT_WEIGHTS = (40, 25, 20, 15)
CHANNELS = ("call", "sms", "wechat", "letter", "visit")
CHANNEL_WEIGHTS = (0.74, 0.15, 0.06, 0.03, 0.02)


def _p(weights: Any) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _pick(rng: np.random.Generator, values: tuple[str, ...], weights: Any, n: int) -> np.ndarray:
    return np.asarray(values, dtype="<U16")[rng.choice(len(values), size=n, p=_p(weights))]


def make_portfolio(
    engine: Engine, accounts: int, *, seed: int = 1, today: date | None = None, per_account: float = 10.0
) -> dict[str, Any]:
    """Writes the portfolio into an empty, migrated database; returns counts and timings."""
    today = today or datetime.now(UTC).date()
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    counts: dict[str, Any] = {}
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size = -200000")
        _creditor(conn)
        collectors = _users(conn, rng, max(5, accounts // 2000))
        debtors = _debtors(conn, rng, accounts)
        counts["debtors"] = debtors.height
        counts["contact_points"] = _contact_points(conn, rng, debtors)
        cases = debtors.select(pl.col("id").alias("case_id"), pl.col("id").alias("debtor_id")).with_columns(
            pl.Series("assigned_user_id", rng.choice(collectors, size=debtors.height))
        )
        insert_frame(
            conn,
            t.cases,
            cases.select(
                pl.col("case_id").alias("id"),
                pl.lit(1).alias("creditor_id"),
                "debtor_id",
                pl.lit("contacting").alias("stage"),
                "assigned_user_id",
                pl.lit(0).alias("priority"),
            ),
        )
        acc = _accounts(conn, rng, cases, accounts, today)
        counts["accounts"] = acc.height
        inter = _interactions(rng, cases, acc, today, per_account)
        insert_frame(conn, t.interactions, inter.drop("amount_hint"))
        counts["interactions"] = inter.height
        counts["promises"], counts["payments"] = _promises_and_payments(conn, rng, inter, acc, today)
        if engine.dialect.name == "postgresql":
            for table in (
                t.creditors,
                t.users,
                t.debtors,
                t.contact_points,
                t.cases,
                t.accounts,
                t.interactions,
                t.promises,
                t.payments,
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["today"] = today.isoformat()
    return counts


def _creditor(conn: Connection) -> None:
    conn.execute(
        t.creditors.insert().values(
            id=1,
            code=CREDITOR,
            name="基准测试银行",
            region="CN",
            currency="CNY",
            pack="cn",
            time_zone=ZONE,
            pack_overrides={},
            authority_policy={},
            header_mapping={},
        )
    )


def _users(conn: Connection, rng: np.random.Generator, n: int) -> np.ndarray:
    ids = np.arange(1, n + 1)
    roll = rng.random(n)
    skills = [["field"] if r < 0.1 else ["senior"] if r < 0.2 else [] for r in roll]
    insert_frame(
        conn,
        t.users,
        pl.DataFrame(
            {
                "id": ids,
                "username": [f"collector{i}" for i in ids],
                "display_name": [f"催收员{i}" for i in ids],
                "role": ["collector"] * n,
                "locale": ["zh_CN"] * n,
                "languages": [["zh"]] * n,
                "skills": skills,
                "active": [True] * n,
            }
        ),
    )
    return ids


def _debtors(conn: Connection, rng: np.random.Generator, accounts: int) -> pl.DataFrame:
    n = max(1, round(accounts / 1.1))
    ids = np.arange(1, n + 1)
    province = rng.choice(len(PROVINCES), size=n, p=_p(PROVINCE_WEIGHTS))
    roll = rng.random(n)
    zone = pl.Series(np.where(roll < 0.9, ZONE, "")).replace("", None)  # else the creditor's zone schedules
    flags = rng.random((6, n))
    opt = np.where(flags[4] < 0.01, '["sms"]', "[]")
    inconvenient = np.where(flags[5] < 0.002, '[{"start": "12:00", "end": "14:00"}]', "[]")
    frame = pl.DataFrame(
        {
            "id": ids,
            "creditor_id": np.ones(n, dtype=np.int64),
            "name": [f"债务人{i}" for i in ids],
            "language": ["zh"] * n,
            "time_zone": zone,
            "address_country": ["CN"] * n,
            "address_region": [PROVINCES[p][0] for p in province],
            "cease": flags[0] < 0.005,
            "disputed": flags[1] < 0.01,
            "attorney": flags[2] < 0.001,
            "deceased": flags[3] < 0.001,
            "hardship": rng.random(n) < 0.05,
            "bankruptcy": np.zeros(n, dtype=bool),
            "employer_prohibits": np.zeros(n, dtype=bool),
            "opt_out_channels": opt,
            "inconvenient_times": inconvenient,
        },
        schema_overrides={"time_zone": pl.Utf8},
    )
    insert_frame(conn, t.debtors, frame)
    return frame.with_columns(pl.Series("province", province))


def _contact_points(conn: Connection, rng: np.random.Generator, debtors: pl.DataFrame) -> int:
    n = debtors.height
    ids = debtors["id"].to_numpy()
    mobile = [
        f"+86{p}{x:08d}"
        for p, x in zip(rng.choice(MOBILE_PREFIXES, size=n), rng.integers(0, 10**8, size=n), strict=True)
    ]
    province = debtors["province"].to_numpy()
    address = [
        f"{PROVINCES[p][0]}{PROVINCES[p][1]}人民路{i % 399 + 1}号" for p, i in zip(province, ids, strict=True)
    ]
    parts = [
        pl.DataFrame({"debtor_id": ids, "kind": "mobile", "value": mobile}),
        pl.DataFrame({"debtor_id": ids, "kind": "address", "value": address}),
    ]
    land = rng.random(n) < 0.1
    parts.append(
        pl.DataFrame(
            {
                "debtor_id": ids[land],
                "kind": "landline",
                "value": [f"+8610{x:08d}" for x in rng.integers(2 * 10**7, 8 * 10**7, size=int(land.sum()))],
            }
        )
    )
    mail = rng.random(n) < 0.3
    parts.append(
        pl.DataFrame(
            {"debtor_id": ids[mail], "kind": "email", "value": [f"d{i}@example.com" for i in ids[mail]]}
        )
    )
    wechat = rng.random(n) < 0.2
    parts.append(
        pl.DataFrame({"debtor_id": ids[wechat], "kind": "wechat", "value": [f"wx_{i}" for i in ids[wechat]]})
    )
    frame = pl.concat(parts).sort("debtor_id")
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("id"))
    insert_frame(conn, t.contact_points, frame)
    return frame.height


def _accounts(
    conn: Connection, rng: np.random.Generator, cases: pl.DataFrame, accounts: int, today: date
) -> pl.DataFrame:
    n_cases = cases.height
    extra = accounts - n_cases
    second = rng.choice(n_cases, size=max(extra, 0), replace=False) if extra > 0 else np.array([], dtype=int)
    owner = np.concatenate([np.arange(n_cases), second])
    owner.sort()
    case_ids = cases["case_id"].to_numpy()[owner]
    product = _pick(rng, PRODUCTS, PRODUCT_WEIGHTS, accounts)
    units = np.clip(rng.lognormal(np.log(15_000), 0.8, accounts), 300, 300_000)
    balance = np.round(units * 100).astype(np.int64)
    interest = (balance * rng.uniform(0.04, 0.2, accounts)).astype(np.int64)
    fees = (balance * rng.uniform(0.0, 0.06, accounts)).astype(np.int64)
    overdue = np.datetime64(today, "D") - rng.integers(10, 720, accounts).astype("timedelta64[D]")
    ids = np.arange(1, accounts + 1)
    frame = pl.DataFrame(
        {
            "id": ids,
            "creditor_id": np.ones(accounts, dtype=np.int64),
            "debtor_id": case_ids,
            "case_id": case_ids,
            "external_ref": [f"B{i:09d}" for i in ids],
            "product": product,
            "currency": ["CNY"] * accounts,
            "principal": balance - interest - fees,
            "interest": interest,
            "fees": fees,
            "balance": balance,
            "overdue_since": overdue,
            "status": ["open"] * accounts,
        },
        schema_overrides={"overdue_since": pl.Date, "product": pl.Utf8},
    )
    insert_frame(conn, t.accounts, frame)
    return frame


def _interactions(
    rng: np.random.Generator, cases: pl.DataFrame, acc: pl.DataFrame, today: date, per_account: float
) -> pl.DataFrame:
    per_case = acc.group_by("case_id").len().sort("case_id")
    k = rng.poisson(per_account * per_case["len"].to_numpy())
    total = int(k.sum())
    owner_case = np.repeat(per_case["case_id"].to_numpy(), k)
    assigned = cases.sort("case_id")["assigned_user_id"].to_numpy()
    user = assigned[owner_case - 1]
    channel = _pick(rng, CHANNELS, CHANNEL_WEIGHTS, total)
    outcome = _pick(rng, CALL_OUTCOMES, CALL_WEIGHTS, total)
    rpc = outcome == "rpc"
    outcome[rpc] = _pick(rng, RPC_OUTCOMES, RPC_WEIGHTS, int(rpc.sum()))
    visit = channel == "visit"
    outcome[visit] = _pick(rng, VISIT_OUTCOMES, VISIT_WEIGHTS, int(visit.sum()))
    message = np.isin(channel, ("sms", "wechat", "letter"))
    outcome[message] = np.where(rng.random(int(message.sum())) < 0.95, "delivered", "failed")
    inbound = (channel == "call") & (rng.random(total) < 0.03)
    outcome[inbound] = _pick(rng, RPC_OUTCOMES, RPC_WEIGHTS, int(inbound.sum()))
    midnight = datetime.combine(today, datetime.min.time(), ZoneInfo(ZONE)).astimezone(UTC)
    days_ago = rng.integers(1, HISTORY_DAYS + 1, total)
    hour = rng.choice(CALL_HOURS, size=total, p=_p(CALL_HOUR_WEIGHTS))
    seconds = rng.integers(0, 3600, total)
    epoch_us = (int(midnight.timestamp()) - days_ago * 86_400 + hour * 3600 + seconds) * 1_000_000
    talk = np.isin(outcome, RPC_OUTCOMES) | (outcome == "third_party")
    ringing = np.where(channel == "call", rng.integers(0, 40, total), 0)
    duration = np.where(talk, rng.integers(60, 600, total), ringing)
    frame = (
        pl.DataFrame(
            {
                "case_id": owner_case,
                "debtor_id": owner_case,
                "user_id": np.where(np.isin(channel, ("call", "visit")), user, 0),
                "at": epoch_us,
                "channel": channel.astype(str),
                "direction": np.where(inbound, "inbound", "outbound"),
                "outcome": outcome.astype(str),
                "duration_s": duration,
                "amount_hint": rng.integers(5, 200, total) * 10_000,
            }
        )
        .with_columns(
            pl.col("at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            pl.when(pl.col("user_id") > 0).then(pl.col("user_id")).alias("user_id"),
            pl.lit("").alias("notes"),
        )
        .sort("at")
    )
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("id"))


def _promises_and_payments(
    conn: Connection, rng: np.random.Generator, inter: pl.DataFrame, acc: pl.DataFrame, today: date
) -> tuple[int, int]:
    made = inter.filter(pl.col("outcome") == "promise").select("case_id", "at", "user_id", "amount_hint")
    n = made.height
    made = made.with_columns(
        (
            pl.col("at").dt.convert_time_zone(ZONE).dt.date()
            + pl.duration(days=pl.Series(rng.integers(1, 15, n)))
        ).alias("due")
    )
    due = made["due"]
    roll = rng.random(n)
    past = (due < today).to_numpy()
    settled = np.where(roll < 0.6, "kept", np.where(roll < 0.7, "partly_kept", "broken"))
    status = np.where(~past, "pending", settled)
    amount = made["amount_hint"].to_numpy()
    paid = np.where(status == "kept", amount, np.where(status == "partly_kept", amount // 2, 0))
    promises = pl.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "case_id": made["case_id"],
            "amount": amount,
            "currency": ["CNY"] * n,
            "due_date": due,
            "created_at": made["at"],
            "created_by": made["user_id"],
            "status": status,
            "paid_amount": paid,
        }
    )
    insert_frame(conn, t.promises, promises)
    first_account = acc.group_by("case_id").agg(pl.col("id").min().alias("account_id"))
    payers = promises.filter(pl.col("paid_amount") > 0).join(first_account, on="case_id")
    m = payers.height
    payments = payers.select(
        pl.int_range(1, m + 1, dtype=pl.Int64).alias("id"),
        pl.lit(1).alias("creditor_id"),
        (pl.lit("P") + pl.int_range(1, m + 1).cast(pl.Utf8).str.zfill(10)).alias("external_ref"),
        "account_id",
        pl.col("paid_amount").alias("amount"),
        pl.lit("CNY").alias("currency"),
        (pl.col("created_at") + pl.duration(days=1)).alias("paid_at"),
        pl.lit("银行转账").alias("method"),
    )
    insert_frame(conn, t.payments, payments)
    return n, m


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--url", required=True, help="Database URL (an empty database; it is migrated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-account", type=float, default=10.0, help="Interactions per account")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="History ends the day before")
    args = parser.parse_args()
    engine = make_engine(args.url)
    upgrade(engine)
    counts = make_portfolio(
        engine, args.accounts, seed=args.seed, today=args.today, per_account=args.per_account
    )
    engine.dispose()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
