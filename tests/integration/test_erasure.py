"""Erasure requests: recorded by an administrator (who, when, why); a debtor without an open account is
anonymised at once, one with an open account waits, for the reason given, until the retention job finds
its last account closed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from tests.support.factories import cli, cli_json
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.privacy import give_history, pay_in_full, row, rows
from tests.support.web import Browser, login_client

from huikuan.services.anonymise import ANONYMISED_NAME
from huikuan.services.jobs import run_due
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

REASON = "Letter of 2026-11-18 asking for erasure"


@pytest.fixture
def letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir()
    use_settings(monkeypatch, letters_dir=str(folder))
    return folder


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return create_app(db_env)


def _events(engine: Engine, debtor_id: int) -> list[tuple[str, dict[str, object]]]:
    ev = t.audit_events.c
    found = rows(engine, t.audit_events, (ev.entity == "debtor") & (ev.entity_id == debtor_id))
    return [(e.action, e.detail) for e in found]


def test_a_debtor_without_an_open_account_is_anonymised_as_soon_as_the_request_is_recorded(
    floor: Floor, engine: Engine, db_env: str, letters: Path, tmp_path: Path
) -> None:
    case = floor.cases[2]
    history = give_history(engine, case, letters, "Zhaoliu")
    pay_in_full(floor.uow, tmp_path, "BANK", case, date(2026, 12, 1))

    code, request = cli_json("privacy", "erase", str(case.debtor_id), "--reason", REASON)

    assert code == 0
    assert (request["status"], request["held_because"], request["reason"]) == ("done", None, REASON)
    assert request["applied_at"] is not None and request["requested_by"] is None
    debtor = row(engine, t.debtors, case.debtor_id)
    assert (debtor.name, debtor.national_id) == (ANONYMISED_NAME, None)
    assert row(engine, t.interactions, history.interaction_id).notes == ""
    assert not history.letter.exists()
    assert _events(engine, case.debtor_id) == [
        ("privacy.erasure_requested", {"erasure_request": request["id"], "held_because": None}),
        ("privacy.anonymised", {"trigger": "erasure", "erasure_requests": [request["id"]]}),
    ]


def test_a_request_for_a_debtor_with_an_open_account_waits_and_the_job_applies_it_when_the_last_closes(
    floor: Floor, engine: Engine, app: FastAPI, letters: Path, tmp_path: Path
) -> None:
    case = floor.cases[2]
    ada = login_client(app, "ada")

    answer = ada.post(
        "/api/v1/privacy/erasure-requests", json={"debtor_id": case.debtor_id, "reason": REASON}
    )
    assert answer.status_code == 201, answer.text
    request = answer.json()
    assert (request["status"], request["held_because"]) == ("pending", "open_account")
    assert (
        request["requested_by"]
        == floor.uow.session.execute(t.users.select().where(t.users.c.username == "ada")).one().id
    )
    assert (
        run_due(engine, now=datetime(2026, 11, 21, tzinfo=UTC), only="retention")["retention"][
            "erasures_applied"
        ]
        == 0
    )
    assert row(engine, t.debtors, case.debtor_id).anonymised_at is None

    pay_in_full(floor.uow, tmp_path, "BANK", case, date(2026, 12, 1))
    the_next_day = datetime(2026, 12, 2, tzinfo=UTC)  # long before the 5 years: the person asked
    done = run_due(engine, now=the_next_day, only="retention")["retention"]
    assert (done["erasures_applied"], done["debtors_anonymised"]) == (1, 1)
    assert row(engine, t.debtors, case.debtor_id).anonymised_at == the_next_day
    listed = ada.get("/api/v1/privacy/erasure-requests").json()["items"]
    assert [(r["id"], r["status"], r["applied_at"]) for r in listed] == [
        (request["id"], "done", the_next_day.isoformat())
    ]
    assert [action for action, _ in _events(engine, case.debtor_id)] == [
        "privacy.erasure_requested",
        "privacy.anonymised",
    ]


def test_the_reason_is_kept_with_the_request_never_copied_into_the_audit_log(
    floor: Floor, engine: Engine, app: FastAPI
) -> None:
    ada = login_client(app, "ada")
    ada.post(
        "/api/v1/privacy/erasure-requests", json={"debtor_id": floor.cases[0].debtor_id, "reason": REASON}
    )
    assert REASON not in repr(rows(engine, t.audit_events, t.audit_events.c.id > 0))
    assert [r.reason for r in rows(engine, t.erasure_requests, t.erasure_requests.c.id > 0)] == [REASON]


def test_only_an_administrator_records_or_lists_erasure_requests(
    floor: Floor, engine: Engine, app: FastAPI
) -> None:
    body = {"debtor_id": floor.cases[0].debtor_id, "reason": REASON}
    for persona in ("alice", "sue", "vic"):
        client = login_client(app, persona)
        assert client.post("/api/v1/privacy/erasure-requests", json=body).status_code == 403
        assert client.get("/api/v1/privacy/erasure-requests").status_code == 403
    anonymous = Browser(app)
    assert anonymous.post("/api/v1/privacy/erasure-requests", json=body).status_code == 401
    assert anonymous.get("/api/v1/privacy/erasure-requests").status_code == 401
    assert rows(engine, t.erasure_requests, t.erasure_requests.c.id > 0) == []


def test_a_request_names_a_debtor_that_exists_and_says_why(floor: Floor, app: FastAPI, db_env: str) -> None:
    ada = login_client(app, "ada")
    missing = ada.post("/api/v1/privacy/erasure-requests", json={"debtor_id": 999_999, "reason": REASON})
    assert missing.status_code == 404 and "no debtor 999999" in missing.json()["detail"]
    blank = cli("privacy", "erase", str(floor.cases[0].debtor_id), "--reason", "  ")
    assert blank.exit_code == 2 and "say what the person asked" in blank.stderr
    assert ada.get("/api/v1/privacy/erasure-requests", params={"status": "lost"}).status_code == 422


def test_the_command_line_records_who_made_the_request_only_if_an_administrator(
    floor: Floor, app: FastAPI, engine: Engine
) -> None:
    debtor = str(floor.cases[0].debtor_id)
    refused = cli("privacy", "erase", debtor, "--reason", REASON, "--user", "sue")
    assert refused.exit_code == 2 and "Only an administrator" in refused.stderr
    code, request = cli_json("privacy", "erase", debtor, "--reason", REASON, "--user", "ada")
    assert code == 0 and request["status"] == "pending" and request["requested_by"] is not None
    listed = cli("privacy", "requests", "--status", "pending")
    assert listed.stdout.startswith(f"{request['id']}\t{debtor}\t") and "open_account" in listed.stdout
