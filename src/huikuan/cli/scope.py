"""`huikuan scope team|user`: which creditors a team and a user serve (services/tenancy.py). With
creditors' codes it sets them, with `--clear` it removes them (a team's members then serve every creditor;
a user follows its team again), with neither it shows them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from huikuan.cli.common import fail, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

if TYPE_CHECKING:
    from huikuan.services.tenancy import Served

app = typer.Typer(help="Which creditors each team and user serves.", no_args_is_help=True)


def _say(served: Served, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(served.to_dict(), ensure_ascii=False))
    elif served.codes:
        typer.echo(_("{name} serves {codes}.", name=served.name, codes=", ".join(served.codes)))
    elif served.follows == "team":
        codes = ", ".join(served.team_codes)
        typer.echo(_("{name} follows its team: {codes}.", name=served.name, codes=codes))
    else:
        typer.echo(_("{name} serves every creditor.", name=served.name))


@app.command("team")
def scope_team(
    team: str = typer.Argument(..., help="The team's name"),
    creditors: list[str] = typer.Argument(None, help="The codes of the creditors it serves"),
    clear: bool = typer.Option(False, "--clear", help="No list: its members serve every creditor"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show or set the creditors a team serves."""
    from huikuan.services.tenancy import set_team_creditors, team_id_of, team_serves

    try:
        with open_uow() as uow:
            team_id = team_id_of(uow, team)
            if creditors or clear:
                served = set_team_creditors(uow, None, team_id, [] if clear else creditors)
            else:
                served = team_serves(uow, None, team_id)
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    _say(served, as_json)


@app.command("user")
def scope_user(
    username: str = typer.Argument(..., help="The user's name"),
    creditors: list[str] = typer.Argument(None, help="The codes of the creditors it serves itself"),
    clear: bool = typer.Option(False, "--clear", help="No list of its own: it follows its team again"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show or set the creditors a user serves itself, before its team's."""
    from huikuan.services.tenancy import set_user_creditors, user_serves
    from huikuan.services.users import user_id_of

    try:
        with open_uow() as uow:
            user_id = user_id_of(uow, username)
            if creditors or clear:
                served = set_user_creditors(uow, None, user_id, [] if clear else creditors)
            else:
                served = user_serves(uow, None, user_id)
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    _say(served, as_json)
