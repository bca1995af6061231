"""Times search (services/search.py) at 1,000,000 debtors, each kind of query, on PostgreSQL and SQLite.

    .venv/bin/python bench/search_bench.py [--debtors 1000000] [--db both|postgresql|sqlite] [--rebuild]

The databases are built once and kept: PostgreSQL `hk_bench_search` on the server of --pg-url, SQLite
/tmp/hk_bench_search-N.sqlite; a record bench/out/search-N-<db>.json says one is complete. One `cn`
creditor; each debtor a Chinese name (one of 100 surnames and one or two of 400 given-name characters,
so a full name is shared by a few debtors and a surname by about 1%), a sealed PRC national ID with its
keyed hash and mask, one case (half of them in the pool, the others assigned to 20 collectors of 4
teams), one account with its contract number, and 1.5 mobiles on average. The rows and their search keys
(domain/search_keys.py, the same rules as storage/search_keys.py) are made as Polars frames and loaded
in bulk (COPY on PostgreSQL).

The timing calls `search()` as the supervisor (every case in scope) and as a collector (its team's and
the pool), the whole use case: reading the query, the counts, the page of 20, the masks and the audit
event it writes. --queries random queries of each kind (seeded) after a warm-up; the median, p95 and
max per kind. Target: median <= 100 ms on PostgreSQL, <= 300 ms on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, func, select
from sqlalchemy.engine import make_url

from huikuan.domain.national_id import mask_national_id
from huikuan.domain.search_keys import name_key, name_pinyin
from huikuan.sealing import keyring, lookup_hash, seal
from huikuan.services.access import get_viewer
from huikuan.services.creditors import add_creditor
from huikuan.services.search import search
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade
from huikuan.storage.uow import UnitOfWork

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "hk_bench_search"
PASSWORD = "bench-password-1"
TARGET_MS = {"postgresql": 100.0, "sqlite": 300.0}
CHUNK = 100_000
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏辉燕建国文志新春海林斌宇浩凯晨"
    "宁亮飞波鑫俊峰琳慧颖婷雪梅晶婧琴云莉倩欣怡佳琪思雨嘉欢乐瑶玲丹凤洁丽娇健博昊然子轩浩宇梓涵"
    "一诺依晴可馨若汐语桐雅彤紫萱诗涵梦琪忆柳之桃慕青问兰尔岚元香初夏沛菡傲珊曼文乐菱痴珊恨玉惜"
    "香寒新柔语蓉海安夜蓉涵柏水桃醉蓝春儿语琴从彤傲晴语兰又菱碧彤元霜怜梦紫寒妙彤曼易南莲紫翠雨"
    "寒易烟如萱若南寻真晓亦向珊慕灵以蕊寻雁映易雪柳孤岚笑霜海云凝天沛珊寒云冰旋宛儿绿真盼儿晓霜"
    "碧凡夏菡曼香若烟半梦雅绿冰蓝灵槐平安书翠翠风香巧代云梦曼幼翠友巧听寒梦柏醉易访旋亦玉凌萱访"
)


def _pg_admin(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(parsed.database)))


def _url(db: str, pg_url: str, debtors: int) -> str:
    if db == "postgresql":
        return make_url(pg_url).set(database=DATABASE).render_as_string(hide_password=False)
    return f"sqlite:////tmp/{DATABASE}-{debtors}.sqlite"


def _fresh(db: str, url: str) -> None:
    if db == "postgresql":
        _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
        _pg_admin(url, "CREATE DATABASE {db}")
    else:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _names(rng: np.random.Generator, n: int) -> list[str]:
    sur = rng.integers(0, len(SURNAMES), n)
    one = rng.integers(0, len(GIVEN), n)
    two = rng.integers(0, len(GIVEN), n)
    double = rng.random(n) < 0.6
    return [
        SURNAMES[s] + GIVEN[a] + (GIVEN[b] if d else "")
        for s, a, b, d in zip(sur, one, two, double, strict=True)
    ]


def _national_ids(rng: np.random.Generator, n: int) -> list[str]:
    """18-character IDs of the PRC form (unique by their sequence; check characters not computed)."""
    seq = rng.permutation(n)
    days = rng.integers(0, 365 * 40, n)
    base = np.datetime64("1960-01-01") + days.astype("timedelta64[D]")
    born = np.datetime_as_string(base, unit="D")
    return [
        f"110101{b.replace('-', '')}{s:04d}"[:17] + str(s % 10)
        for b, s in zip(born, seq % 10_000, strict=True)
    ]


def _debtor_frame(rng: np.random.Generator, first: int, n: int, creditor: int) -> pl.DataFrame:
    ring = keyring()
    names = pl.Series("name", _names(rng, n))
    ids = _national_ids(rng, n)
    distinct = names.unique()
    keys = dict(zip(distinct.to_list(), [name_key(v) for v in distinct.to_list()], strict=True))
    spelled = dict(zip(distinct.to_list(), [name_pinyin(v) for v in distinct.to_list()], strict=True))
    return pl.DataFrame(
        {
            "id": np.arange(first, first + n),
            "creditor_id": creditor,
            "name": names,
            "national_id": [seal(v, keys=ring) for v in ids],
            "national_id_hash": [lookup_hash(v, keys=ring) for v in ids],
            "national_id_masked": [mask_national_id(v) for v in ids],
            "language": "zh",
            "address_country": "CN",
            "name_key": names.replace_strict(keys, return_dtype=pl.Utf8),
            "name_pinyin": names.replace_strict(spelled, return_dtype=pl.Utf8),
        }
    )


def _load_chunk(conn: Connection, rng: np.random.Generator, first: int, n: int, ctx: dict[str, Any]) -> None:
    debtors = _debtor_frame(rng, first, n, ctx["creditor"])
    ids = debtors["id"]
    chosen = rng.choice(ctx["collectors"], n).tolist()
    assigned = [None if pool else c for pool, c in zip((rng.random(n) < 0.5).tolist(), chosen, strict=True)]
    cases = pl.DataFrame({"id": ids, "creditor_id": ctx["creditor"], "debtor_id": ids}).with_columns(
        pl.Series("assigned_user_id", assigned, dtype=pl.Int64)
    )
    accounts = pl.DataFrame(
        {
            "id": ids,
            "creditor_id": ctx["creditor"],
            "debtor_id": ids,
            "case_id": ids,
            "external_ref": [f"HT{i:09d}" for i in ids.to_list()],
            "currency": "CNY",
            "principal": 100_000,
            "balance": 100_000,
        }
    )
    owners = np.concatenate([ids.to_numpy(), ids.to_numpy()[rng.random(n) < 0.5]])
    heads = rng.choice(list("3456789"), owners.size)
    mobiles = [f"1{p}{x:09d}" for p, x in zip(heads, rng.integers(0, 10**9, owners.size), strict=True)]
    points = pl.DataFrame(
        {
            "id": np.arange(ctx["next_point"], ctx["next_point"] + owners.size),
            "debtor_id": owners,
            "kind": "mobile",
            "value": ["+86" + m for m in mobiles],
            "phone_digits": mobiles,
            "phone_last4": [m[-4:] for m in mobiles],
        }
    )
    ctx["next_point"] += owners.size
    for table, frame in (
        (t.debtors, debtors),
        (t.cases, cases),
        (t.accounts, accounts),
        (t.contact_points, points),
    ):
        insert_frame(conn, table, frame)


def build(db: str, url: str, total: int, seed: int) -> dict[str, Any]:
    _fresh(db, url)
    engine = make_engine(url)
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        creditor = add_creditor(uow, "BENCH", "基准银行", region="CN", currency="CNY", pack="cn").id
        add_user(uow, "bench_sup", PASSWORD, role="supervisor")
        collectors = [
            add_user(uow, f"bench_c{i}", PASSWORD, role="collector", team=f"组{i % 4}").id for i in range(20)
        ]
        uow.commit()
    rng = np.random.default_rng(seed)
    ctx: dict[str, Any] = {"creditor": creditor, "collectors": collectors, "next_point": 1}
    started = time.perf_counter()
    with engine.begin() as conn:
        for first in range(1, total + 1, CHUNK):
            _load_chunk(conn, rng, first, min(CHUNK, total + 1 - first), ctx)
            print(f"  {min(first + CHUNK - 1, total):,} debtors", flush=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    counts = {
        "debtors": total,
        "contact_points": ctx["next_point"] - 1,
        "seconds": round(time.perf_counter() - started, 1),
    }
    engine.dispose()
    return counts


def _samples(engine: Any, rng: np.random.Generator, n: int) -> dict[str, list[str]]:
    """`n` queries of each kind, drawn from the rows on file."""
    d, cp = t.debtors.c, t.contact_points.c
    with engine.connect() as conn:
        top = int(conn.execute(select(func.max(d.id))).scalar_one())
        picks = [int(i) for i in rng.integers(1, top + 1, n)]
        rows = conn.execute(select(d.id, d.name, d.national_id).where(d.id.in_(picks))).all()
        phones = conn.execute(select(cp.value).where(cp.debtor_id.in_(picks))).scalars().all()
    from huikuan.sealing import unseal

    ids = [unseal(r.national_id) for r in rows]
    return {
        "name (full, Chinese)": [r.name for r in rows],
        "name (surname only)": [r.name[0] for r in rows],
        "name (pinyin)": [name_pinyin(r.name) or "" for r in rows],
        "phone (last 4)": [p[-4:] for p in phones][:n],
        "phone (whole, formatted)": [f"{p[3:6]} {p[6:10]} {p[10:]}" for p in phones][:n],
        "national ID": ids,
        "name + ID last 4": [f"{r.name} {i[-4:]}" for r, i in zip(rows, ids, strict=True)],
        "contract number": [f"HT{r.id:09d}" for r in rows],
        "case id": [str(r.id) for r in rows],
    }


def bench(url: str, queries: int, seed: int) -> dict[str, Any]:
    engine = make_engine(url)
    rng = np.random.default_rng(seed + 1)
    samples = _samples(engine, rng, queries)
    results: dict[str, Any] = {}
    with UnitOfWork(engine) as uow:
        users = dict(uow.session.execute(select(t.users.c.username, t.users.c.id)).all())
        viewers = {
            "supervisor": get_viewer(uow, users["bench_sup"]),
            "collector": get_viewer(uow, users["bench_c1"]),
        }
        for who, viewer in viewers.items():
            for kind, typed in samples.items():
                for q in typed[:3]:  # warm-up
                    search(uow, viewer, q)
                times, found = [], []
                for q in typed:
                    start = time.perf_counter()
                    answer = search(uow, viewer, q)
                    times.append((time.perf_counter() - start) * 1000)
                    found.append(answer.paging.total)
                times.sort()
                results[f"{who}: {kind}"] = {
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                    "max_ms": round(times[-1], 1),
                    "median_found": statistics.median(found),
                }
                print(f"  {who}: {kind}: {results[f'{who}: {kind}']}", flush=True)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debtors", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="Any database URL of the PostgreSQL server")
    parser.add_argument("--queries", type=int, default=50, help="Queries of each kind timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="Build the database again even if recorded")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    for db in ("postgresql", "sqlite") if args.db == "both" else (args.db,):
        url = _url(db, args.pg_url, args.debtors)
        record = OUT / f"search-{args.debtors}-{db}.json"
        if args.rebuild or not record.exists():
            print(f"building {db} with {args.debtors:,} debtors", flush=True)
            record.write_text(json.dumps(build(db, url, args.debtors, args.seed), indent=2))
        print(f"{db}: {record.read_text()}", flush=True)
        results = bench(url, args.queries, args.seed)
        worst = max(r["median_ms"] for r in results.values())
        summary = {
            "db": db,
            "debtors": args.debtors,
            "target_median_ms": TARGET_MS[db],
            "worst_median_ms": worst,
            "met": worst <= TARGET_MS[db],
            "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
            "results": results,
        }
        (OUT / f"search-{args.debtors}-{db}-times.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False)
        )
        print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
