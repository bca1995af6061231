"""Secrets an install keeps for itself: the configured value, or one made once into a file under var/.

The session key (HUIKUAN_SECRET_KEY, var/secret_key) and the data key that seals national IDs
(HUIKUAN_DATA_KEY, var/data_key) both come from here. A secret file is made owner-only (0600) from its
first byte and put in place atomically: two processes starting at once (the web server and the jobs
worker) end up with the same key, never one each, and never read a half-written file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRETS_DIR = Path("var")
_RANDOM_BYTES = 48


def local_secret(name: str, configured: str | None = None) -> str:
    """`configured` when set; else the secret kept in var/`name`, made once (random, 0600)."""
    if configured:
        return configured
    path = SECRETS_DIR / name
    if not path.is_file():
        _make(path)
    return path.read_text(encoding="utf-8").strip()


def _make(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(_RANDOM_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(draft, path)  # fails if another process made it first: its key is the one kept
        except FileExistsError:
            pass
    finally:
        draft.unlink(missing_ok=True)


__all__ = ["SECRETS_DIR", "local_secret"]
