"""A PostgreSQL cluster of a test's own, made with Debian's pg_createcluster on a free port of the loopback
(never the shared cluster on 5432), trusting local connections, and dropped when the test ends, whether it
passed or not: `with own_cluster() as cluster: cluster.url("huikuan")`.

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

    def create_database(self, name: str) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def own_cluster(prefix: str = "huikuan_test") -> Iterator[Cluster]:
    """A new cluster, started; dropped (`pg_dropcluster --stop`) when the block ends, however it ends."""
    version = installed_version()
    port = free_port()
    while port == SHARED_PORT:
        port = free_port()
    cluster = Cluster(version, f"{prefix}_{os.getpid()}_{port}", port)
    try:
        _run(
            "pg_createcluster",
            version,
            cluster.name,
            "--port",
            str(port),
            "--start-conf",
            "manual",  # never started at boot, should a dropped test leave it behind
            "--start",
            "--",
            "--auth-host=trust",
            "--auth-local=trust",
        )
        cluster.wait_ready()
        yield cluster
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", version, cluster.name], capture_output=True, timeout=120, check=False
        )
