"""The unit of work: one transaction per use case; services commit, entry points never do."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from huikuan.storage.engine import get_engine
from huikuan.storage.orm import start_mappers


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed is rolled back."""

    def __init__(self, engine: Engine, *, immediate: bool = False) -> None:
        start_mappers()
        self.engine = engine
        # On SQLite a writer that must not fail half-way takes the write lock as each transaction begins.
        bind = engine.execution_options(sqlite_immediate=True) if immediate else engine
        self._factory = sessionmaker(bind=bind, expire_on_commit=False)
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def unit_of_work(url: str | None = None, *, immediate: bool = False) -> UnitOfWork:
    from huikuan.config import get_settings

    return UnitOfWork(get_engine(url or get_settings().database_url), immediate=immediate)
