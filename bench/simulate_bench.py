"""Benchmark of the strategies on the simulator: every strategy on the default scenario, seeds 1..5.

Run: .venv/bin/python bench/simulate_bench.py [--quick] [--days 90] [--seeds 1,2,3,4,5] [--jobs 1]
     [--scenario FILE] [--strategies optimized,round-robin,...]

Reports recovered per strategy and seed, the optimized strategy's lift over the best baseline per seed,
violations, and wall time per run. Targets: optimized >= 15% more recovered than the best baseline on
every seed, 0 violations, 90 days <= 60 s per strategy. --quick: 30 days, seeds 1 and 2.
Each run is a separate process (`huikuan.simulate.run`); --jobs 2 runs two at once (timings then share
the machine's two cores, so measure time with --jobs 1).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASELINES = ("balance-first", "oldest-first", "round-robin")
STRONG = "expert"  # a skilled supervisor's rules (strategy/expert.py): the lift that matters
DEFAULT = ("optimized", "optimized-calls", *BASELINES, STRONG, "idle")


def one(scenario: str | None, strategy: str, days: int, seed: int) -> dict[str, object]:
    cmd = [
        sys.executable,
        "-c",
        (
            "import json,sys; from huikuan.simulate import load, run; "
            "r = run(load(sys.argv[1] or None), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])).data; "
            "r.pop('series'); print(json.dumps(r))"
        ),
        scenario or "",
        strategy,
        str(days),
        str(seed),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    data: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--days", type=int)
    parser.add_argument("--seeds")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--scenario")
    parser.add_argument("--strategies", default=",".join(DEFAULT))
    parser.add_argument("--out", default="bench/out/simulate.json")
    args = parser.parse_args()
    days = args.days or (30 if args.quick else 90)
    seeds = [int(s) for s in (args.seeds or ("1,2" if args.quick else "1,2,3,4,5")).split(",")]
    strategies = args.strategies.split(",")
    jobs = [(s, seed) for seed in seeds for s in strategies]
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        results = list(pool.map(lambda job: one(args.scenario, job[0], days, job[1]), jobs))
    by = {(r["strategy"], r["seed"]): r for r in results}
    width = max(len(s) for s in strategies)
    print(f"{days} days, scenario {results[0]['scenario']}, {results[0]['debtors']:,} debtors")
    header = f"{'strategy':<{width}} " + " ".join(f"{'seed ' + str(s):>14}" for s in seeds)
    print(header + f" {'violations':>10} {'s/run':>7}")
    for s in strategies:
        rec = " ".join(f"{by[(s, seed)]['recovered']:>14,.0f}" for seed in seeds)
        viol = sum(int(str(by[(s, seed)]["violations"])) for seed in seeds)
        secs = sum(float(str(by[(s, seed)]["seconds"])) for seed in seeds) / len(seeds)
        print(f"{s:<{width}} {rec} {viol:>10} {secs:>7.1f}")
    lifts = []
    if "optimized" in strategies and any(b in strategies for b in BASELINES):  # the rule-of-thumb ones
        for seed in seeds:
            best_name = max(
                (b for b in BASELINES if b in strategies), key=lambda b: by[(b, seed)]["recovered"]
            )
            lift = (
                float(str(by[("optimized", seed)]["recovered"]))
                / float(str(by[(best_name, seed)]["recovered"]))
                - 1
            )
            lifts.append({"seed": seed, "best_baseline": best_name, "lift": lift})
            print(f"seed {seed}: optimized vs {best_name}: {lift:+.1%}")
    if "optimized" in strategies and STRONG in strategies:
        for seed in seeds:
            lift = (
                float(str(by[("optimized", seed)]["recovered"])) / float(str(by[(STRONG, seed)]["recovered"]))
                - 1
            )
            lifts.append({"seed": seed, "best_baseline": STRONG, "lift": lift})
            print(f"seed {seed}: optimized vs {STRONG}: {lift:+.1%}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"days": days, "runs": results, "lift": lifts}, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
