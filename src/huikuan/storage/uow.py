"""The unit of work: one transaction per use case; services commit, entry points never do.

A unit of work holds at most one connection at a time. One made for writing (`immediate=True`: a form
post, an API write, a CLI command that changes data) begins each transaction with SQLite's write lock;
one made for reading begins plain transactions, and a service that must write from it anyway (a login
kept, a claim renewed) calls `begin_write()` first, so its write never upgrades a stale read.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from huikuan.storage.engine import get_engine, write_options
from huikuan.storage.orm import start_mappers


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed is rolled back."""

    def __init__(self, engine: Engine, *, immediate: bool = False) -> None:
        start_mappers()
        self.engine = engine
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
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def begin_write(self) -> None:
        """Ends the transaction in progress (reads only: it is rolled back) and begins one that will
        write: on SQLite it waits for the write lock now rather than fail later."""
        self.session.rollback()
        self.session.connection(execution_options=write_options())


def unit_of_work(url: str | None = None, *, immediate: bool = False) -> UnitOfWork:
    from huikuan.config import get_settings

    return UnitOfWork(get_engine(url or get_settings().database_url), immediate=immediate)
