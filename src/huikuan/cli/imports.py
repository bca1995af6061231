"""`huikuan import accounts|payments|recalls`: a creditor's placement or payment file, with its report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from huikuan.cli.common import fail, open_uow, stages
from huikuan.errors import HuikuanError, ImportRejected
from huikuan.i18n import gettext as _

app = typer.Typer(help="Import creditor files.", no_args_is_help=True)


def _print_report(report: Any, as_json: bool) -> None:
    data = report.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))
        return
    typer.echo(
        _(
            "{file}: {rows_read} rows read ({encoding}); {created} created, {updated} updated, "
            "{unchanged} unchanged, {rejected} rejected, {skipped} skipped.",
            **data,
        )
    )
    from huikuan.i18n import default_locale
    from huikuan.intake import RowError, SkippedRow, reason_in, skip_reason_in

    for e in data["errors"][:200]:
        reason = reason_in(
            RowError(e["row"], e["column"], e["value"], e["code"], e["reason"], e["detail"]), default_locale()
        )
        typer.echo(
            _(
                "  row {row}, {column} = {value!r}: {reason}",
                row=e["row"],
                column=e["column"],
                value=e["value"],
                reason=reason,
            )
        )
    if len(data["errors"]) > 200:
        typer.echo(_("  ... and {n} more (see --json)", n=len(data["errors"]) - 200))
    for s in data["skipped_rows"]:
        reason = skip_reason_in(SkippedRow(s["row"], s["reason"]), default_locale())
        typer.echo(_("  row {row} skipped: {reason}", row=s["row"], reason=reason))
    if data["rejects_file"]:
        typer.echo(_("Rejected rows written to {path}", path=data["rejects_file"]))


def _run_import(kind: str, as_json: bool, call: Any) -> None:
    try:
        with stages(_(kind), 2) as progress, open_uow(immediate=True) as uow:
            report = call(uow, progress)
    except ImportRejected as exc:
        if exc.report is not None:
            _print_report(exc.report, as_json)
        raise fail(str(exc), 1) from exc
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    _print_report(report, as_json)


@app.command("accounts")
def import_accounts_cmd(
    file: Path = typer.Argument(..., help="Placement file: .csv, .txt, .xlsx or .parquet"),
    creditor: str = typer.Option(..., "--creditor", help="Creditor code"),
    strict: bool = typer.Option(True, "--strict/--lenient", help="Strict: one bad row rejects the file"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML header mapping, kept for the creditor"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name (default: the first)"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The file's date, for days-past-due columns (default: today on the floor)"
    ),
    rejects: Path | None = typer.Option(None, "--rejects", help="Where lenient mode writes bad rows"),
    as_json: bool = typer.Option(False, "--json", help="One JSON report on standard output"),
) -> None:
    """Import a creditor's placement file (accounts, debtors, parties, contact points)."""
    from huikuan.services.imports import import_accounts

    day = date.fromisoformat(as_of) if as_of else None
    _run_import(
        "import accounts",
        as_json,
        lambda uow, progress: import_accounts(
            uow,
            file,
            creditor,
            strict=strict,
            mapping_file=mapping,
            sheet=sheet,
            as_of=day,
            rejects=rejects,
            progress=progress,
        ),
    )


@app.command("payments")
def import_payments_cmd(
    file: Path = typer.Argument(..., help="Payments file: .csv, .xlsx or .parquet"),
    creditor: str = typer.Option(..., "--creditor", help="Creditor code"),
    strict: bool = typer.Option(True, "--strict/--lenient", help="Strict: one bad row rejects the file"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML header mapping"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name (default: the first)"),
    rejects: Path | None = typer.Option(None, "--rejects", help="Where lenient mode writes bad rows"),
    as_json: bool = typer.Option(False, "--json", help="One JSON report on standard output"),
) -> None:
    """Import payments received; the same payment imported twice counts once."""
    from huikuan.services.imports import import_payments

    _run_import(
        "import payments",
        as_json,
        lambda uow, progress: import_payments(
            uow,
            file,
            creditor,
            strict=strict,
            mapping_file=mapping,
            sheet=sheet,
            rejects=rejects,
            progress=progress,
        ),
    )


@app.command("recalls")
def import_recalls_cmd(
    file: Path = typer.Argument(..., help="Recall or closure file: .csv, .xlsx or .parquet"),
    creditor: str = typer.Option(..., "--creditor", help="Creditor code"),
    strict: bool = typer.Option(True, "--strict/--lenient", help="Strict: one bad row rejects the file"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML header mapping"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name (default: the first)"),
    rejects: Path | None = typer.Option(None, "--rejects", help="Where lenient mode writes bad rows"),
    as_json: bool = typer.Option(False, "--json", help="One JSON report on standard output"),
) -> None:
    """Import the creditor's recalls and closures: the accounts named leave every queue and plan at once."""
    from huikuan.services.imports import import_recalls

    _run_import(
        "import recalls",
        as_json,
        lambda uow, progress: import_recalls(
            uow,
            file,
            creditor,
            strict=strict,
            mapping_file=mapping,
            sheet=sheet,
            rejects=rejects,
            progress=progress,
        ),
    )
