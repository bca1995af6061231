"""Numbers in requests that the API's fuzzing (test_api_fuzz.py) found answered 500, refused as invalid
input (422) instead:

- an id no row can have (past the database's 64-bit integers) in a JSON body or a form field: SQLite
  cannot even bind it (ids in addresses are bounded by the route table's own types);
- a count, a duration or an id typed with a digit that is not a decimal one, such as "²": Python's
  str.isdigit() takes it, int() does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser, login_client

from huikuan.web.app import create_app

TOO_BIG = 2**64


@pytest.fixture
def sue(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Browser:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"), sms_token="provider-token")
    return login_client(create_app(db_env), "sue")


def _api(case_id: int) -> list[tuple[str, dict[str, Any]]]:
    sms = {"channel": "sms", "template": "reminder"}
    call = {"channel": "call", "outcome": "no_answer"}
    return [
        (f"/api/v1/cases/{case_id}/messages", {**sms, "contact_point_id": TOO_BIG}),
        (f"/api/v1/cases/{case_id}/messages/preview", {**sms, "contact_point_id": TOO_BIG}),
        (f"/api/v1/cases/{case_id}/reveal", {"what": "contact_point", "contact_point_id": TOO_BIG}),
        (f"/api/v1/cases/{case_id}/contacts", {**call, "contact_point_id": TOO_BIG}),
        (f"/api/v1/cases/{case_id}/contacts", {**call, "party": TOO_BIG}),
        ("/api/v1/outbox/bulk", {**sms, "case_ids": [TOO_BIG]}),
    ]


def _forms(case_id: int) -> list[tuple[str, dict[str, str]]]:
    sms = {"channel": "sms", "template": "reminder"}
    call = {"channel": "call", "outcome": "no_answer"}
    return [
        (f"/cases/{case_id}/messages", {**sms, "contact_point_id": str(TOO_BIG)}),
        (f"/cases/{case_id}/messages/preview", {**sms, "contact_point_id": str(TOO_BIG)}),
        (f"/cases/{case_id}/reveal", {"what": "contact_point", "contact_point_id": str(TOO_BIG)}),
        (f"/cases/{case_id}/contacts", {**call, "who": f"point-{TOO_BIG}"}),
        (f"/cases/{case_id}/contacts", {**call, "who": f"party-{TOO_BIG}"}),
        ("/outbox/bulk", {"message": "sms:reminder", "case_id": str(TOO_BIG)}),
    ]


def test_an_id_past_the_databases_integers_in_a_body_is_invalid_input(sue: Browser, floor: Floor) -> None:
    answers = [(url, sue.post(url, json=body).status_code) for url, body in _api(floor.cases[0].id)]
    assert answers == [(url, 422) for url, _body in _api(floor.cases[0].id)]


def test_an_id_past_the_databases_integers_in_a_form_is_invalid_input(sue: Browser, floor: Floor) -> None:
    answers = [(url, sue.post(url, data=body).status_code) for url, body in _forms(floor.cases[0].id)]
    assert answers == [(url, 422) for url, _body in _forms(floor.cases[0].id)]


def test_a_number_written_with_a_superscript_digit_is_invalid_input(sue: Browser, floor: Floor) -> None:
    case_id = floor.cases[0].id
    offer = {"kind": "instalment", "total": "1000", "first_due": "2026-12-01", "reason": "hardship"}
    call = {"channel": "call", "outcome": "no_answer"}
    sms = {"channel": "sms", "template": "reminder"}
    sent = [
        sue.post(f"/api/v1/cases/{case_id}/arrangements", json={**offer, "instalments": "²"}),
        sue.post(f"/api/v1/cases/{case_id}/arrangements", json={**offer, "every_days": "3²"}),
        sue.post(f"/cases/{case_id}/arrangements", data={**offer, "instalments": "²"}),
        sue.post(f"/cases/{case_id}/contacts", data={**call, "duration_min": "²"}),
        sue.post(f"/cases/{case_id}/contacts", data={**call, "who": "point-²"}),
        sue.post(f"/cases/{case_id}/messages", data={**sms, "contact_point_id": "²"}),
        sue.post("/outbox/bulk", data={"message": "sms:reminder", "case_id": "²"}),
    ]
    assert [answer.status_code for answer in sent] == [422] * len(sent)
