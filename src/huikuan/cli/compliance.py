"""`huikuan compliance`: ask the gate from a shell or a dialer (exit 0 allowed, 1 refused, 2 invalid)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from huikuan.compliance.check import check as check_request
from huikuan.compliance.contract import InvalidRequest, decode_request
from huikuan.compliance.pack import PackError, available_packs, load_overrides, load_pack
from huikuan.i18n import gettext as _

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


@app.command()
def demands(
    case_id: int = typer.Argument(..., help="Case id"),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on standard output (UTF-8, formulas neutralised)."),
) -> None:
    """The demands for payment recorded on a case, oldest first: the evidence of each restart of a cn
    limitation period (contacts that reached the debtor, messages and letters sent to the debtor)."""
    import csv
    import io

    from huikuan.cli.common import fail, open_uow
    from huikuan.errors import HuikuanError
    from huikuan.services.notices_view import case_demands_csv

    try:
        with open_uow() as uow:
            text = case_demands_csv(uow, case_id)
    except HuikuanError as exc:
        raise fail(str(exc), 2) from exc
    if as_csv:
        typer.echo(text, nl=False)
        return
    rows = list(csv.reader(io.StringIO(text)))[1:]
    for at, kind, ref, channel, what, by in rows:
        typer.echo(f"{at}  {kind:<8} {ref:>8}  {channel:<8} {what:<20} {by}")
    typer.echo(_("{n} demand(s) recorded on case {case_id}", n=len(rows), case_id=case_id))
