"""HUIKUAN_READ_DATABASE_URL: none set, the reads stay on the primary; a PostgreSQL replica is reached with
a short connect timeout (a replica that is down delays a report by seconds, then it reads the primary),
unless its URL sets one of its own."""

from __future__ import annotations

from huikuan.config import Settings
from huikuan.storage.engine import REPLICA_CONNECT_TIMEOUT, read_engine


def test_without_a_read_replica_there_is_no_read_engine() -> None:
    assert read_engine(Settings(read_database_url="")) is None
    assert read_engine(Settings(read_database_url="  ")) is None


def test_a_replica_is_reached_with_a_short_connect_timeout_unless_its_url_sets_one() -> None:
    replica = read_engine(Settings(read_database_url="postgresql+psycopg://reader@10.0.0.9:5432/huikuan"))
    assert replica is not None
    assert replica.url.query == {"connect_timeout": REPLICA_CONNECT_TIMEOUT}
    assert replica.url.host == "10.0.0.9" and replica.url.database == "huikuan"
    own = read_engine(Settings(read_database_url="postgresql+psycopg://r@10.0.0.9/huikuan?connect_timeout=9"))
    assert own is not None and own.url.query == {"connect_timeout": "9"}
