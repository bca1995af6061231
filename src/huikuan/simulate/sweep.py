"""Strategies × seeds × worlds: `huikuan simulate --sweep FILE`.

A sweep runs each strategy on each variant of the scenario (a world: the base scenario with some keys
set or scaled) for each seed, in parallel processes, and reports, per variant, each strategy's lift over
the baseline: per seed, what the strategy recovered over what the baseline recovered on the same seed
(the same debtors, the same draws of the world), less one; over the seeds, the mean and its 95% interval
(Student's t over the paired lifts). The first `learning_days` are left out of what is counted: a
strategy that learns is judged once it has had time to.

The sweep file (TOML):

    [sweep]
    strategies = ["optimized"]   # compared with the baseline
    baseline = "expert"
    seeds = 20                   # seeds 1..20 (or a list)
    days = 90
    learning_days = 30
    scenario = "base.toml"       # optional, beside the sweep file; the default scenario if omitted

    [base.scenario]              # optional: keys set on the base scenario for every variant, as in a
    debtors = 1000               # scenario file

    [variants.default]           # a world as the base scenario has it

    [variants.promises_halved]   # a world where fewer promises are kept than the planner expects
    scale = { "behaviour.promise_kept" = 0.5 }

    [variants.hours_inverted]
    set = { "debtors.hours_inverted" = true }

`set` gives a key its value; `scale` multiplies the base value (each entry of a table) by a factor.
Every resulting scenario is checked as a scenario file is.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from huikuan.simulate.scenario import Scenario, ScenarioError, from_dict, load
from huikuan.simulate.world import run
from huikuan.strategy.strategies import REGISTRY

SWEEP_KEYS = {"strategies", "baseline", "seeds", "days", "learning_days", "scenario", "workers"}
VARIANT_KEYS = {"set", "scale"}
MIN_SEEDS = 2  # an interval needs two paired seeds at least


@dataclass(frozen=True)
class Sweep:
    strategies: tuple[str, ...]
    baseline: str
    seeds: tuple[int, ...]
    days: int
    learning_days: int
    variants: dict[str, Scenario]
    workers: int = 0  # 0: one process per core

    @property
    def runs(self) -> list[tuple[str, str, int]]:
        """Every (variant, strategy, seed) to run, the baseline's included."""
        everyone = (self.baseline, *self.strategies)
        return [(v, s, seed) for v in self.variants for s in everyone for seed in self.seeds]


@dataclass(frozen=True)
class Lift:
    """One strategy against the baseline in one world, over the paired seeds."""

    variant: str
    strategy: str
    per_seed: tuple[float, ...]
    mean: float
    low: float  # the 95% interval of the mean
    high: float


@dataclass
class Outcome:
    sweep: Sweep
    recovered: dict[tuple[str, str, int], int] = field(default_factory=dict)  # minor units, after learning
    violations: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def lifts(self) -> list[Lift]:
        sw = self.sweep
        out = []
        for variant in sw.variants:
            for strategy in sw.strategies:
                per_seed = tuple(
                    self.recovered[(variant, strategy, seed)] / self.recovered[(variant, sw.baseline, seed)]
                    - 1
                    if self.recovered[(variant, sw.baseline, seed)] > 0
                    else math.nan
                    for seed in sw.seeds
                )
                mean, low, high = interval(per_seed)
                out.append(Lift(variant, strategy, per_seed, mean, low, high))
        return out

    def as_dict(self) -> dict[str, Any]:
        sw = self.sweep
        return {
            "baseline": sw.baseline,
            "strategies": list(sw.strategies),
            "seeds": list(sw.seeds),
            "days": sw.days,
            "learning_days": sw.learning_days,
            "lifts": [
                {
                    "variant": x.variant,
                    "strategy": x.strategy,
                    "mean": x.mean,
                    "low": x.low,
                    "high": x.high,
                    "per_seed": list(x.per_seed),
                }
                for x in self.lifts()
            ],
            "violations": sum(self.violations.values()),
        }


def interval(values: tuple[float, ...], confidence: float = 0.95) -> tuple[float, float, float]:
    """The mean of `values` and the two-sided `confidence` interval of it (Student's t, n - 1 degrees of
    freedom); NaN throughout when a value is missing or there are fewer than two."""
    n = len(values)
    if n < MIN_SEEDS or any(math.isnan(v) for v in values):
        return math.nan, math.nan, math.nan
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def read_sweep(path: str | Path) -> Sweep:
    """The sweep described by the TOML file at `path` (its scenario beside it), checked."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: not valid TOML ({exc})") from None
    return parse_sweep(data, p.parent)


def parse_sweep(data: Mapping[str, Any], folder: Path | None = None) -> Sweep:
    unknown = set(data) - {"sweep", "base", "variants"}
    if unknown:
        raise ScenarioError(f"{sorted(unknown)[0]}: unknown section (expected sweep, base, variants)")
    head = dict(data.get("sweep", {}))
    if set(head) - SWEEP_KEYS:
        raise ScenarioError(f"sweep.{sorted(set(head) - SWEEP_KEYS)[0]}: unknown key")
    strategies = tuple(head.get("strategies", ("optimized",)))
    baseline = str(head.get("baseline", "expert"))
    for name in (*strategies, baseline):
        if name not in REGISTRY:
            raise ScenarioError(f"sweep: unknown strategy {name!r} (known: {', '.join(REGISTRY)})")
    if not strategies or baseline in strategies:
        raise ScenarioError("sweep.strategies: at least one strategy, other than the baseline")
    seeds = _seeds(head.get("seeds", 20))
    days, learning = _whole(head, "days", 90, 1), _whole(head, "learning_days", 30, 0)
    if learning >= days:
        raise ScenarioError("sweep.learning_days: fewer than sweep.days, or nothing is counted")
    base = _base(head.get("scenario"), folder)
    base = _merged(base, dict(data.get("base", {})))
    variants = dict(data.get("variants", {})) or {"default": {}}
    return Sweep(
        strategies=strategies,
        baseline=baseline,
        seeds=seeds,
        days=days,
        learning_days=learning,
        variants={name: _variant(name, base, spec) for name, spec in variants.items()},
        workers=_whole(head, "workers", 0, 0),
    )


def _seeds(raw: Any) -> tuple[int, ...]:
    seeds = tuple(range(1, raw + 1)) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(seeds, list | tuple) or not all(isinstance(s, int) for s in seeds):
        raise ScenarioError("sweep.seeds: a number of seeds, or a list of them")
    if len(set(seeds)) < MIN_SEEDS:
        raise ScenarioError(f"sweep.seeds: at least {MIN_SEEDS} different seeds (an interval needs them)")
    return tuple(seeds)


def _whole(head: Mapping[str, Any], key: str, default: int, least: int) -> int:
    value = head.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ScenarioError(f"sweep.{key}: a whole number, at least {least}")
    return value


def _base(name: Any, folder: Path | None) -> dict[str, dict[str, Any]]:
    if name is None:
        return from_dict({}).as_dict()
    path = Path(str(name))
    return load(path if path.is_absolute() or folder is None else folder / path).as_dict()


def _merged(base: dict[str, dict[str, Any]], changes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out = {section: dict(values) for section, values in base.items()}
    for section, values in changes.items():
        if not isinstance(values, Mapping):
            raise ScenarioError(f"{section}: expected a table [{section}]")
        out.setdefault(section, {}).update(values)
    return from_dict(out).as_dict()


def _variant(name: str, base: dict[str, dict[str, Any]], spec: Any) -> Scenario:
    where = f"variants.{name}"
    if not isinstance(spec, Mapping) or set(spec) - VARIANT_KEYS:
        raise ScenarioError(f"{where}: a table of `set` and `scale`")
    changes: dict[str, dict[str, Any]] = {}
    for key, value in dict(spec.get("set", {})).items():
        section, item = _key(where, key)
        changes.setdefault(section, {})[item] = value
    for key, factor in dict(spec.get("scale", {})).items():
        section, item = _key(where, key)
        if item not in base.get(section, {}):
            raise ScenarioError(f"{where}.scale.{key}: unknown key")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 0:
            raise ScenarioError(f"{where}.scale.{key}: a factor, 0 or more")
        changes.setdefault(section, {})[item] = _scaled(f"{where}.scale.{key}", base[section][item], factor)
    try:
        return from_dict(_merged(base, changes), where)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _key(where: str, key: str) -> tuple[str, str]:
    section, dot, item = key.partition(".")
    if not dot:
        raise ScenarioError(f"{where}: {key!r} is not a key as section.name")
    return section, item


def _scaled(where: str, value: Any, factor: float) -> Any:
    if isinstance(value, Mapping):
        return {k: v * factor for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: only numbers and tables of numbers can be scaled")
    return value * factor


def _one(job: tuple[Scenario, str, int, int, int]) -> tuple[int, int]:
    """One run: (recovered after the learning days in minor units, violations)."""
    sc, strategy, days, seed, learning = job
    data = run(sc, strategy, days, seed).data
    daily = data["series"]["recovered"]  # per day, major units to the cent
    return sum(round(x * 100) for x in daily[learning:]), int(data["violations"])


def run_sweep(sweep: Sweep, progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Every run of the sweep, in `sweep.workers` processes (0: one per core); `progress(done, total)`."""
    runs = sweep.runs
    jobs = [(sweep.variants[v], s, sweep.days, seed, sweep.learning_days) for v, s, seed in runs]
    workers = sweep.workers or os.cpu_count() or 1
    outcome = Outcome(sweep)
    results: Iterator[tuple[int, int]]
    if workers == 1:
        results = map(_one, jobs)
        executor = None
    else:
        # Spawned, not forked: a fork of a process whose Polars threads are running can hang.
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        results = executor.map(_one, jobs)
    try:
        for done, (key, (recovered, violations)) in enumerate(zip(runs, results, strict=True), 1):
            outcome.recovered[key], outcome.violations[key] = recovered, violations
            if progress is not None:
                progress(done, len(runs))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return outcome
