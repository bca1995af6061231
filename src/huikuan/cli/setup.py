"""`huikuan init`, `huikuan demo` and `huikuan serve`: the database, a demo portfolio, the web app."""

from __future__ import annotations

import json
from typing import Any

import typer

from huikuan.cli.common import fail, open_uow, stages
from huikuan.config import get_settings
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _
from huikuan.logs import configure_logging
from huikuan.storage.engine import get_engine

KEEP_ALIVE_S = 65


def init() -> None:
    """Create the database schema, or upgrade it to the newest version."""
    from huikuan.services.schema import init_database

    url = get_settings().database_url
    state = init_database(get_engine(url))
    typer.echo(_("Database {state}: {url}", state=_(state), url=url))


def demo(
    accounts: int = typer.Option(2000, "--accounts", min=1, max=2_000_000, help="How many accounts"),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same portfolio"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary"),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when creditors exist already"),
) -> None:
    """Load a realistic demo portfolio (zh_CN and en_US) with 90 days of history."""
    from huikuan.demo import load_demo
    from huikuan.services.creditors import list_creditors

    if if_empty:
        with open_uow() as uow:
            if list_creditors(uow):
                typer.echo(_("The database has data already; the demo portfolio is not loaded."))
                return

    try:
        with stages(_("demo"), 5) as progress, open_uow(immediate=True) as uow:
            summary = load_demo(uow, accounts=accounts, seed=seed, progress=progress)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        typer.echo(
            _(
                "Demo portfolio loaded: {accounts} accounts, {interactions} interactions, "
                "{payments} payments.",
                **summary,
            )
        )


def serve(
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default 8000)"),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Web processes; each serves HUIKUAN_DB_POOL_SIZE requests at once"
    ),
) -> None:
    """Start the web app (the jobs run in their own process: `huikuan jobs worker`)."""
    import uvicorn

    configure_logging()
    settings = get_settings()
    uvicorn.run(
        "huikuan.web.app:serving_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # Browsers and people pause between clicks: an idle connection kept a minute is not closed
        # just as the next request is sent on it (which the client would see as a dropped request).
        timeout_keep_alive=KEEP_ALIVE_S,
        log_level="info",
        log_config=None,  # our JSON lines (huikuan.logs), configured in each worker by serving_app
        access_log=False,  # web/observe.py writes the access log, without query strings
        **proxy_options(settings.trusted_proxies),
    )


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """X-Forwarded-For and X-Forwarded-Proto are believed only from HUIKUAN_TRUSTED_PROXIES: uvicorn
    would otherwise believe them from 127.0.0.1, so any local client could choose the address that the
    login throttle counts and the audit records."""
    trusted = [address.strip() for address in trusted_proxies.split(",") if address.strip()]
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}
