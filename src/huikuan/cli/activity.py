"""`huikuan activity-file` and `huikuan activity-mapping`: a creditor's daily activity file, and its own
headers for it. Thin: parse, call services/activity_files.py, print."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from huikuan.cli.common import fail, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _


def activity_file(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    day: str | None = typer.Option(None, "--day", help="The floor day, YYYY-MM-DD (default: yesterday)"),
    out: Path | None = typer.Option(None, "--out", help="Also write the file here (owner-only)"),
) -> None:
    """Write the creditor's activity file of a floor day into the document store (and to --out): every
    contact, message sent, promise made or changed and payment of the day, in its own column mapping."""
    from huikuan.services.activity_files import activity_csv, creditor_by_code, keep_activity_file
    from huikuan.services.clock import floor_today

    try:
        chosen = date.fromisoformat(day) if day else floor_today() - timedelta(days=1)
    except ValueError:
        raise fail(_("--day: {value} is not a date (YYYY-MM-DD)", value=day or ""), 2) from None
    try:
        with open_uow() as uow:
            found = creditor_by_code(uow, creditor)
            doc_id, rows = keep_activity_file(uow, found.id, found.code, chosen, datetime.now(UTC))
            if out is not None:
                data, _rows = activity_csv(uow, found.id, chosen)
                out.write_bytes(data)
                out.chmod(0o600)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    typer.echo(
        _(
            "Activity file of {creditor} for {day}: {rows} rows (document {id})",
            creditor=found.code,
            day=chosen.isoformat(),
            rows=rows,
            id=doc_id,
        )
    )


def activity_mapping(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    mapping: str | None = typer.Argument(
        None, help='column=header pairs separated by commas; "" clears it; omitted: show it'
    ),
) -> None:
    """Show or set the creditor's own headers for its activity file (our column = its header)."""
    from huikuan.services.activity_files import creditor_by_code
    from huikuan.services.activity_mapping import mapping_of, parse_mapping, set_mapping

    try:
        with open_uow() as uow:
            found = creditor_by_code(uow, creditor)
            if mapping is not None:
                set_mapping(uow, None, found.id, parse_mapping(mapping))
            shown = mapping_of(uow, found.id)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    typer.echo(json.dumps(shown, ensure_ascii=False, sort_keys=True))
