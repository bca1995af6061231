"""`huikuan portal`: the debtor's own pages (/d, docs/debtor-portal.md).

Thin: parse the arguments, call services/debtor_links.py, print.
"""

from __future__ import annotations

import json

import typer

from huikuan.cli.common import fail, instant, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

app = typer.Typer(help="The debtor's own pages: private links.", no_args_is_help=True, add_completion=False)


@app.command("link")
def link(
    case: int = typer.Argument(..., help="Case id"),
    days: int = typer.Option(14, "--days", help="How many days the link lasts (1 to 90)"),
    send: str | None = typer.Option(
        None, "--send", help="Also send it, through the gate: sms, email or wechat"
    ),
    now: str | None = typer.Option(None, "--now", help="ISO 8601 instant to run as (default: now)"),
    as_json: bool = typer.Option(False, "--json", help='{"url": ..., "expires_at": ...}'),
) -> None:
    """Make a private link to the case's own pages for its debtor (it opens after an identity check);
    only its hash is kept, so the link is shown once, here."""
    from huikuan.services.debtor_links import create_link, send_link

    at = instant(now)
    try:
        with open_uow() as uow:
            made = create_link(uow, case, days=days, now=at)
            message_id = send_link(uow, made, send, now=at) if send else None
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    expires = made.expires_at.isoformat().replace("+00:00", "Z")
    if as_json:
        out: dict[str, object] = {"url": made.url, "expires_at": expires}
        if message_id is not None:
            out["message_id"] = message_id
        typer.echo(json.dumps(out))
        return
    typer.echo(_("Link for case {case} (valid until {until}): {url}", case=case, until=expires, url=made.url))
    if message_id is not None:
        typer.echo(_("Queued as message {id}.", id=message_id))
