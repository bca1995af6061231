"""The contact area's pages and JSON endpoints: the contact, assessment and script panels of the case page,
the scripts page, the field visits page, and the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import Engine, select, update
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.web import api_client, login_client

from huikuan.storage import tables as t
from huikuan.web.app import create_app

HTMX = {"HX-Request": "true"}


@pytest.fixture
def app(floor: Floor, db_env: str) -> Iterator[FastAPI]:
    """The app at MORNING (10:00 in Beijing), on the floor's database."""
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == floor.cases[0].id)
        .values(next_action_goal="agree_payment", next_action_note="确认还款日期")
    )
    floor.uow.commit()
    with time_machine.travel(MORNING, tick=True):
        yield create_app(db_env)


def _case(engine: Engine, case_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()


def test_the_contact_panel_is_prefilled_with_the_pending_goal(app: FastAPI, floor: Floor) -> None:
    page = login_client(app, "alice", locale="zh_CN").get(f"/cases/{floor.cases[0].id}/panels/contact")
    assert page.status_code == 200
    assert 'data-testid="contact-form"' in page.text and 'value="确认还款日期"' in page.text
    assert '<option value="agree_payment" selected>确认还款意愿，约定还款时间和金额</option>' in page.text
    assert "承诺还款" in page.text  # the outcomes in the viewer's language
    assert "+86138" not in page.text  # numbers are masked


def test_recording_a_contact_refreshes_the_panel_and_tells_the_case_page(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case = floor.cases[0]
    client = login_client(app, "alice")
    response = client.post(
        f"/cases/{case.id}/contacts",
        headers=HTMX,
        data={
            "who": f"point-{case.mobile_id}",
            "channel": "call",
            "outcome": "callback",
            "goal": "agree_payment",
            "goal_met": "no",
            "notes": "下午再打",
            "duration_min": "3",
            "next_channel": "call",
            "next_due": "2026-11-21T10:00",  # Beijing time: 02:00 UTC
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["HX-Trigger"] == "case-changed"
    assert "Contact recorded." in response.text and 'data-testid="last-contact"' in response.text
    row = _case(engine, case.id)
    assert (row.next_action_channel, row.next_action_due_at, row.stage) == (
        "call",
        datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
        "contacting",
    )


def test_a_next_action_at_night_is_refused_in_the_flash_and_nothing_is_recorded(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case = floor.cases[0]
    response = login_client(app, "alice", locale="zh_CN").post(
        f"/cases/{case.id}/contacts",
        headers=HTMX,
        data={
            "who": "debtor",
            "channel": "call",
            "outcome": "no_answer",
            "next_channel": "call",
            "next_due": "2026-11-20T23:00",
        },
    )
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#flash"
    assert "合规校验将拒绝" in response.text and "2026-11-21 08:00" in response.text
    with engine.connect() as conn:
        assert conn.execute(select(t.interactions)).all() == []


def test_a_bad_date_gets_a_clear_message(app: FastAPI, floor: Floor) -> None:
    response = login_client(app, "alice").post(
        f"/cases/{floor.cases[0].id}/contacts",
        headers=HTMX,
        data={"outcome": "no_answer", "next_channel": "call", "next_due": "tomorrow"},
    )
    assert response.status_code == 422 and "tomorrow is not a date and time" in response.text
    unknown = login_client(app, "alice").post(
        f"/cases/{floor.cases[0].id}/contacts", headers=HTMX, data={"outcome": "no_answer", "who": "nobody"}
    )
    assert unknown.status_code == 422 and "nobody is not a person or contact point" in unknown.text


def test_the_assessment_panel_shows_the_planners_estimate_beside_the_collectors(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    client = login_client(app, "alice")
    url = f"/cases/{floor.cases[0].id}"
    panel = client.get(f"{url}/panels/assessment").text
    assert 'data-testid="estimate-ability"' in panel and "(40%)" in panel
    saved = client.post(
        f"{url}/assessment", headers=HTMX, data={"ability": "high", "willingness": "low", "reason": "illness"}
    )
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "case-changed"
    assert "Assessment saved." in saved.text
    assert (_case(engine, floor.cases[0].id).ability, _case(engine, floor.cases[0].id).willingness) == (
        0.8,
        0.2,
    )


def test_a_read_only_viewer_sees_no_forms(app: FastAPI, floor: Floor) -> None:
    client = login_client(app, "vic")
    url = f"/cases/{floor.cases[0].id}/panels"
    assert 'data-testid="contact-form"' not in client.get(f"{url}/contact").text
    assert 'data-testid="assessment-form"' not in client.get(f"{url}/assessment").text


def test_the_script_panel_names_the_creditor_and_the_collector(app: FastAPI, floor: Floor) -> None:
    text = login_client(app, "alice", locale="zh_CN").get(f"/cases/{floor.cases[0].id}/panels/script").text
    assert "受某银行委托" in text and "我是alice" in text and "这不是我的欠款" in text


def test_a_supervisor_edits_a_script_and_a_collector_may_only_read(app: FastAPI, floor: Floor) -> None:
    form = {
        "stage": "new",
        "segment": "",
        "locale": "en",
        "opening": "Hello, {collector} for {creditor}.",
        "objection": ["I can't pay", ""],
        "answer": ["Let's find an amount you can manage.", ""],
    }
    sue = login_client(app, "sue")
    assert 'data-testid="script-form"' in sue.get("/scripts?stage=new&segment=&locale=en").text
    saved = sue.post("/scripts", data=form, follow_redirects=False)
    assert saved.status_code == 303
    page = sue.get(saved.headers["location"]).text
    assert "Script saved." in page and "Let&#39;s find an amount you can manage." in page
    alice = login_client(app, "alice")
    assert 'data-testid="script-form"' not in alice.get("/scripts?stage=new&segment=&locale=en").text
    assert alice.post("/scripts", data=form).status_code == 403
    panel = alice.get(f"/cases/{floor.cases[0].id}/panels/script").text
    assert "Hello, alice for 某银行." in panel


def test_a_creditors_viewer_is_refused_the_scripts_page_but_reads_a_cases_script(
    app: FastAPI, floor: Floor
) -> None:
    vic = login_client(app, "vic")
    refused = vic.get("/scripts?stage=new&segment=&locale=en")
    assert refused.status_code == 403 and "collectors and supervisors" in refused.text
    form = {"stage": "new", "segment": "", "locale": "en", "opening": "Hi {collector}"}
    assert vic.post("/scripts", data=form).status_code == 403
    assert floor.uow.session.execute(select(t.scripts)).all() == []
    assert vic.get(f"/cases/{floor.cases[0].id}/panels/script").status_code == 200


def test_the_visits_page_lists_the_days_visits_by_district(app: FastAPI, floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == floor.cases[0].id)
        .values(next_action_channel="visit", next_action_due_at=datetime(2026, 11, 20, 6, tzinfo=UTC))
    )
    floor.uow.commit()
    page = login_client(app, "alice").get(f"/visits?day={TODAY.isoformat()}")
    assert page.status_code == 200
    assert page.text.count('data-testid="visit-district"') == 1 and "北京市朝阳区" in page.text
    assert "测试债务人1" in page.text


def test_the_api_records_a_contact_and_refuses_bad_input_clearly(app: FastAPI, floor: Floor) -> None:
    client = login_client(app, "alice")
    url = f"/api/v1/cases/{floor.cases[0].id}/contacts"
    done = client.post(
        url, json={"outcome": "refuses", "next_channel": "call", "next_due_at": "2026-11-23T10:00:00+08:00"}
    )
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["stage"] == "contacting" and body["next_action"]["due_at"] == "2026-11-23T02:00:00+00:00"
    assert body["next_action"]["goal"] == "explain_and_offer_plan"  # a code: each reader sees its language
    bad = client.post(url, json={"outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidInput"


def test_the_api_assesses_and_reads_scripts_with_an_api_key(app: FastAPI, floor: Floor) -> None:
    api = api_client(app, "alice")
    put = api.put(
        f"/api/v1/cases/{floor.cases[0].id}/assessment", json={"ability": "medium", "reason": "forgot"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["ability"] == "medium" and put.json()["planner_estimate"]["source"] == "estimate"
    (script,) = api.get("/api/v1/scripts", params={"stage": "contacting", "locale": "en"}).json()
    assert script["source"] == "default" and len(script["objections"]) == 6
    assert len(api.get("/api/v1/scripts").json()) == 14
