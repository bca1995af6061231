"""What holds personal data or secrets is its owner's only, whatever the umask of whoever started the
process: the SQLite database and its -wal and -shm (0600), var/ (0700) and its secret key (0600), the
letters' folders (0700) and PDFs (0600), an import's rejects (0600). The command line itself starts
with a umask of 077."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.support.factories import GOOD_ROWS, cli_json, placement
from typer.testing import CliRunner

from huikuan import config
from huikuan.channels.base import Outgoing
from huikuan.channels.letter.transport import LetterTransport
from huikuan.cli import app as cli_app
from huikuan.storage.engine import make_engine
from huikuan.web.app import session_secret


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """A umask that would leave files readable by everyone: the code must not rely on it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_and_shm_are_the_owners_only(tmp_path: Path) -> None:
    database = tmp_path / "var" / "huikuan.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('张伟')"))
    with engine.connect() as conn:  # WAL files exist while a connection is open
        conn.execute(text("SELECT * FROM t")).all()
        files = [database, database.with_name("huikuan.db-wal"), database.with_name("huikuan.db-shm")]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert mode(database.parent) == 0o700
    engine.dispose()


def test_var_and_the_session_key_are_the_owners_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUIKUAN_SECRET_KEY", raising=False)
    config.get_settings.cache_clear()
    try:
        assert session_secret()
    finally:
        config.get_settings.cache_clear()
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "secret_key") == 0o600


def test_letters_are_written_in_folders_and_files_of_the_owners_only(tmp_path: Path) -> None:
    letters = tmp_path / "var" / "letters"
    transport = LetterTransport(letters, ("PO Box 100", "Springfield"), "UTC")
    message = Outgoing(
        id=7,
        channel="letter",
        to="1 Main St|Springfield, IL 62701",
        subject="Your account",
        body="Please call us.",
        locale="en",
        recipient_name="Pat Doe",
        reference="R-7",
        now=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
    )
    receipt = transport.send(message)
    pdf = letters / str(receipt.document)
    assert mode(pdf) == 0o600
    assert mode(pdf.parent) == 0o700 and mode(letters) == 0o700 and mode(letters.parent) == 0o700


def test_the_rejects_of_an_import_are_the_owners_only(db_env: str, tmp_path: Path) -> None:
    assert (
        CliRunner()
        .invoke(cli_app, ["creditor", "add", "BANK", "--name", "某银行", "--region", "CN"])
        .exit_code
        == 0
    )
    os.umask(0o022)  # the command line set its own: start again from a lax one
    from huikuan.services.imports import import_accounts
    from huikuan.storage.uow import unit_of_work

    path = placement(tmp_path / "p.csv", [GOOD_ROWS[0], "HT-009,王五,,13800138001,,,,,-50,2026-03-01,,,,,,"])
    with unit_of_work(db_env, immediate=True) as uow:
        report = import_accounts(uow, path, "BANK", strict=False)
    assert mode(Path(str(report.rejects_file))) == 0o600


def test_the_command_line_starts_with_a_umask_that_keeps_what_it_creates_private(db_env: str) -> None:
    code, _ = cli_json("jobs", "list")
    assert code == 0
    current = os.umask(0o022)
    assert current == 0o077
