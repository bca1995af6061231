"""`huikuan calls`: the floor's telephone system from the command line.

- `asterisk-bridge`: the process that runs beside a floor's Asterisk (docs/telephony.md, "Asterisk (ARI)").
  Thin: read the settings, start channels/calls/asterisk_bridge.py, run until stopped.
- `review-sample`: the quality review's sample of a week drawn now (docs/quality-review.md), as the
  `call-review-sample` job draws the last whole week's."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from huikuan.channels.calls.asterisk_bridge import DEFAULT_DIAL, Bridge, BridgeConfig
from huikuan.channels.calls.asterisk_journal import JournalServer
from huikuan.cli.common import fail, working_uow
from huikuan.config import get_settings
from huikuan.domain.call_review import previous_week, week_monday
from huikuan.i18n import gettext as _
from huikuan.services.call_review_sample import sample_week
from huikuan.services.clock import floor_today

app = typer.Typer(help="The floor's telephone system.", no_args_is_help=True, add_completion=False)


def callback_url(public_url: str, secret: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/callbacks/calls/asterisk/{secret}"


@app.command("asterisk-bridge")
def asterisk_bridge(
    journal: Path = typer.Option(
        Path("var/asterisk-journal.sqlite"), "--journal", help="The journal of finished calls (SQLite)"
    ),
    listen: str = typer.Option(
        "127.0.0.1:8090",
        "--listen",
        help="host:port where the journal is served to the reconciliation (HUIKUAN_TELEPHONY_BRIDGE_URL); "
        "empty: not served",
    ),
    dial: str = typer.Option(
        DEFAULT_DIAL, "--dial", help="The ARI endpoint the debtor's number is dialled through; {number} is it"
    ),
    to: str = typer.Option(
        "",
        "--callback-url",
        help="Where call records are posted (default: HUIKUAN_PUBLIC_URL's callback route)",
    ),
) -> None:
    """Follow the Asterisk application's events (HUIKUAN_TELEPHONY_*), bridge each call placed from Huikuan,
    and post every finished call's record, signed, until Huikuan acknowledges it."""
    settings = get_settings()
    if settings.telephony != "asterisk" or not settings.telephony_api_url:
        raise fail(_("HUIKUAN_TELEPHONY must be asterisk and HUIKUAN_TELEPHONY_API_URL the ARI address"))
    if not settings.telephony_callback_secret or not (to or settings.public_url):
        raise fail(_("Call records need HUIKUAN_TELEPHONY_CALLBACK_SECRET and HUIKUAN_PUBLIC_URL"))
    if "{number}" not in dial:
        raise fail(_("--dial must contain {placeholder}", placeholder="{number}"))
    journal.parent.mkdir(parents=True, exist_ok=True)
    bridge = Bridge(
        BridgeConfig(
            ari_url=settings.telephony_api_url,
            user=settings.telephony_key_id,
            password=settings.telephony_key_secret,
            app=settings.telephony_instance or "huikuan",
            callback_url=to or callback_url(settings.public_url, settings.telephony_callback_secret),
            callback_secret=settings.telephony_callback_secret,
            journal=journal,
            dial=dial,
        )
    )
    server = None
    if listen:
        host, _sep, port = listen.rpartition(":")
        server = JournalServer(
            bridge.journal,
            host or "127.0.0.1",
            int(port),
            settings.telephony_key_id,
            settings.telephony_key_secret,
        )
        server.start()
    stopped = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    typer.echo(
        _(
            "Following the Asterisk application {app}; the journal is {journal}",
            app=bridge.config.app,
            journal=journal,
        )
    )
    try:
        bridge.run(stopped.is_set)
    finally:
        bridge.close()
        if server is not None:
            server.stop()


@app.command("review-sample")
def review_sample(
    week: str = typer.Option(
        "", "--week", help="The ISO week to sample, e.g. 2026-W49; blank: the last whole week (as the job)"
    ),
) -> None:
    """Draws the week's sample of calls for quality review now, for each collector not yet sampled that
    week (a week still running: the collector's later calls that week are not in its sample)."""
    chosen = week.strip() or previous_week(floor_today())
    try:
        week_monday(chosen)
    except ValueError:
        raise fail(_("--week: {value} is not an ISO week such as 2026-W49", value=chosen), 2) from None
    with working_uow() as uow:
        added = sample_week(uow, chosen)
        uow.commit()
    typer.echo(_("{n} calls sampled for {week}", n=added, week=chosen))
