"""Honest expectations: the optimized plan's expected recovery against what the simulated world then paid.

Run: .venv/bin/python bench/calibration_bench.py [--days 120] [--seeds 1,2,3] [--jobs 2] [--scenario FILE]
     [--plot docs/calibration.png]

Each seed is one run of `optimized` (a process of its own) on the scenario (the default: 10,000 debtors,
learning on). Every run reports, per segment and action, what its plans expected to recover within 30
days and what those cases then paid in those 30 days, for the plan days from day 30 on whose 30 days
were simulated (huikuan/simulate/expectations.py). This sums the seeds, prints the table as markdown
(for docs/benchmarks-strategy.md) and draws expected against paid, and the planned P(pay) against the
share that paid, to --plot. Target (issue 20): each within 15% once the model has learned.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

TARGET = 0.15  # paid within 15% of expected


def one(scenario: str | None, days: int, seed: int) -> list[dict[str, Any]]:
    cmd = [
        sys.executable,
        "-c",
        (
            "import json,sys; from huikuan.simulate import load, run; "
            "r = run(load(sys.argv[1] or None), 'optimized', int(sys.argv[2]), int(sys.argv[3])).data; "
            "print(json.dumps(r['expectations']))"
        ),
        scenario or "",
        str(days),
        str(seed),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    rows: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def summed(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The seeds' tables added up per segment and action (means weighted by plan rows)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rows in runs:
        for r in rows:
            k = (r["segment"], r["action"])
            s = out.setdefault(k, {"segment": k[0], "action": k[1], "plans": 0, "p": 0.0, "payers": 0.0})
            s["plans"] += r["plans"]
            s["p"] += r["p_pay"] * r["plans"]
            s["payers"] += r["paid_share"] * r["plans"]
            s["expected"] = s.get("expected", 0) + r["expected"]
            s["paid"] = s.get("paid", 0) + r["paid"]
    table = []
    for s in sorted(out.values(), key=lambda s: (s["segment"], s["action"])):
        table.append(
            {
                "segment": s["segment"],
                "action": s["action"],
                "plans": s["plans"],
                "p_pay": s["p"] / s["plans"],
                "paid_share": s["payers"] / s["plans"],
                "expected": s["expected"],
                "paid": s["paid"],
                "ratio": s["paid"] / s["expected"] if s["expected"] else None,
            }
        )
    return table


def markdown(table: list[dict[str, Any]]) -> str:
    lines = [
        "| segment | action | plan rows | mean P(pay) planned | share that paid | expected | paid "
        "| paid / expected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(
            f"| {r['segment']} | {r['action']} | {r['plans']:,} | {r['p_pay']:.3f} | {r['paid_share']:.3f} "
            f"| {r['expected'] / 100:,.0f} | {r['paid'] / 100:,.0f} | {ratio} |"
        )
    total_e = sum(r["expected"] for r in table)
    total_p = sum(r["paid"] for r in table)
    plans = sum(r["plans"] for r in table)
    lines.append(
        f"| all | all | {plans:,} | | | {total_e / 100:,.0f} | {total_p / 100:,.0f} "
        f"| {total_p / total_e:.2f} |"
    )
    return "\n".join(lines)


def plot(table: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    segments = sorted({r["segment"] for r in table})
    colours = dict(zip(segments, ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=False))
    cells = [r for r in table if r["ratio"] is not None]
    fig, (money, prob) = plt.subplots(1, 2, figsize=(12, 0.25 * len(cells) + 1.5))
    names = [f"{r['segment']} / {r['action']}" for r in cells]
    money.barh(names, [r["ratio"] for r in cells], color=[colours[r["segment"]] for r in cells])
    money.axvspan(1 - TARGET, 1 + TARGET, color="grey", alpha=0.25, label=f"within {TARGET:.0%}")
    money.axvline(1.0, color="black", lw=0.8)
    money.invert_yaxis()
    money.tick_params(axis="y", labelsize=7)
    money.set(xlabel="paid in the 30 days / expected recovery")
    money.set_title("money")
    money.legend(fontsize=8)
    for segment in segments:
        mine = [r for r in cells if r["segment"] == segment]
        prob.scatter(
            [r["p_pay"] for r in mine],
            [r["paid_share"] for r in mine],
            s=[max(8.0, min(200.0, r["plans"] / 500)) for r in mine],
            color=colours[segment],
            label=segment,
        )
        for r in mine:
            prob.annotate(r["action"], (r["p_pay"], r["paid_share"]), fontsize=7)
    prob.plot([0, 1], [0, 1], "k-", lw=0.8)
    prob.set(xlabel="mean P(pay within 30 days) planned", ylabel="share that paid in the 30 days")
    prob.set_title("probability (dot size: plan rows)")
    prob.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scenario")
    parser.add_argument("--plot", default="docs/calibration.png")
    parser.add_argument("--out", default="bench/out/calibration.json")
    parser.add_argument("--replot", action="store_true", help="Draw --plot again from --out; run nothing.")
    args = parser.parse_args()
    if args.replot:
        plot(json.loads(Path(args.out).read_text(encoding="utf-8"))["table"], Path(args.plot))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        runs = list(pool.map(lambda seed: one(args.scenario, args.days, seed), seeds))
    table = summed(runs)
    print(f"optimized, {args.days} days, seeds {args.seeds}; plan days from 30 whose 30 days were simulated")
    print(markdown(table))
    off = [r for r in table if r["ratio"] is not None and abs(r["ratio"] - 1) > TARGET]
    print(f"within {TARGET:.0%}: {len(table) - len(off)} of {len(table)} segment x action cells")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"days": args.days, "seeds": seeds, "table": table}, indent=1), encoding="utf-8"
    )
    plot(table, Path(args.plot))


if __name__ == "__main__":
    main()
