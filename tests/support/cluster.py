"""A PostgreSQL cluster of a test's own, made with Debian's pg_createcluster on a free port of the loopback
(never the shared cluster on 5432), trusting local connections, and dropped when the test ends, whether it
passed or not: `with own_cluster() as cluster: cluster.url("huikuan")`; and a streaming replica of such a
cluster, its own cluster too, copied with pg_basebackup: `with replica_of(cluster) as replica: ...`.

It needs Debian's postgresql-common tools and the right to run them (root, as on CI). When the cluster
cannot be made, `ClusterUnavailable` says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from tests.support.server import free_port

SHARED_PORT = 5432
START_S = 60  # how long a start may take before the cluster is given up


class ClusterUnavailable(Exception):
    """The cluster could not be made or started here."""


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise ClusterUnavailable(f"{' '.join(command)}: exit {done.returncode}: {done.stderr.strip()[-800:]}")
    return done.stdout


def installed_version() -> str:
    """The newest PostgreSQL version with Debian's cluster configuration (/etc/postgresql/<version>)."""
    versions = sorted(
        (p.name for p in Path("/etc/postgresql").glob("*") if p.name.isdecimal()), key=int, reverse=True
    )
    if not versions or shutil.which("pg_createcluster") is None:
        raise ClusterUnavailable("Debian's PostgreSQL (postgresql-common, /etc/postgresql) is not installed")
    return versions[0]


@dataclass
class Cluster:
    version: str
    name: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, action: str, *options: str) -> None:
        _run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *options)

    def stop_immediately(self) -> None:
        """Stops the server the way a crash would: no checkpoint, connections cut (`pg_ctl -m immediate`)."""
        self._ctl("stop", "-m", "immediate")

    def start(self) -> None:
        """Starts the server and waits until it accepts connections."""
        self._ctl("start")
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_S
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterUnavailable(
                        f"cluster {self.name} is not accepting connections: {exc}"
                    ) from exc
                time.sleep(0.1)

    def sql(self, statement: str, database: str = "postgres") -> object:
        """Runs one statement (autocommit) and returns the first column of its first row, if any."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            cursor = conn.execute(statement)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def create_database(self, name: str) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


def _new_cluster(prefix: str) -> Cluster:
    version = installed_version()
    port = free_port()
    while port == SHARED_PORT:
        port = free_port()
    return Cluster(version, f"{prefix}_{os.getpid()}_{port}", port)


def _create(cluster: Cluster, *options: str) -> None:
    _run(
        "pg_createcluster",
        cluster.version,
        cluster.name,
        "--port",
        str(cluster.port),
        "--start-conf",
        "manual",  # never started at boot, should a dropped test leave it behind
        *options,
        "--",
        "--auth-host=trust",  # local connections and replication (Debian's pg_hba) trusted
        "--auth-local=trust",
    )


@contextmanager
def _dropped_after(cluster: Cluster) -> Iterator[Cluster]:
    try:
        yield cluster
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", cluster.version, cluster.name],
            capture_output=True,
            timeout=120,
            check=False,
        )


@contextmanager
def own_cluster(prefix: str = "huikuan_test") -> Iterator[Cluster]:
    """A new cluster, started; dropped (`pg_dropcluster --stop`) when the block ends, however it ends."""
    cluster = _new_cluster(prefix)
    with _dropped_after(cluster):
        _create(cluster, "--start")
        cluster.wait_ready()
        yield cluster


@contextmanager
def replica_of(primary: Cluster, prefix: str = "huikuan_replica") -> Iterator[Cluster]:
    """A hot standby of `primary` streaming its WAL, as a cluster of its own: made empty, its data
    directory replaced by a base backup of the primary taken as the postgres user (`pg_basebackup -R`
    writes standby.signal and the primary's address), then started; dropped when the block ends."""
    replica = _new_cluster(prefix)
    with _dropped_after(replica):
        _create(replica)
        data = Path(
            _run("pg_conftool", "-s", replica.version, replica.name, "show", "data_directory").strip()
        )
        shutil.rmtree(data)
        data.mkdir(mode=0o700)
        shutil.chown(data, "postgres", "postgres")
        _run(
            "runuser", "-u", "postgres", "--",
            str(Path("/usr/lib/postgresql") / replica.version / "bin" / "pg_basebackup"),
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast",  # not a spread checkpoint's minutes
        )  # fmt: skip
        replica.start()
        yield replica


def caught_up(primary: Cluster, replica: Cluster, timeout_s: float = START_S) -> None:
    """Waits until the replica has replayed everything the primary has written so far."""
    _reached(primary, replica, "pg_last_wal_replay_lsn()", timeout_s)


def received(primary: Cluster, replica: Cluster, timeout_s: float = START_S) -> None:
    """Waits until the replica has received everything the primary has written so far (replayed or not:
    with its replay paused, it then lags by all of it)."""
    _reached(primary, replica, "pg_last_wal_receive_lsn()", timeout_s)


def _reached(primary: Cluster, replica: Cluster, position: str, timeout_s: float) -> None:
    target = str(primary.sql("SELECT pg_current_wal_lsn()"))
    deadline = time.monotonic() + timeout_s
    while not replica.sql(f"SELECT {position} >= '{target}'::pg_lsn"):
        if time.monotonic() > deadline:
            raise ClusterUnavailable(f"replica {replica.name} did not reach {target} in {timeout_s} s")
        time.sleep(0.05)


@contextmanager
def replay_paused(replica: Cluster) -> Iterator[None]:
    """The replica receives the primary's WAL but applies none of it inside the block (its data stand
    still, as a replica that lags does); it replays again when the block ends, however it ends."""
    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
