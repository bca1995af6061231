"""`huikuan monthly-report` and `huikuan monthly-report-recipients`: a creditor's monthly report (PDF),
made, kept and optionally e-mailed; and who it is e-mailed to. Thin: parse, call the services, print."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from huikuan.cli.common import fail, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _


def monthly_report(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (default: last month)"),
    send: bool = typer.Option(False, "--send", help="Also e-mail it to the creditor's report recipients"),
    out: Path | None = typer.Option(None, "--out", help="Also write the PDF here (owner-only)"),
) -> None:
    """Make the creditor's report of a month (replacing one made before) and keep it in the document
    store; with --send, e-mail it to the creditor's recipients."""
    from huikuan.services.monthly_job import send_report
    from huikuan.services.monthly_report import creditor_row, last_month, make_report, parse_month
    from huikuan.services.report_recipients import recipients_of

    now = datetime.now(UTC)
    try:
        chosen = f"{parse_month(month):%Y-%m}" if month else last_month(now)
        with open_uow() as uow:
            found = creditor_row(uow, creditor)
            made = make_report(uow, found, chosen, now)
            sent = send_report(uow, made, found.id, recipients_of(uow, found.id), now) if send else False
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    if out is not None:
        out.write_bytes(made.data)
        out.chmod(0o600)
    typer.echo(
        _(
            "Monthly report of {creditor} for {month}: document {id}",
            creditor=made.creditor_code,
            month=made.month,
            id=made.document_id,
        )
    )
    if send and not sent:
        raise fail(_("The report was kept but not e-mailed: no recipients, no mail server, or refused"))


def monthly_report_recipients(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    emails: str | None = typer.Argument(
        None, help='addresses separated by commas; "" clears them; omitted: show them'
    ),
) -> None:
    """Show or set who the creditor's monthly report is e-mailed to."""
    from huikuan.services.monthly_report import creditor_row
    from huikuan.services.report_recipients import parse_recipients, recipients_of, set_recipients

    try:
        with open_uow() as uow:
            found = creditor_row(uow, creditor)
            if emails is not None:
                set_recipients(uow, None, found.id, parse_recipients(emails))
            shown = recipients_of(uow, found.id)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    typer.echo(json.dumps(shown))
