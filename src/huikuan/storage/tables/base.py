"""What every table module shares: the metadata with its naming convention, the id type and the
primary and foreign key columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    MetaData,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias must be INTEGER


def id_column() -> Column[Any]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def fk(name: str, target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[Any]:
    return Column(name, Id, ForeignKey(target, ondelete=ondelete), nullable=nullable)
