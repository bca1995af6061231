"""The processes a benchmark runner starts and stops (bench/floor_load.py, bench/calls_bench.py): each in a
session of its own, so that a Ctrl-C reaches only the runner, which then stops them (SIGTERM to the child's
process group, SIGKILL after a grace period); each wrapped in `timeout`, so none outlives a killed runner by
more than its lifetime. And the small things around them: a free port, waiting for a server, a log's tail."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, TextIO

STOP_GRACE_S = 15


class Failed(Exception):
    """A step of the run did not work; the message says which, with the tail of its log."""


def interrupt(signum: int, _frame: Any) -> None:
    """A signal handler: SIGTERM stops the runner as Ctrl-C does (its children are stopped on the way out)."""
    raise KeyboardInterrupt(f"signal {signum}")


class Processes:
    """The long-running children, stopped the last started first."""

    def __init__(self, workdir: Path, lifetime_s: float) -> None:
        self.workdir = workdir
        self.lifetime_s = int(lifetime_s)
        self.running: list[tuple[str, subprocess.Popen[bytes], TextIO]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "w", encoding="utf-8")
        wrapped = args
        if shutil.which("timeout"):
            wrapped = ["timeout", "--kill-after=15", f"{self.lifetime_s}s", *args]
        proc = subprocess.Popen(
            wrapped, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir, start_new_session=True
        )
        self.running.append((name, proc, log))
        return proc

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def stop_all(self) -> dict[str, dict[str, Any]]:
        """Stops them, the last started first; each one's exit code and how long it took to stop."""
        codes: dict[str, dict[str, Any]] = {}
        for name, proc, log in reversed(self.running):
            started = time.monotonic()
            code = stop_group(proc)
            codes[name] = {"exit_code": code, "stop_s": round(time.monotonic() - started, 2)}
            log.close()
        self.running.clear()
        return codes


def stop_group(proc: subprocess.Popen[Any]) -> int | None:
    """Stops a child started with start_new_session (its process group id is its pid): TERM, then KILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(STOP_GRACE_S)
    else:
        # The leader is gone; what it left in its group (uvicorn's workers) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[Any], log: Path, timeout_s: float) -> None:
    """Until `url` answers 200; fails when the process ends first or the time is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"{log.stem} ended with code {proc.returncode} before {url} answered:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a loopback address)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise Failed(f"{url} did not answer within {timeout_s:.0f} s:\n{tail(log)}")
