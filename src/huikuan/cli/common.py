"""What every command shares: a unit of work on the configured database, an error said the same way
(in the user's language, on standard error, with an exit status), progress on a terminal only, and
the `--now` instant."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import typer

from huikuan.config import get_settings
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _
from huikuan.storage.engine import get_engine, read_engine
from huikuan.storage.uow import UnitOfWork


def open_uow(immediate: bool = False) -> UnitOfWork:
    """A unit of work on HUIKUAN_DATABASE_URL (its lagging reads on HUIKUAN_READ_DATABASE_URL, if set);
    `immediate` for a command that writes in bulk."""
    settings = get_settings()
    return UnitOfWork(get_engine(settings.database_url), immediate=immediate, reader=read_engine(settings))


@contextmanager
def working_uow(immediate: bool = False) -> Iterator[UnitOfWork]:
    """A unit of work for one command; a HuikuanError inside ends the command with its message (exit 1)."""
    try:
        with open_uow(immediate) as uow:
            yield uow
    except HuikuanError as exc:
        raise fail(str(exc)) from exc


def fail(message: str, code: int = 1, *, as_json: bool = False) -> typer.Exit:
    """Prints the error (with --json also as `{"error": ...}` on standard output) and gives the exit to
    raise: `raise fail(str(exc), 2, as_json=as_json) from exc`."""
    if as_json:
        typer.echo(json.dumps({"error": message}, ensure_ascii=False))
    typer.echo(_("Error: {message}", message=message), err=True)
    return typer.Exit(code)


@contextmanager
def stages(label: str, total: int | None = None) -> Iterator[Any]:
    """A progress bar (or, without a `total`, a spinner) naming the current stage, on a terminal only;
    silence without one (pipes, cron, CI, --json)."""
    if not sys.stderr.isatty():
        yield lambda _stage, _rows=None: None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar_column = [BarColumn()] if total is not None else []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), *bar_column, TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def advance(stage: str, _rows: int | None = None) -> None:
            bar.update(task, advance=1 if total is not None else 0, description=f"{label}: {_(stage)}")

        yield advance


def instant(value: str | None) -> datetime | None:
    """The --now option: an ISO 8601 instant with its zone, as UTC; None when not given."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        message = _("--now: {value!r} is not an instant such as 2026-03-02T07:00:00Z", value=value)
        raise fail(message, 2) from exc
    if at.tzinfo is None:
        raise fail(_("--now: give the time zone, e.g. 2026-03-02T07:00:00+08:00"), 2)
    return at.astimezone(UTC)
