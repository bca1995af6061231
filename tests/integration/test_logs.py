"""The log is JSON lines: each request has an id (the client's sane X-Request-ID, else a new one), sent
back and on every line written while it is served; one access line per request with the route template,
never the query string; an error is one line with its type and traceback; and no SQL parameter, no
personal data anywhere, not even in a database's own error message. The jobs log the same way."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from tests.support.floor import Floor

from huikuan.logs import configure_logging
from huikuan.services import jobs
from huikuan.services.jobs import Job, run_due
from huikuan.storage import tables as t
from huikuan.storage.engine import get_engine
from huikuan.web.app import create_app

NAME = "欧阳测试"
PHONE = "13912345678"
Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """The process's log (huikuan.logs) into a buffer; every line must be one JSON object."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    configure_logging(stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.handlers, level = saved
    root.setLevel(level)


def _failing_insert(engine: Engine, creditor_id: int) -> None:
    """A statement whose parameters are a debtor's name and phone, refused by the database."""
    with engine.begin() as conn:
        conn.execute(
            insert(t.debtors).values(creditor_id=creditor_id, name=NAME, address_region=PHONE, language=None)
        )


def test_a_failing_request_is_logged_as_json_with_its_id_and_no_personal_data(
    floor: Floor, db_env: str, log_lines: Lines
) -> None:
    app = create_app(db_env)
    creditor_id = floor.uow.session.execute(t.creditors.select()).first().id

    @app.post("/api/v1/test/fail")
    def fail() -> None:
        _failing_insert(get_engine(db_env), creditor_id)

    client = TestClient(app, raise_server_exceptions=False)
    response = client.post(
        f"/api/v1/test/fail?name={NAME}&phone={PHONE}", headers={"X-Request-ID": "req-42.a"}
    )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42.a"
    lines = log_lines()
    assert NAME not in json.dumps(lines, ensure_ascii=False) and PHONE not in json.dumps(lines)
    error = next(line for line in lines if line.get("exception"))
    assert error["request_id"] == "req-42.a" and error["level"] == "error"
    assert error["exception"] == "IntegrityError" and "Traceback" in error["traceback"]
    access = next(line for line in lines if line["logger"] == "huikuan.access")
    assert access == {
        **access,
        "request_id": "req-42.a",
        "method": "POST",
        "route": "/api/v1/test/fail",
        "status": 500,
    }
    assert isinstance(access["duration_s"], float) and "user_id" in access


def test_a_request_without_a_sane_id_gets_one_of_its_own(db_env: str, log_lines: Lines) -> None:
    client = TestClient(create_app(db_env))
    given = client.get("/login", headers={"X-Request-ID": "no spaces or <tags> please"})
    made = given.headers["x-request-id"]
    assert made != "no spaces or <tags> please" and len(made) == 32
    other = client.get("/login").headers["x-request-id"]
    assert other != made
    assert [line["request_id"] for line in log_lines() if line["logger"] == "huikuan.access"] == [made, other]


def test_a_failing_job_is_logged_as_one_json_line_without_personal_data(
    floor: Floor, engine: Engine, log_lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    creditor_id = floor.uow.session.execute(t.creditors.select()).first().id
    floor.uow.commit()

    def failing(_uow: object, _now: object) -> dict[str, int]:
        _failing_insert(engine, creditor_id)
        return {}

    monkeypatch.setattr(jobs, "REGISTRY", {"leaky": Job("leaky", failing, jobs.LEASE, "fails")})
    done = run_due(engine, only="leaky")
    assert done["leaky"]["error"].startswith("IntegrityError: ")
    assert NAME not in done["leaky"]["error"] and PHONE not in done["leaky"]["error"]
    lines = log_lines()
    assert NAME not in json.dumps(lines, ensure_ascii=False) and PHONE not in json.dumps(lines)
    failure = next(line for line in lines if line.get("exception"))
    assert failure["logger"] == "huikuan.services.jobs" and "Traceback" in failure["traceback"]
