"""`huikuan audit verify`: walks the audit log's hash chain and says where it ends and the first row that
does not match (exit status 1), if any. Thin: calls services/audit_trail.py and prints."""

from __future__ import annotations

import json
from typing import Any

import typer

from huikuan.cli.common import open_uow
from huikuan.i18n import gettext as _

app = typer.Typer(help="The audit log.", no_args_is_help=True, add_completion=False)

# What each break means, for the reader (the codes are storage/audit.py's PROBLEMS).
PROBLEM_TEXTS = {
    "unchained": "Broken: row {id} has no place in the chain: it was written around the audit log's one door",
    "altered": "Broken: row {id} (#{seq}) does not match its hash: it was changed after it was written",
    "gap": "Broken: row {id} (#{seq}) does not follow the row before it: rows before it are missing",
    "unlinked": "Broken: row {id} (#{seq}) does not link to the row before it: a row before it was replaced",
    "head": "Broken: the chain's head (#{head}) does not name its last row: rows at the end are missing",
}


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="One JSON object: the whole result")) -> None:
    """Check every row of the audit log against its hash and the row before it (exit status 1 at the
    first that does not match)."""
    from huikuan.services.audit_trail import chain_report, verify_chain

    with open_uow() as uow:
        report = chain_report(verify_chain(uow))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        for line in _lines(report):
            typer.echo(line)
    if not report["ok"]:
        raise typer.Exit(1)


def _lines(report: dict[str, Any]) -> list[str]:
    lines = []
    broken, end, head = report["broken"], report["verified_to"], report["head"]
    if broken is not None:
        row = broken["row"] or {}
        msgid = PROBLEM_TEXTS[broken["problem"]]
        lines.append(_(msgid, id=row.get("id"), seq=row.get("seq"), head=head["seq"]))
    if end is None:
        lines.append(_("The audit log is empty.") if broken is None else _("No row verifies."))
    else:
        lines.append(
            _(
                "{count} rows verify, up to row {id} (#{seq}, {at}, {action}); its hash: {hash}",
                count=report["checked"],
                id=end["id"],
                seq=end["seq"],
                at=end["at"],
                action=end["action"],
                hash=end["hash"],
            )
        )
    last = report["last"]
    if broken is not None and last is not None:
        lines.append(
            _("The log's last row: {id} (#{seq}, {at})", id=last["id"], seq=last["seq"], at=last["at"])
        )
    return lines
