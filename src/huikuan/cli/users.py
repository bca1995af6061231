"""`huikuan user ...`: the people who log in, with their role, team and language; their passwords,
second factor and API keys; deactivating an account."""

from __future__ import annotations

import json

import typer

from huikuan.cli.common import working_uow
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
    from huikuan.services.teams import team_named
    from huikuan.services.user_admin import NewUser, create_user

    with working_uow() as uow:
        team_id = team_named(uow, None, team) if team else None
        cmd = NewUser(
            username=username,
            role=role,
            display_name=name or "",
            password=password,
            team_id=team_id,
            creditor_code=creditor,
            locale=locale,
        )
        create_user(uow, None, cmd)
    typer.echo(_("User {username} added as {role}.", username=username.strip(), role=role))


@app.command("reset-password")
def reset_password(username: str = typer.Argument(...)) -> None:
    """Give a user a new random password (printed once) and end every session of the user."""
    from huikuan.services.users import reset_password as reset

    with working_uow() as uow:
        password = reset(uow, None, username)
    typer.echo(_("New password for {username}: {password}", username=username, password=password))


@app.command("deactivate")
def deactivate(username: str = typer.Argument(...)) -> None:
    """The user can no longer log in; its sessions end and its API keys stop working."""
    from huikuan.services.users import set_active

    with working_uow() as uow:
        set_active(uow, None, username, False)
    typer.echo(_("User {username} is deactivated.", username=username))


@app.command("activate")
def activate(username: str = typer.Argument(...)) -> None:
    """Let a deactivated user log in again."""
    from huikuan.services.users import set_active

    with working_uow() as uow:
        set_active(uow, None, username, True)
    typer.echo(_("User {username} is active.", username=username))


@app.command("reset-mfa")
def reset_mfa(username: str = typer.Argument(...)) -> None:
    """Forget a user's second factor (a lost phone): the user enrols again at the next login."""
    from huikuan.services.mfa import reset

    with working_uow() as uow:
        reset(uow, None, username)
    typer.echo(_("The second factor of {username} is reset.", username=username))


@app.command("api-key")
def api_key(
    username: str = typer.Argument(..., help="The user the key acts as (its role and scope)"),
    name: str = typer.Option(..., "--name", help="What the key is for"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make an API key acting as a user; the key is printed this once."""
    from huikuan.services.api_keys import create_key

    with working_uow() as uow:
        key_id, key = create_key(uow, None, username, name)
    if as_json:
        typer.echo(json.dumps({"id": key_id, "key": key}))
    else:
        typer.echo(_("API key {key_id} for {username}: {key}", key_id=key_id, username=username, key=key))


@app.command("revoke-key")
def revoke_key(key_id: int = typer.Argument(...)) -> None:
    """Revoke an API key: it stops working at once."""
    from huikuan.services.api_keys import revoke_key as revoke

    with working_uow() as uow:
        revoke(uow, None, key_id)
    typer.echo(_("API key {key_id} is revoked.", key_id=key_id))
