"""An import killed with SIGKILL half-way leaves the database as it was; running it again completes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select
from tests.support.factories import cli, cli_json, placement

from huikuan.storage import tables as t

# Runs the real CLI in a child process, pausing inside the write: before the parties (accounts are in),
# or in the middle of loading the contact points (on SQLite their secondary indexes are dropped then).
CHILD = """
import sys, time
from pathlib import Path
import huikuan.storage.bulk as bulk
import huikuan.storage.placement_writer as writer
def pause():
    Path(sys.argv[1]).write_text("writing")
    time.sleep(600)
real_parties, real_insert = writer.write_parties, bulk.insert_frame
def parties(*args, **kwargs):
    if sys.argv[2] == "parties":
        pause()
    return real_parties(*args, **kwargs)
def insert(conn, table, frame):
    done = real_insert(conn, table, frame)
    if sys.argv[2] == "contact_points" and table.name == "contact_points":
        pause()
    return done
writer.write_parties, bulk.insert_frame = parties, insert
from huikuan.cli import app
app(sys.argv[3:])
"""


def _rows(n: int) -> list[str]:
    return [f"K-{i:05d},客户{i},,138{i:08d},,100,0,0,100,2026-03-01,信用卡,,,,," for i in range(n)]


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _indexes(engine: Engine) -> dict[str, list[str]]:
    found = inspect(engine)
    tables = ("debtors", "cases", "accounts", "parties", "contact_points")
    return {name: sorted(i["name"] or "" for i in found.get_indexes(name)) for name in tables}


@pytest.mark.parametrize("pause_in", ["parties", "contact_points"])
def test_an_import_killed_half_way_leaves_nothing_and_a_rerun_completes(
    engine: Engine, db_env: str, tmp_path: Path, pause_in: str
) -> None:
    indexes = _indexes(engine)
    assert cli("creditor", "add", "BANK", "--name", "某银行").exit_code == 0
    path = placement(tmp_path / "big.csv", _rows(2000))
    marker = tmp_path / "marker"
    env = {**os.environ, "HUIKUAN_DATABASE_URL": db_env}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(marker),
            pause_in,
            "import",
            "accounts",
            str(path),
            "--creditor",
            "BANK",
        ],
        env=env,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, "the import ended before it reached the pause"
        assert time.monotonic() < deadline, "the import never reached the pause"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()

    engine.dispose()  # the killed process's connection is gone; look with fresh ones
    assert [_count(engine, x) for x in (t.accounts, t.debtors, t.cases, t.contact_points)] == [0, 0, 0, 0]
    assert _indexes(engine) == indexes  # indexes dropped for the load (SQLite) come back with the rollback

    code, report = cli_json("import", "accounts", str(path), "--creditor", "BANK")
    assert code == 0 and report["created"] == 2000
    assert _count(engine, t.accounts) == 2000
    assert _indexes(engine) == indexes
