"""The `expert` baseline tuned on a grid of its own settings, before the planner is compared with it.

Run: .venv/bin/python bench/expert_grid.py [--sweep bench/sweep_doubt.toml] [--seeds 1,2,3,4,5] [--jobs 2]

The world is the sweep file's base scenario (the default world of the sweep). One setting at a time is
moved over its grid (GRID) with the others at their defaults, each run on the same seeds (what is
counted: recovered, summed over the seeds, from the learning days on). Then, from the defaults, the
settings that did better alone are added one by one, the best first, each kept only if the whole does
better with it (settings interact: the best of each alone is not the best together). Prints every
setting's result and the settings to commit as `expert.Settings`' defaults; writes
bench/out/expert_grid.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from huikuan.simulate.scenario import Scenario
from huikuan.simulate.sweep import read_sweep
from huikuan.simulate.world import run
from huikuan.strategy.expert import Settings

GRID: dict[str, tuple[Any, ...]] = {
    "early_dpd": (15, 30, 60),
    "sms_gap_days": (2, 3, 7),
    "unreachable_attempts": (3, 5, 8),
    "letter_gap_days": (7, 14, 30),
    "reminder_days": (0, 1, 2),
    "fruitless_factor": (0.25, 0.5, 1.0),
    "paying_factor": (1.0, 1.5, 2.0),
}


def recovered(job: tuple[Scenario, int, int, int, dict[str, Any]]) -> int:
    sc, days, learning, seed, settings = job
    daily = run(sc, "expert", days, seed, params={"expert": settings}).data["series"]["recovered"]
    return sum(round(x * 100) for x in daily[learning:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", default="bench/sweep_doubt.toml")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="bench/out/expert_grid.json")
    parser.add_argument("--reuse", action="store_true", help="Take the runs already in --out (same seeds).")
    args = parser.parse_args()
    sweep = read_sweep(args.sweep)
    sc = next(iter(sweep.variants.values()))  # the first world: the base scenario as it is
    seeds = [int(s) for s in args.seeds.split(",")]
    defaults = asdict(Settings())
    known: dict[str, int] = {}  # settings (JSON) -> recovered, from an earlier run with --reuse
    out = Path(args.out)
    if args.reuse and out.exists():
        earlier = json.loads(out.read_text(encoding="utf-8"))
        if earlier["seeds"] == seeds and earlier["days"] == sweep.days:
            known = {json.dumps(r["settings"], sort_keys=True): r["recovered"] for r in earlier["runs"]}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:

        def total(settings: dict[str, Any]) -> int:
            key = json.dumps(settings, sort_keys=True)
            if key not in known:
                jobs = [(sc, sweep.days, sweep.learning_days, seed, settings) for seed in seeds]
                known[key] = sum(pool.map(recovered, jobs))
            return known[key]

        base = total(defaults)
        gains: list[tuple[int, str, Any]] = []
        for name, values in GRID.items():
            mine = [(value, total({**defaults, name: value})) for value in values]
            value, got = max(mine, key=lambda vr: vr[1])
            if got > base:
                gains.append((got, name, value))
            print(f"{name:<22} " + ", ".join(f"{v}: {r / base - 1:+.1%}" for v, r in mine))
        best, combined = dict(defaults), base
        for _got, name, value in sorted(gains, reverse=True):
            trial = {**best, name: value}
            got = total(trial)
            kept = got > combined
            print(
                f"with {name} = {value}: {got / base - 1:+.1%} over the defaults "
                f"({'kept' if kept else 'left out'})"
            )
            if kept:
                best, combined = trial, got
    print(f"defaults {defaults}: {base / 100:,.0f}")
    print(f"best     {best}: {combined / 100:,.0f} ({combined / base - 1:+.1%})")
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "seeds": seeds,
        "days": sweep.days,
        "learning_days": sweep.learning_days,
        "runs": [{"settings": json.loads(k), "recovered": r} for k, r in known.items()],
        "best": best,
        "best_recovered": combined,
    }
    out.write_text(json.dumps(record, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
