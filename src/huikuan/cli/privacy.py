"""`huikuan privacy`: the retention run, a data subject's erasure request, its subject-access export, and
the erasure requests on record (docs/privacy.md).

Thin: parse the arguments, call services/retention.py, erasure.py or subject_access.py, print.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from huikuan.cli.common import fail, instant, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

if TYPE_CHECKING:
    from huikuan.services.access import Viewer
    from huikuan.storage.uow import UnitOfWork

app = typer.Typer(
    help="Personal data: retention, erasure requests, subject-access exports.",
    no_args_is_help=True,
    add_completion=False,
)


def _admin(uow: UnitOfWork, username: str | None) -> Viewer | None:
    """The administrator named by --user (recorded as who acted), or None: the command line's operator."""
    if username is None:
        return None
    from huikuan.services.access import get_viewer, require_admin
    from huikuan.services.users import user_id_of

    viewer = get_viewer(uow, user_id_of(uow, username))
    require_admin(viewer)
    return viewer


@app.command("retention")
def retention(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be done; change nothing"),
    now: str | None = typer.Option(None, "--now", help="ISO 8601 instant to run as (default: now)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object with the counts"),
) -> None:
    """Anonymise the debtors whose accounts closed longer ago than their retention period, and apply the
    erasure requests whose last account has closed (what the daily `retention` job does)."""
    from datetime import UTC, datetime

    from huikuan.services.retention import run_retention

    try:
        with open_uow(immediate=not dry_run) as uow:
            done = run_retention(uow, instant(now) or datetime.now(UTC), dry_run=dry_run)
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(done.to_dict()))
        return
    line = _(
        "{accounts} closed accounts past their retention; {anonymised} debtors anonymised; {kept} kept "
        "because of an open account; {erasures} erasure requests applied",
        accounts=done.accounts_due,
        anonymised=done.debtors_anonymised,
        kept=done.kept_open_account,
        erasures=done.erasures_applied,
    )
    typer.echo(_("Dry run (nothing changed): {line}", line=line) if dry_run else line)


@app.command("erase")
def erase(
    debtor_id: int = typer.Argument(..., help="The debtor's id"),
    reason: str = typer.Option(..., "--reason", help="What the person asked and how (no copy of its data)"),
    user: str | None = typer.Option(None, "--user", help="The administrator recording the request"),
    as_json: bool = typer.Option(False, "--json", help="The request as JSON"),
) -> None:
    """Record a data subject's erasure request: anonymised now if no account is open, else when the last
    one closes."""
    from huikuan.services.erasure import ErasureCommand, request_erasure

    try:
        with open_uow(immediate=True) as uow:
            viewer = _admin(uow, user)
            done = request_erasure(uow, viewer, ErasureCommand(debtor_id, reason))
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(done.to_dict(), ensure_ascii=False))
    elif done.status == "done":
        typer.echo(_("Erasure request {id}: debtor {debtor} anonymised.", id=done.id, debtor=debtor_id))
    else:
        typer.echo(
            _(
                "Erasure request {id} is pending: debtor {debtor} has an open account (the debt is being "
                "collected under a contract); it is applied when the last account closes.",
                id=done.id,
                debtor=debtor_id,
            )
        )


@app.command("export")
def export(
    debtor_id: int = typer.Argument(..., help="The debtor's id"),
    out: Path = typer.Option(..., "--out", help="The ZIP file to write (readable by its owner only)"),
    user: str | None = typer.Option(None, "--user", help="The administrator making the export"),
) -> None:
    """Write everything held on a debtor (UK GDPR art. 15, PIPL art. 45) to a ZIP file: JSON, a CSV per
    table and the letters sent."""
    from huikuan.services.subject_access import export_subject

    try:
        with open_uow() as uow:
            viewer = _admin(uow, user)
            made = export_subject(uow, viewer, debtor_id)
    except HuikuanError as exc:
        raise fail(str(exc), 2) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(made.content)
    os.chmod(out, 0o600)  # an existing file keeps its mode through O_CREAT
    typer.echo(
        _(
            "Subject-access export of debtor {debtor} written to {path} ({records} records).",
            debtor=debtor_id,
            path=str(out),
            records=sum(made.counts.values()),
        )
    )


@app.command("requests")
def requests(
    status: str | None = typer.Option(None, "--status", help="pending or done (default: both)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON array"),
) -> None:
    """The erasure requests on record, newest first."""
    from huikuan.services.erasure import list_erasure_requests

    try:
        with open_uow() as uow:
            found = list_erasure_requests(uow, None, status=status)
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in found], ensure_ascii=False))
        return
    for r in found:
        held = r.held_because or ""
        typer.echo(f"{r.id}\t{r.debtor_id}\t{r.requested_at:%Y-%m-%d %H:%M}\t{r.status}\t{held}")
