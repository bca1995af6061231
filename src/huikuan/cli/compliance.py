"""`huikuan compliance`: ask the gate from a shell or a dialer (exit 0 allowed, 1 refused, 2 invalid)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from huikuan.compliance.check import check as check_request
from huikuan.compliance.contract import InvalidRequest, decode_request
from huikuan.compliance.pack import PackError, available_packs, load_overrides, load_pack

app = typer.Typer(help="The compliance gate.", no_args_is_help=True, add_completion=False)

EXIT_ALLOWED, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2


@app.command()
def check(
    pack: str | None = typer.Option(
        None, "--pack", help="Rule pack (us-reg-f, cn, uk-conc); else the request's `pack`, else us-reg-f."
    ),
    tighten: Path | None = typer.Option(
        None, "--tighten", help="TOML file of a creditor's stricter settings ([rules.<rule-id>] tables)."
    ),
) -> None:
    """Read a request (JSON) on standard input, print the decision (JSON) on standard output."""
    try:
        data = decode_request(sys.stdin.read())
    except InvalidRequest as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from None
    try:
        overrides = None
        if tighten is not None:
            try:
                overrides = load_overrides(tighten.read_text(encoding="utf-8"))
            except OSError as exc:
                raise PackError(f"--tighten: cannot read {tighten}: {exc.strerror}") from None
        decision = check_request(data, pack, overrides)
    except (InvalidRequest, PackError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(json.dumps(decision, ensure_ascii=False))
    raise typer.Exit(EXIT_ALLOWED if decision["allowed"] else EXIT_REFUSED)


@app.command()
def packs(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the rule packs with their versions and the rules each switches on."""
    rows = [load_pack(name) for name in available_packs()]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": p.name,
                        "version": p.version,
                        "title": p.title,
                        "rules": sorted(p.settings.enabled),
                    }
                    for p in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for p in rows:
        typer.echo(f"{p.name:<10} {p.version:<8} {p.title}")
