"""The unit of work: one transaction per use case; services commit, entry points never do.

A unit of work holds at most one connection to the database at a time (and one to the read replica,
below). One made for writing (`immediate=True`: a form post, an API write, a CLI command that changes
data) begins each transaction with SQLite's write lock; one made for reading begins plain transactions,
and a service that must write from it anyway (a login kept, a claim renewed) calls `begin_write()` first,
so its write never upgrades a stale read.

Reads that may be a few seconds behind (the reports, the daily plan's reading of the portfolio) take
`uow.reads()`: a connection to the read replica when one is configured (HUIKUAN_READ_DATABASE_URL), held
beside the unit's own until it commits or rolls back, else the unit's own. Should the replica not answer,
the unit reads from the primary (for the rest of its life: it does not ask again), and a warning says so.
"""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from huikuan.storage.engine import get_engine, read_engine, write_options
from huikuan.storage.orm import start_mappers

log = logging.getLogger(__name__)


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed is rolled back."""

    def __init__(self, engine: Engine, *, immediate: bool = False, reader: Engine | None = None) -> None:
        start_mappers()
        self.engine = engine
        self.reader = reader  # the read replica's engine, if reads may go there
        self._reads: Connection | None = None
        # On SQLite a writer that must not fail half-way takes the write lock as each transaction begins.
        bind = engine.execution_options(**write_options()) if immediate else engine
        self._factory = sessionmaker(bind=bind, expire_on_commit=False)
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._end_reads()
            self.session.rollback()
        except DBAPIError as error:
            # The database server cut the connection (it stopped or restarted): it rolled the transaction
            # back itself and the pool drops the connection, so there is nothing left to undo here. Raised,
            # this would replace the answer already given to the request's own error.
            if not error.connection_invalidated:
                raise
        finally:
            self.session.close()

    def commit(self) -> None:
        self._end_reads()
        self.session.commit()

    def rollback(self) -> None:
        self._end_reads()
        self.session.rollback()

    def reads(self) -> Connection:
        """A connection for reads that may lag behind the last writes by the replica's delay: the read
        replica's (one transaction, until this unit commits or rolls back), or, with none configured or
        none answering, this unit's own. Nothing is ever written through it."""
        if self.reader is None:
            return self.session.connection()
        if self._reads is None:
            try:
                self._reads = self.reader.connect()
            except OperationalError as exc:
                log.warning("the read replica does not answer; reading from the primary: %s", exc.orig)
                self.reader = None
                return self.session.connection()
        return self._reads

    def _end_reads(self) -> None:
        if self._reads is not None:
            reads, self._reads = self._reads, None
            reads.close()  # its transaction (reads only) rolled back, the connection back to its pool

    def begin_write(self) -> None:
        """Ends the transaction in progress (reads only: it is rolled back) and begins one that will
        write: on SQLite it waits for the write lock now rather than fail later."""
        self.session.rollback()
        self.session.connection(execution_options=write_options())


def unit_of_work(url: str | None = None, *, immediate: bool = False) -> UnitOfWork:
    """A unit of work on the configured database (or `url`), its lagging reads on the configured replica."""
    from huikuan.config import get_settings

    settings = get_settings()
    return UnitOfWork(
        get_engine(url or settings.database_url), immediate=immediate, reader=read_engine(settings)
    )
