"""What we know about a debtor through the API and the case page's "Facts and holds" tab: the record,
adding and marking contact points, the stated preferences; each change honoured by the gate at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from fastapi import FastAPI
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import api_client, login_client

from huikuan.web.app import create_app

HTMX = {"HX-Request": "true"}
WORK_HOURS = {"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "18:00"}


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The app at MORNING (Friday 10:00 in Beijing), on the floor's database."""
    use_settings(monkeypatch)
    with time_machine.travel(MORNING, tick=True):
        yield create_app(db_env)


def test_the_api_adds_a_point_refuses_its_duplicate_and_gives_the_record_masked(app: FastAPI, floor: Floor):
    case = floor.cases[0]
    alice = api_client(app, "alice")
    url = f"/api/v1/debtors/{case.debtor_id}"
    added = alice.post(
        f"{url}/contact-points", json={"kind": "mobile", "value": "+86 139 1234 0000", "source": "debtor"}
    )
    assert added.status_code == 201, added.text
    point = added.json()
    assert point["kind"] == "mobile" and point["value"] == "+86 139****0000" and point["usable"] is True
    again = alice.post(
        f"{url}/contact-points", json={"kind": "phone", "value": "13912340000", "source": "creditor"}
    )
    assert again.status_code == 409 and str(point["id"]) in again.json()["detail"]
    record = api_client(app, "vic").get(url).json()
    assert record["case_id"] == case.id and record["debtor_id"] == case.debtor_id
    assert "13912340000" not in str(record) and any(p["id"] == point["id"] for p in record["contact_points"])
    assert alice.get(f"/api/v1/cases/{case.id}").json()["debtor_id"] == case.debtor_id
    marked = alice.post(f"{url}/contact-points/{point['id']}/mark", json={"mark": "disconnected"})
    assert marked.json()["status"] == "disconnected" and marked.json()["usable"] is False
    refused = api_client(app, "vic").post(
        f"{url}/contact-points", json={"kind": "qq", "value": "123456", "source": "debtor"}
    )
    assert refused.status_code == 403


def test_preferences_put_through_the_api_refuse_the_next_call_and_sms(app: FastAPI, floor: Floor):
    case = floor.cases[0]
    alice = api_client(app, "alice")
    body = {"inconvenient_times": [WORK_HOURS], "opt_out": ["sms"], "language": "zh"}
    answer = alice.put(f"/api/v1/debtors/{case.debtor_id}/preferences", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["inconvenient_times"] == [WORK_HOURS] and answer.json()["opt_out"] == ["sms"]
    contact = {"channel": "call", "outcome": "no_answer", "contact_point_id": case.mobile_id}
    call = alice.post(f"/api/v1/cases/{case.id}/contacts", json=contact)
    assert call.status_code == 409 or call.status_code == 422, call.text
    assert "designated-inconvenient-time" in call.text
    sms = {"channel": "sms", "template": "reminder", "contact_point_id": case.mobile_id}
    assert "channel-opt-out" in alice.post(f"/api/v1/cases/{case.id}/messages", json=sms).text
    # Fields left out are kept; an empty list clears.
    cleared = alice.put(f"/api/v1/debtors/{case.debtor_id}/preferences", json={"opt_out": []}).json()
    assert cleared["opt_out"] == [] and cleared["inconvenient_times"] == [WORK_HOURS]
    bad = alice.put(
        f"/api/v1/debtors/{case.debtor_id}/preferences",
        json={"inconvenient_times": [{"days": [9], "from": "09:00", "to": "18:00"}]},
    )
    assert bad.status_code == 422 and "7" in bad.json()["detail"]


def test_the_openapi_document_shows_the_debtor_models(app: FastAPI):
    doc = api_client(app, "alice").get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert {"ContactPointIn", "ContactPointOut", "PreferencesIn", "DebtorRecordOut", "TimeSpanIn"} <= set(
        schemas
    )
    assert "from" in schemas["TimeSpanIn"]["properties"]
    assert "/api/v1/debtors/{debtor_id}/preferences" in doc["paths"]


def test_the_facts_tab_records_a_statement_and_tells_the_page_the_case_changed(app: FastAPI, floor: Floor):
    case = floor.cases[0]
    browser = login_client(app, "alice")
    page = browser.get(f"/cases/{case.id}?tab=facts")
    assert 'data-testid="tab-facts"' in page.text and "panel-preferences" in page.text
    form = {
        "new_from": "09:00",
        "new_to": "18:00",
        "new_days": ["1", "2", "3", "4", "5"],
        "opt_out": "sms",
        "language": "zh",
    }
    answer = browser.post(f"/cases/{case.id}/preferences", data=form, headers=HTMX)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "case-changed"
    assert 'data-testid="gate-sms"' in answer.text and 'data-rule="channel-opt-out"' in answer.text
    assert 'data-rule="designated-inconvenient-time"' in answer.text
    header = browser.get(f"/cases/{case.id}/panels/header").text
    assert "blocked until" in header
    # The spans not ticked "keep" go; the opt-outs not ticked are cleared.
    answer = browser.post(f"/cases/{case.id}/preferences", data={"language": "zh"}, headers=HTMX)
    assert 'data-testid="gate-sms"' in answer.text and "channel-opt-out" not in answer.text
    added = browser.post(
        f"/cases/{case.id}/contact-points",
        data={"kind": "phone", "value": "010 6512 3456", "source": "debtor", "place": "work"},
        headers=HTMX,
    )
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "case-changed"
    assert "+86 106***3456" in added.text and "65123456" not in added.text
    twice = browser.post(
        f"/cases/{case.id}/contact-points",
        data={"kind": "landline", "value": "+861065123456", "source": "debtor"},
        headers=HTMX,
    )
    assert twice.status_code == 409 and "already contact point" in twice.text


def test_a_call_that_reaches_a_wrong_party_marks_the_number_for_every_debtor(app: FastAPI, floor: Floor):
    mine, theirs = floor.cases[0], floor.cases[1]
    number = {"kind": "mobile", "value": "+8613912345678", "source": "skip_trace"}
    alice, bob = api_client(app, "alice"), api_client(app, "bob")
    point = alice.post(f"/api/v1/debtors/{mine.debtor_id}/contact-points", json=number).json()
    other = bob.post(f"/api/v1/debtors/{theirs.debtor_id}/contact-points", json=number).json()
    call = {"channel": "call", "outcome": "wrong_party", "contact_point_id": point["id"]}
    assert alice.post(f"/api/v1/cases/{mine.id}/contacts", json=call).status_code == 201
    record = bob.get(f"/api/v1/debtors/{theirs.debtor_id}").json()
    followed = next(p for p in record["contact_points"] if p["id"] == other["id"])
    assert (followed["status"], followed["status_reason"], followed["usable"]) == (
        "wrong_party",
        "wrong_number",
        False,
    )
    again = {"channel": "call", "outcome": "no_answer", "contact_point_id": other["id"]}
    assert bob.post(f"/api/v1/cases/{theirs.id}/contacts", json=again).status_code == 422


def test_the_debtors_record_gathers_its_holds_open_disputes_and_other_placements(app: FastAPI, floor: Floor):
    case = floor.cases[0]
    alice = api_client(app, "alice")
    url = f"/api/v1/debtors/{case.debtor_id}"
    held = alice.post(f"{url}/holds", json={"kind": "hardship", "until": "2027-01-31", "note": "lost job"})
    assert held.status_code == 201, held.text
    disputed = alice.post(f"/api/v1/cases/{case.id}/disputes", json={"via": "letter", "written": True})
    assert disputed.status_code == 201, disputed.text
    record = alice.get(url).json()
    assert [h["kind"] for h in record["holds"]] == ["hardship"]
    assert [d["id"] for d in record["open_disputes"]] == [disputed.json()["id"]]
    assert record["person"]["linked"] is False and record["person"]["other_placements"] == 0
    assert record["facts"]["flags"]["disputed"] is True
