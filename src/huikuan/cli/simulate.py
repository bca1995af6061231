"""`huikuan simulate`: run a strategy on a simulated portfolio and print the result.

The lead mounts it with `app.add_typer(simulate_app, name="simulate")` (see `app` below: a Typer app
whose callback is the command) or registers the plain function: `app.command("simulate")(simulate)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from huikuan.errors import HuikuanError
from huikuan.simulate.scenario import load
from huikuan.simulate.world import run
from huikuan.strategy.strategies import REGISTRY

app = typer.Typer(help="Simulate a collection floor.", add_completion=False)


def simulate(
    scenario: Path | None = typer.Option(
        None, "--scenario", help="Scenario TOML file (default scenario if omitted)."
    ),
    strategy: str = typer.Option("optimized", "--strategy", help=f"One of: {', '.join(REGISTRY)}."),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="Days to simulate."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same result."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    series: bool = typer.Option(False, "--series", help="Include the per-day series in the JSON."),
    sweep: Path | None = typer.Option(
        None,
        "--sweep",
        help="Sweep file (TOML): strategies x seeds x scenario variants, each strategy's lift over the "
        "baseline with its 95% interval (docs/simulator.md).",
    ),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes for a sweep (0: one per core)."),
) -> None:
    """Run STRATEGY for DAYS on the scenario's simulated portfolio; the gate checks every contact."""
    if sweep is not None:
        _sweep(sweep, workers, as_json)
        return
    try:
        sc = load(scenario)
        if strategy not in REGISTRY:
            raise HuikuanError(
                "strategy: unknown strategy {name!r} (known: {known})",
                name=strategy,
                known=", ".join(REGISTRY),
            )

        def progress(d: int, _info: dict[str, object]) -> None:
            if sys.stderr.isatty() and not as_json:
                typer.echo(f"\rday {d + 1}/{days}", err=True, nl=False)

        result = run(sc, strategy, days, seed, progress).data
    except HuikuanError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not series:
        result = {k: v for k, v in result.items() if k != "series"}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    if sys.stderr.isatty():
        typer.echo("", err=True)
    cal = result["calibration"]
    r, cur = result, result["currency"]
    lines = [
        f"{r['scenario']} / {r['strategy']}: {days} days, {r['debtors']:,} debtors, seed {seed}",
        f"recovered   {r['recovered']:>16,.2f} {cur}  (liquidation {cal['liquidation']:.1%})",
        f"cost        {r['cost']:>16,.2f} {cur}",
        f"contacts    {r['contacts']:>16,}  (calls {r['calls']:,}, messages {r['messages']:,}, "
        f"visits {r['visits']:,})",
        f"right-party {r['right_party_contacts']:>16,}  ({cal['rpc_per_call_attempt']} per call attempt)",
        f"promises    {r['promises']:>16,}  kept {r['promises_kept']:,}, broken {r['promises_broken']:,}",
        f"complaints  {r['complaints']:>16,}  disputes {r['disputes']:,}",
        f"violations  {r['violations']:>16,}  (refused by the gate, not made: {r['refused_by_gate']:,})",
        f"time        {r['seconds']:>16.1f} s",
    ]
    typer.echo("\n".join(lines))


app.callback(invoke_without_command=True)(simulate)


def _sweep(path: Path, workers: int, as_json: bool) -> None:
    from dataclasses import replace

    from huikuan.simulate.sweep import read_sweep, run_sweep

    try:
        plan = read_sweep(path)
    except HuikuanError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    if workers:
        plan = replace(plan, workers=workers)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            typer.echo(f"\rrun {done}/{total}", err=True, nl=False)

    outcome = run_sweep(plan, progress)
    if sys.stderr.isatty():
        typer.echo("", err=True)
    if as_json:
        typer.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))
        return
    lines = [
        f"{len(plan.seeds)} paired seeds, {plan.days} days, the first {plan.learning_days} not counted; "
        f"lift in recovered over {plan.baseline}, mean [95% interval]:"
    ]
    for lift in outcome.lifts():
        lines.append(
            f"  {lift.variant:<24} {lift.strategy:<16} {lift.mean:+8.1%}  [{lift.low:+.1%}, {lift.high:+.1%}]"
        )
    lines.append(f"violations: {sum(outcome.violations.values())}")
    typer.echo("\n".join(lines))
