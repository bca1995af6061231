"""`huikuan persons`: the same person placed by several creditors (docs: "One person, one set of facts").

Thin: parse the arguments, call services/persons.py, print.
"""

from __future__ import annotations

import json

import typer

from huikuan.cli.common import working_uow
from huikuan.i18n import gettext as _

app = typer.Typer(
    help="The same person placed by several creditors.", no_args_is_help=True, add_completion=False
)


@app.command("link")
def link(
    creditor: str | None = typer.Option(None, "--creditor", help="Only the debtors sharing an ID with its"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object with the count"),
) -> None:
    """Link the debtors of different creditors that have the same national ID (each import does this for
    its own debtors; run it once for the data already on file). Debtors a supervisor unlinked stay apart."""
    from huikuan.services.creditors import get_creditor
    from huikuan.services.persons import link_by_national_id

    with working_uow(immediate=True) as uow:
        creditor_id = get_creditor(uow, creditor).id if creditor else None
        linked = link_by_national_id(uow, creditor_id)
        uow.commit()
    if as_json:
        typer.echo(json.dumps({"debtors_linked": linked}))
    else:
        typer.echo(_("{count} debtor(s) linked to the same person by national ID", count=linked))
