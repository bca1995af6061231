"""`huikuan statements run|list|reconcile`: a creditor's monthly statement and remittance, and the
reconciliation of its own payment file. Thin: parse, call services/statements.py and
services/reconcile.py, print.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from huikuan.cli.common import fail, instant, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

app = typer.Typer(
    help="Creditors' monthly statements, remittance and reconciliation.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("run")
def run(
    creditor: str = typer.Option(..., "--creditor", help="The creditor's code"),
    month: str = typer.Option(..., "--month", help="The creditor's calendar month, e.g. 2026-11"),
    out: Path = typer.Option(..., "--out", help="The folder the files are written to"),
    locale: str | None = typer.Option(
        None, "--locale", help="zh_CN or en (default: by the creditor's region)"
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: totals in minor units and files"),
    now: str | None = typer.Option(None, "--now", help="Pretend it is this instant (ISO 8601)"),
) -> None:
    """Issue the creditor's statement for a month that is over (or, once issued, write its files
    again: the statement is frozen) with its remittance, PDF, CSV and XLSX detail and invoice."""
    from huikuan.services.creditors import get_creditor
    from huikuan.services.statements import run_statement

    if locale not in (None, "zh_CN", "en"):
        raise fail(_("--locale: zh_CN or en"), 2, as_json=as_json)
    try:
        with open_uow() as uow:  # run_statement takes the write lock only to write
            done = run_statement(
                uow, None, get_creditor(uow, creditor).id or 0, month, out, instant(now), locale=locale
            )
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    data = done.as_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    typer.echo(
        _(
            "Statement {period} of {creditor} ({state}): collected {collected}, reversed {reversed}, "
            "commission {commission}, remittance {remittance} (minor units of {currency})",
            period=done.period,
            creditor=done.creditor_code,
            state=_("issued") if done.issued_now else _("issued before, files written again"),
            collected=data["collected"],
            reversed=data["reversed"],
            commission=data["commission"],
            remittance=data["remittance"],
            currency=done.currency,
        )
    )
    for path in done.files.paths():
        typer.echo(str(path))


@app.command("list")
def list_(
    creditor: str = typer.Option(..., "--creditor", help="The creditor's code"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The creditor's statements, newest first."""
    from huikuan.services.creditors import get_creditor
    from huikuan.services.statements import list_statements

    try:
        with open_uow() as uow:
            rows = list_statements(uow, get_creditor(uow, creditor).id or 0)
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r["id"],
                        "period": r["period"],
                        "currency": r["currency"],
                        "remittance_mode": r["remittance"],
                        **r["headline"],
                        "issued_at": r["issued_at"].isoformat(),
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        typer.echo(_("No statement yet."))
    for r in rows:
        h = r["headline"]
        typer.echo(
            f"{r['period']}  #{r['id']}  {r['remittance']}  {r['currency']}  "
            f"{h['collected']}  {h['reversed']}  {h['commission']}  {h['remittance']}"
        )


@app.command("reconcile")
def reconcile_(
    creditor: str = typer.Option(..., "--creditor", help="The creditor's code"),
    file: Path = typer.Option(..., "--file", help="The creditor's own payment file (as for import payments)"),
    out: Path = typer.Option(..., "--out", help="The folder the differences' CSV is written to"),
    mapping: Path | None = typer.Option(None, "--mapping", help="A header mapping file (TOML)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Match the creditor's payment file against the payments recorded here: matched, amount differs,
    missing here, missing there; every difference goes into a CSV."""
    from huikuan.services.reconcile import reconcile

    try:
        with open_uow() as uow:
            done = reconcile(uow, creditor, file, out, mapping_file=mapping)
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(done.as_dict(), ensure_ascii=False))
        return
    typer.echo(
        _(
            "{matched} matched, {differs} with another amount, {here} missing here, {there} missing there",
            matched=done.counts["matched"],
            differs=done.counts["amount_differs"],
            here=done.counts["missing_here"],
            there=done.counts["missing_there"],
        )
    )
    typer.echo(str(done.csv))
