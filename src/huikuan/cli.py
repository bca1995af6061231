"""The `huikuan` command: thin — parse the arguments, call a service, print the result."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer

from huikuan.config import get_settings
from huikuan.errors import HuikuanError, ImportRejected
from huikuan.i18n import gettext as _
from huikuan.storage.engine import get_engine
from huikuan.storage.uow import UnitOfWork

app = typer.Typer(
    help="Huikuan (回款): compliant debt collection.", no_args_is_help=True, add_completion=False
)
creditor_app = typer.Typer(help="Creditors (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
import_app = typer.Typer(help="Import creditor files.", no_args_is_help=True)
app.add_typer(creditor_app, name="creditor")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")


def _mount() -> None:
    from huikuan.compliance.cli import app as compliance_app
    from huikuan.contact_cli import app as contact_app
    from huikuan.jobs_cli import jobs_app
    from huikuan.plan_cli import app as plan_app
    from huikuan.simulate.cli import simulate

    app.add_typer(compliance_app, name="compliance", help="The compliance gate.")
    app.add_typer(contact_app, name="contact", help="Contacts, through the compliance gate.")
    app.add_typer(plan_app, name="plan")
    app.add_typer(jobs_app, name="jobs")
    app.command("simulate")(simulate)


_mount()


def _uow(immediate: bool = False) -> UnitOfWork:
    return UnitOfWork(get_engine(get_settings().database_url), immediate=immediate)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(_("Error: {message}", message=message), err=True)
    return typer.Exit(code)


@contextmanager
def _stages(total: int, label: str) -> Iterator[Any]:
    """A progress bar on a terminal; silence without one (pipes, CI, --json)."""
    if not sys.stderr.isatty():
        yield lambda _stage: None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task(label, total=total)

        def advance(stage: str) -> None:
            bar.update(task, advance=1, description=f"{label}: {_(stage)}")

        yield advance


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it to the newest version."""
    from huikuan.services.schema import init_database

    url = get_settings().database_url
    state = init_database(get_engine(url))
    typer.echo(_("Database {state}: {url}", state=_(state), url=url))


@creditor_app.command("add")
def creditor_add(
    code: str = typer.Argument(..., help="Short unique code, e.g. ICBC-CC"),
    name: str = typer.Option(..., "--name", help="Display name"),
    region: str = typer.Option("CN", help="ISO country: default region for phone numbers"),
    currency: str = typer.Option("CNY", help="ISO 4217 default currency"),
    pack: str = typer.Option("cn", help="Compliance pack: cn, us-reg-f, uk-conc"),
    time_zone: str | None = typer.Option(None, "--time-zone", help="IANA zone; default by region"),
) -> None:
    """Add a creditor."""
    from huikuan.services.creditors import add_creditor

    try:
        with _uow() as uow:
            creditor = add_creditor(
                uow, code, name, region=region, currency=currency, pack=pack, time_zone=time_zone
            )
            uow.commit()
    except HuikuanError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(
        _(
            "Creditor {code} added ({pack}, {currency}).",
            code=creditor.code,
            pack=creditor.pack,
            currency=creditor.currency,
        )
    )


@creditor_app.command("list")
def creditor_list() -> None:
    """List creditors."""
    from huikuan.services.creditors import list_creditors

    with _uow() as uow:
        for c in list_creditors(uow):
            typer.echo(f"{c.code}\t{c.name}\t{c.region}\t{c.currency}\t{c.pack}")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(...),
    role: str = typer.Option("collector", help="admin, supervisor, collector or creditor_viewer"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    name: str | None = typer.Option(None, "--name", help="Display name"),
    team: str | None = typer.Option(None, help="Team name (created if new)"),
    creditor: str | None = typer.Option(None, help="Creditor code, for a creditor_viewer"),
    locale: str = typer.Option("zh_CN", help="zh_CN or en"),
) -> None:
    """Add a user."""
    from huikuan.services.users import add_user

    try:
        with _uow() as uow:
            user = add_user(
                uow,
                username,
                password,
                role=role,
                display_name=name,
                team=team,
                creditor_code=creditor,
                locale=locale,
            )
            uow.commit()
    except HuikuanError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(_("User {username} added as {role}.", username=user.username, role=user.role))


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
        with _stages(2, _(kind)) as progress, _uow(immediate=True) as uow:
            report = call(uow, progress)
    except ImportRejected as exc:
        if exc.report is not None:
            _print_report(exc.report, as_json)
        raise _fail(str(exc), 1) from exc
    except HuikuanError as exc:
        if as_json:
            typer.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        raise _fail(str(exc), 2) from exc
    _print_report(report, as_json)


@import_app.command("accounts")
def import_accounts_cmd(
    file: Path = typer.Argument(..., help="Placement file: .csv, .txt, .xlsx or .parquet"),
    creditor: str = typer.Option(..., "--creditor", help="Creditor code"),
    strict: bool = typer.Option(True, "--strict/--lenient", help="Strict: one bad row rejects the file"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML header mapping, kept for the creditor"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name (default: the first)"),
    as_of: str | None = typer.Option(None, "--as-of", help="The file's date, for days-past-due columns"),
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


@import_app.command("payments")
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


@app.command()
def demo(
    accounts: int = typer.Option(2000, "--accounts", min=1, max=2_000_000, help="How many accounts"),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same portfolio"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary"),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when creditors exist already"),
) -> None:
    """Load a realistic demo portfolio (zh_CN and en_US) with 90 days of history."""
    from huikuan.services.creditors import list_creditors
    from huikuan.services.demo import load_demo

    if if_empty:
        with _uow() as uow:
            if list_creditors(uow):
                typer.echo(_("The database has data already; the demo portfolio is not loaded."))
                return

    try:
        with _stages(5, _("demo")) as progress, _uow(immediate=True) as uow:
            summary = load_demo(uow, accounts=accounts, seed=seed, progress=progress)
    except HuikuanError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        typer.echo(
            _(
                "Demo portfolio loaded: {accounts} accounts, {interactions} interactions, "
                "{payments} payments.",
                **summary,
            )
        )


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default 8000)"),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Web processes; each serves HUIKUAN_DB_POOL_SIZE requests at once"
    ),
) -> None:
    """Start the web app (the jobs run in their own process: `huikuan jobs worker`)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "huikuan.web.app:serving_app",
        factory=True,
        proxy_headers=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
    )


def main() -> None:  # pragma: no cover
    app()
