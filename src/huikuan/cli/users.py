"""`huikuan user add`: the people who log in, with their role, team and language."""

from __future__ import annotations

import typer

from huikuan.cli.common import fail, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

app = typer.Typer(help="Users.", no_args_is_help=True)


@app.command("add")
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
        with open_uow() as uow:
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
        raise fail(str(exc)) from exc
    typer.echo(_("User {username} added as {role}.", username=user.username, role=user.role))
