"""The reports and the daily plan's reads on a read replica (HUIKUAN_READ_DATABASE_URL), against a real
streaming replica: a primary and a hot standby made for the test as Debian clusters of their own on free
ports (tests/support/cluster.py), never the shared one.

What must hold:
- the figures of the reports and the portfolio the plan reads come from the replica: while the replica's
  replay is paused they are the replica's (behind the primary), and once it has caught up, the primary's;
- the plan is written to the primary (a standby refuses writes);
- a replica that does not answer costs nothing but a warning: the reads go to the primary;
- /health and /metrics tell how far the replica is behind, and that it does not answer when it does not,
  without the process ever being called unfit for it.

Where the clusters cannot be made the test is skipped, and under CI it fails.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select, update
from tests.support.cluster import (
    Cluster,
    ClusterUnavailable,
    caught_up,
    own_cluster,
    received,
    replay_paused,
    replica_of,
)
from tests.support.floor import Floor, build_floor
from tests.support.messaging import use_settings
from tests.support.reports import DECEMBER_RUN, OCTOBER_RUN, november, october
from tests.support.web import login_client

from huikuan.services.access import get_viewer
from huikuan.services.plan import make_plan
from huikuan.services.report_kpis import KpiQuery, kpis
from huikuan.services.reports import refresh
from huikuan.storage import migrate
from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

NOVEMBER = KpiQuery(first=date(2026, 11, 1), last=date(2026, 11, 30))
MONTH = {"from": "2026-11-01", "to": "2026-11-30"}
DECEMBER_1 = date(2026, 12, 1)
PLAN_DAY = date(2026, 11, 20)
PLAN_AT = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its streaming replica, for the module's tests (each makes a database of its own)."""
    with ExitStack() as stack:
        try:
            primary = stack.enter_context(own_cluster("huikuan_primary"))
            replica = stack.enter_context(replica_of(primary))
        except ClusterUnavailable as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"the replica test's own PostgreSQL clusters are required under CI: {exc}")
            pytest.skip(f"no PostgreSQL clusters of the test's own here: {exc}")
        yield primary, replica


@pytest.fixture
def database(pair: tuple[Cluster, Cluster], request: pytest.FixtureRequest) -> str:
    """The test's own database on the primary (and so, once replayed, on the replica), migrated."""
    primary, replica = pair
    name = request.node.name.removeprefix("test_")[:60]
    primary.create_database(name)
    engine = make_engine(primary.url(name))
    migrate.upgrade(engine)
    engine.dispose()
    caught_up(primary, replica)
    return name


@pytest.fixture
def engines(pair: tuple[Cluster, Cluster], database: str) -> Iterator[tuple[Engine, Engine]]:
    primary, replica = pair
    engine, reader = make_engine(primary.url(database)), make_engine(replica.url(database))
    yield engine, reader
    engine.dispose()
    reader.dispose()


@pytest.fixture
def floor(engines: tuple[Engine, Engine]) -> Iterator[Floor]:
    with UnitOfWork(engines[0]) as uow:
        yield build_floor(uow)


def _figures(engine: Engine, reader: Engine | None, floor: Floor) -> dict[str, Any]:
    with UnitOfWork(engine, reader=reader) as uow:
        viewer = get_viewer(uow, floor.users["sue"])
        answer = kpis(uow, viewer, NOVEMBER, DECEMBER_1)
    return {key: answer[key] for key in ("measures", "refusals_by_rule", "roll_rates")}


def test_reports_read_the_replica_behind_the_primary_until_it_has_replayed(
    pair: tuple[Cluster, Cluster], engines: tuple[Engine, Engine], floor: Floor
) -> None:
    primary, replica = pair
    engine, reader = engines
    october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    caught_up(primary, replica)
    before = _figures(engine, reader, floor)
    with replay_paused(replica):
        november(floor)  # November's work, and the reports job after it, on the primary only
        refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
        fresh = _figures(engine, None, floor)
        assert fresh["measures"]["money"] and not before["measures"]["money"]  # November's money: new

        assert _figures(engine, reader, floor) == before  # read on the replica, which has not replayed it
    caught_up(primary, replica)
    assert _figures(engine, reader, floor) == fresh


def test_the_web_apps_reports_read_the_replica_it_is_given(
    pair: tuple[Cluster, Cluster],
    database: str,
    engines: tuple[Engine, Engine],
    floor: Floor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary, replica = pair
    engine, _ = engines
    october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    floor.uow.commit()
    caught_up(primary, replica)
    use_settings(monkeypatch, read_database_url=replica.url(database))
    client = login_client(create_app(primary.url(database)), "sue")
    with replay_paused(replica):
        november(floor)
        refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))

        served = client.get("/api/v1/reports/kpis", params=MONTH).json()
        primarys = _figures(engine, None, floor)["measures"]
        assert primarys["money"] and not served["measures"]["money"]  # the replica's: before November's
    caught_up(primary, replica)
    assert client.get("/api/v1/reports/kpis", params=MONTH).json()["measures"] == primarys


def _plan(engine: Engine, reader: Engine | None) -> dict[str, Any]:
    with UnitOfWork(engine, reader=reader) as uow:
        return make_plan(uow, PLAN_DAY, now=PLAN_AT)


def _plan_rows(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        p = t.plan_rows.c
        return int(
            conn.execute(
                select(func.count()).where(p.case_id == case_id, p.plan_date == PLAN_DAY)
            ).scalar_one()
        )


def test_the_plan_reads_the_portfolio_on_the_replica_and_writes_the_plan_to_the_primary(
    pair: tuple[Cluster, Cluster], engines: tuple[Engine, Engine], floor: Floor
) -> None:
    primary, replica = pair
    engine, reader = engines
    floor.uow.commit()
    caught_up(primary, replica)
    everyone = _plan(engine, reader)["cases"]
    closed = floor.cases[0].id
    with replay_paused(replica):
        with engine.begin() as conn:
            conn.execute(update(t.cases).where(t.cases.c.id == closed).values(stage="closed"))

        lagging = _plan(engine, reader)  # the replica still has the case open: it is planned
        assert lagging["cases"] == everyone and _plan_rows(engine, closed) == 1
        assert _plan(engine, None)["cases"] == everyone - 1  # the primary has it closed
    caught_up(primary, replica)
    assert _plan(engine, reader)["cases"] == everyone - 1 and _plan_rows(engine, closed) == 0


def test_a_replica_that_does_not_answer_leaves_the_reads_on_the_primary_with_a_warning(
    pair: tuple[Cluster, Cluster],
    engines: tuple[Engine, Engine],
    floor: Floor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, replica = pair
    engine, reader = engines
    october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    november(floor)
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    floor.uow.commit()
    replica.stop_immediately()
    try:
        with caplog.at_level(logging.WARNING, logger="huikuan.storage.uow"):
            assert _figures(engine, reader, floor) == _figures(engine, None, floor)
            with UnitOfWork(engine, reader=reader) as uow:  # a unit asks once, then keeps to the primary
                uow.reads()
                uow.reads()
        warned = [r for r in caplog.records if "the read replica does not answer" in r.getMessage()]
        assert len(warned) == 2  # once for _figures' unit, once for the unit above
    finally:
        replica.start()  # for the module's next tests


def _replica_gauges(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("huikuan_read_replica")
    }


def test_health_and_metrics_tell_the_replicas_lag_and_when_it_does_not_answer(
    pair: tuple[Cluster, Cluster], database: str, floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    primary, replica = pair
    floor.uow.commit()
    caught_up(primary, replica)
    use_settings(monkeypatch, read_database_url=replica.url(database))
    client = TestClient(create_app(primary.url(database)), client=("127.0.0.1", 50000))
    with replay_paused(replica):
        october(floor)
        floor.uow.commit()
        received(primary, replica)  # and not replayed
        time.sleep(0.3)
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["read_replica"]["status"] == "ok"
        assert health.json()["read_replica"]["lag_seconds"] > 0.2
        gauges = _replica_gauges(client)
        assert gauges["huikuan_read_replica_up"] == 1 and gauges["huikuan_read_replica_lag_seconds"] > 0.2
    caught_up(primary, replica)
    deadline = time.monotonic() + 10  # WAL without a transaction may still be arriving
    while client.get("/health").json()["read_replica"]["lag_seconds"] > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get("/health").json()["read_replica"] == {"status": "ok", "lag_seconds": 0}

    replica.stop_immediately()
    try:
        health = client.get("/health")
        assert health.status_code == 200  # the process serves: its reads go to the primary
        assert health.json()["read_replica"]["status"] == "unavailable"
        assert "cannot be reached" in health.json()["read_replica"]["reason"]
        assert _replica_gauges(client) == {"huikuan_read_replica_up": 0}
    finally:
        replica.start()
        caught_up(primary, replica)
