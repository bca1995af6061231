"""Benchmark of the daily planner's core: plan_day on synthetic portfolios, and its gap to HiGHS.

Run: .venv/bin/python bench/lagrangian_bench.py [--quick] [--sizes 100000,300000,1000000] [--lp-cases 2000]

Each size runs in its own process, so that its peak memory (max RSS) is its own. Targets: plan_day for
1,000,000 cases in <= 15 s on the 2-core reference machine; the allocation within 0.1% of the LP optimum
on the 2,000-case checks.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def one(n: int, seed: int) -> dict[str, object]:
    from huikuan.strategy import StrategyConfig, plan_day
    from huikuan.strategy.synthetic import inputs

    t0 = time.perf_counter()
    inp = inputs(n, seed)
    generate = time.perf_counter() - t0
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0, t0 = time.process_time(), time.perf_counter()
    result = plan_day(inp, StrategyConfig("optimized", {"seed": seed}))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "cases": n,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "inputs_rss_mb": round(base_rss / 1024, 1),
        "generate_seconds": round(generate, 2),
        "bound_gap": result.bound_gap,
        "actions": result.stats["actions"],
        "timings": {k: round(v, 2) for k, v in result.stats["timings"].items()},
        "resources": result.stats["resources"],
    }


def lp_gap(n: int, seeds: list[int]) -> list[dict[str, object]]:
    from huikuan.strategy import StrategyConfig, plan_day
    from huikuan.strategy.synthetic import inputs

    out = []
    for seed in seeds:
        result = plan_day(inputs(n, seed), StrategyConfig("optimized", {"exact": "lp", "seed": seed}))
        exact = result.stats["exact"]
        out.append(
            {
                "cases": n,
                "seed": seed,
                "allocation": round(result.stats["primal"]),
                "lp": round(exact["value"]),
                "gap": exact["gap"],
                "lp_seconds": round(exact["seconds"], 2),
                "bound_gap": result.bound_gap,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 cases only, one LP check")
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--lp-cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="bench/out/lagrangian.json")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    sizes = [100_000] if args.quick else [int(x) for x in args.sizes.split(",")]
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"plan_day {n:>9,} cases: {row['seconds']:6.2f} s wall, {row['cpu_seconds']:6.2f} s CPU, "
            f"peak RSS {row['peak_rss_mb']:7.1f} MB, bound gap {row['bound_gap']:.3%}  {row['timings']}"
        )
    gaps = lp_gap(args.lp_cases, [args.seed] if args.quick else [1, 2, 3, 4, 5])
    for g in gaps:
        print(
            f"LP check {g['cases']:,} cases seed {g['seed']}: allocation {g['allocation']:,} vs HiGHS LP "
            f"{g['lp']:,}: gap {g['gap']:.3%} (LP {g['lp_seconds']} s)"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"plan_day": rows, "lp": gaps}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
