"""`huikuan reports refresh`: recompute the reports' daily counters (and take a month-end snapshot not
yet taken) now, through the same service as the `reports` job. Thin: parse, call services/reports.py,
print.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import typer

from huikuan.cli.common import fail, instant, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

app = typer.Typer(help="The reports' daily counters and month-end snapshots.", no_args_is_help=True)


@app.command("refresh")
def refresh(
    from_: str | None = typer.Option(
        None, "--from", help="Recompute from this floor day, YYYY-MM-DD (default: since the job's last run)"
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: days, rows, month-end accounts"),
    now: str | None = typer.Option(None, "--now", help="Pretend it is this instant (ISO 8601)"),
) -> None:
    """Recompute the reports' days from --from (or since the job last ran, and yesterday) to today."""
    from huikuan.services.reports import refresh as refresh_reports

    try:
        first = date.fromisoformat(from_) if from_ else None
    except ValueError as exc:
        raise fail(_("--from: a day such as 2026-11-01"), 2, as_json=as_json) from exc
    try:
        with open_uow() as uow:
            done = refresh_reports(uow, instant(now) or datetime.now(UTC), first)
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(done))
        return
    typer.echo(
        _(
            "Reports: {days} days recomputed ({rows} rows), {accounts} accounts in a new month-end snapshot",
            days=done["days"],
            rows=done["rows"],
            accounts=done["month_end_accounts"],
        )
    )


costs = typer.Typer(
    help="The unit costs per channel the reports' costs are computed from.", no_args_is_help=True
)
app.add_typer(costs, name="costs")


@costs.command("set")
def costs_set(
    channel: str = typer.Argument(..., help="call, voicemail, sms, email, letter, visit or wechat"),
    unit_cost_minor: int = typer.Argument(..., help="The cost of one attempt, in minor units (fen, cents)"),
    currency: str = typer.Option("CNY", "--currency", help="Three-letter currency code"),
    from_: str | None = typer.Option(None, "--from", help="In force from this floor day (default: today)"),
) -> None:
    """Set the cost of one attempt on a channel from a day on (replacing one set for that same day)."""
    from huikuan.services.channel_costs import SetCost, set_cost
    from huikuan.services.clock import floor_today

    now = datetime.now(UTC)
    try:
        first = date.fromisoformat(from_) if from_ else floor_today(now)
    except ValueError as exc:
        raise fail(_("--from: a day such as 2026-11-01"), 2) from exc
    try:
        with open_uow() as uow:
            done = set_cost(uow, None, SetCost(channel, currency, first, unit_cost_minor), now)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    typer.echo(json.dumps(done))


@costs.command("list")
def costs_list() -> None:
    """Every unit cost set, one JSON object a line."""
    from huikuan.services.channel_costs import list_costs

    with open_uow() as uow:
        for row in list_costs(uow):
            typer.echo(json.dumps(row))
