"""Files and folders that hold personal data or secrets are the owner's only: files 0600, folders 0700.

The command line starts with a umask of 077 (cli/__init__.py), so whatever it creates is private; the
writers of such files also set the mode themselves (the web server and the jobs may be started by
other means, with another umask): the SQLite database (its -wal and -shm take the database file's mode),
var/ and its key files, the letters, the import's rejects. A folder that exists already keeps its mode:
an operator may have shared it on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
RESTRICTIVE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Makes `path` and its missing parents, each new one 0700; returns `path`."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by another process: its mode is its own
            continue
        folder.chmod(PRIVATE_DIR)
    return path


def private_opener(path: str | os.PathLike[str], flags: int) -> int:
    """An `opener` for open(): the file is created 0600, and an existing one made 0600."""
    fd = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def write_private(path: Path, data: bytes) -> None:
    """Writes `data` to `path`, a file only its owner may read."""
    with open(path, "wb", opener=private_opener) as fh:
        fh.write(data)


def create_private(path: Path) -> None:
    """Creates `path` empty and 0600 unless it exists (whose mode is then left as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)
