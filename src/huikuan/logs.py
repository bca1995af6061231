"""The log of the long-running processes (`huikuan serve`, `huikuan jobs worker`, `huikuan jobs run`): one
JSON object per line on standard error, through structlog, for our own loggers, the standard library's
and uvicorn's alike.

The code logs with the standard library (`logging.getLogger(__name__)`, fields in `extra=`); structlog
formats every record. Each line has `timestamp` (UTC), `level`, `logger`, `event` and the fields given;
`request_id` when it is written while a request is served (web/observe.py binds it); for an error,
`exception` (its type) and `traceback` (one string: the line stays one line). What is never written:
SQL parameters (engines hide them, storage/engine.py), query strings (the access log has the route
template, not the address), the values of personal data (messages name ids, never names, phones, notes
or addresses).
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, TextIO

import structlog
from structlog.types import EventDict, Processor

# uvicorn's own log of a request is replaced by ours (it writes the query string), and so is httpx's
# of the requests we send (an SMS provider's address may carry a token); the health check's look at
# the schema is no news. uvicorn's log of an exception is written by ours, with the request id.
QUIET = {
    "uvicorn.access": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "sqlalchemy.engine": logging.WARNING,
    "alembic": logging.WARNING,
}
# Fields some libraries add to their records that say nothing new (uvicorn's message with colours).
DROPPED = ("color_message",)
ASGI_EXCEPTION = "Exception in ASGI application"


def safe_message(exc: BaseException) -> str:
    """An exception's message without what a database adds about the rows: the first line, and the
    statement (`[SQL: ...]`, whose values are bound parameters). PostgreSQL's DETAIL ("Failing row
    contains (..., name, ...)", "Key (national_id)=(...)") is left out."""
    lines = str(exc).splitlines()
    kept = lines[:1] + [line for line in lines[1:] if line.startswith("[SQL:")]
    return "\n".join(kept)


def traceback_text(exc: BaseException) -> str:
    """The traceback of `exc` and of the exceptions it came from, with their `safe_message`s."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(link.__traceback__))
        + f"{type(link).__module__}.{type(link).__qualname__}: {safe_message(link)}\n"
        for link in reversed(chain)
    ]
    return "\nThe above exception led to the following one:\n\n".join(parts)


def _drop_noise(_logger: Any, _method: str, event: EventDict) -> EventDict:
    for key in DROPPED:
        event.pop(key, None)
    return event


def _exception_fields(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """exc_info as two fields: the exception's type, and the traceback as one string."""
    exc_info = event.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    exc = exc_info if isinstance(exc_info, BaseException) else None
    if isinstance(exc_info, tuple):
        exc = exc_info[1]
    if exc is not None:
        event["exception"] = type(exc).__name__
        event["traceback"] = traceback_text(exc)
    return event


class _JsonLines(logging.StreamHandler):  # type: ignore[type-arg]
    """Our handler: on the given stream, else on whatever sys.stderr is when a record comes."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream or sys.stderr)
        self.follows_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self.follows_stderr:
            self.stream = sys.stderr
        super().emit(record)


class _NotTheAsgiException(logging.Filter):
    """Drops uvicorn's multi-line report of an exception that web/observe.py has logged already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "uvicorn.error" and record.getMessage() == ASGI_EXCEPTION)


SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Sends every log record of the process to `stream` (standard error) as JSON lines. Safe to call
    again: our handler is replaced, not added; handlers of others (a test runner's) stay."""
    structlog.configure(
        processors=[*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_noise,
            _exception_fields,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = _JsonLines(stream)
    handler.setFormatter(formatter)
    handler.addFilter(_NotTheAsgiException())
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _JsonLines)] + [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(quiet_level)
