"""Is this process fit to serve? The database answers, takes writes, and its schema is the one this
version was built for (the newest migration). `/health` answers 200 only then, else 503 with the reason,
so a load balancer stops sending work to a process that would fail it. A read replica's state and lag are
told beside it and never make the process unfit: its reads go to the primary when it does not answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog
from sqlalchemy import Engine

from huikuan.storage import migrate
from huikuan.storage.engine import replica_lag_seconds, why_not_writable

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Health:
    database: str  # sqlite or postgresql
    reason: str | None = None  # None: healthy

    @property
    def ok(self) -> bool:
        return self.reason is None


def check_health(engine: Engine) -> Health:
    """The database's fitness; the reason names the first problem found (never a value of the data)."""
    database = engine.dialect.name
    try:
        current = migrate.current_revisions(engine)
    except Exception as exc:  # any driver error: the database is not there, or not ours to read
        return Health(database, f"the database cannot be reached ({type(exc).__name__})")
    heads = migrate.head_revisions()
    if not current:
        return Health(database, "the database has no schema: run `huikuan init`")
    if current != heads:
        at, newest = ", ".join(sorted(current)), ", ".join(sorted(heads))
        return Health(
            database, f"the schema is at {at}; this version needs {newest} (`huikuan init` upgrades it)"
        )
    try:
        reason = why_not_writable(engine)
    except Exception as exc:
        return Health(database, f"the database cannot be written ({type(exc).__name__})")
    return Health(database, reason)


@dataclass(frozen=True)
class ReplicaHealth:
    """The read replica as asked just now: its lag behind the primary, None when it did not answer."""

    lag_seconds: float | None
    reason: ClassVar[str] = "the read replica cannot be reached; its reads go to the primary"


def check_replica(engine: Engine) -> ReplicaHealth:
    """The read replica's lag behind the primary (HUIKUAN_READ_DATABASE_URL), or None as the lag."""
    try:
        return ReplicaHealth(replica_lag_seconds(engine))
    except Exception as exc:  # any driver error: the reads go to the primary meanwhile
        log.warning("read_replica_unreachable", error=type(exc).__name__)
        return ReplicaHealth(None)
