"""The message panel, the outbox and bulk pages, and the JSON API, through HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, use_settings
from tests.support.web import api_key, login_client

from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.web.app import create_app

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing
HTMX = {"HX-Request": "true"}


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"), sms_token="cb-token")
    return create_app(db_env)


def _key(app: FastAPI, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key(app, username)}"}


def _form(floor: Floor, **values: object) -> dict[str, str]:
    c = floor.cases[0]
    base = {"channel": "sms", "template": "reminder", "contact_point_id": str(c.mobile_id), "locale": ""}
    return {**base, **{k: str(v) for k, v in values.items()}}


def test_the_message_panel_previews_and_sends_an_sms(app: FastAPI, floor: Floor) -> None:
    c = floor.cases[0]
    with time_machine.travel(MORNING, tick=False):
        client = login_client(app, "alice")
        panel = client.get(f"/cases/{c.id}/panels/message")
        assert panel.status_code == 200 and 'data-testid="message-form"' in panel.text
        assert "+86 138****0001" in panel.text and 'value="reminder"' in panel.text
        letters = client.get(f"/cases/{c.id}/panels/message", params={"channel": "letter"})
        assert 'value="demand"' in letters.text and "北京市" in letters.text
        shown = client.post(f"/cases/{c.id}/messages/preview", data=_form(floor), headers=HTMX)
        assert "测试债务人1您好" in shown.text and 'data-testid="preview-length"' in shown.text
        sent = client.post(f"/cases/{c.id}/messages", data=_form(floor), headers=HTMX)
    assert sent.status_code == 200 and sent.headers["HX-Trigger"] == "case-changed"
    assert 'data-testid="message-queued"' in sent.text and 'data-testid="message-history"' in sent.text


def test_a_night_send_shows_the_gates_refusal_and_when_it_would_be_allowed(
    app: FastAPI, floor: Floor
) -> None:
    with time_machine.travel(NIGHT, tick=False):
        client = login_client(app, "alice", locale="zh_CN")
        refused = client.post(f"/cases/{floor.cases[0].id}/messages", data=_form(floor), headers=HTMX)
    assert refused.status_code == 200 and "HX-Trigger" not in refused.headers
    assert 'data-testid="message-refused"' in refused.text and "contact-hours" in refused.text
    assert "2026-11-20 08:00" in refused.text  # 00:00 UTC, in the collector's zone
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.messages)).all() == []


def test_bad_form_input_is_reported_in_the_users_language_and_changes_nothing(
    app: FastAPI, floor: Floor
) -> None:
    client = login_client(app, "alice", locale="zh_CN")
    other = floor.cases[1].mobile_id
    answer = client.post(
        f"/cases/{floor.cases[0].id}/messages", data=_form(floor, contact_point_id=other), headers=HTMX
    )
    assert answer.status_code == 422 and f"联系方式 {other} 不属于本案件" in answer.text
    empty = client.post(
        f"/cases/{floor.cases[0].id}/messages", data=_form(floor, contact_point_id=""), headers=HTMX
    )
    assert empty.status_code == 422 and "请选择要发送到的联系方式" in empty.text
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.messages)).all() == []


def test_the_outbox_lists_messages_and_serves_a_letter_only_to_those_who_may_see_it(
    app: FastAPI, floor: Floor, tmp_path: Path
) -> None:
    c = floor.cases[0]
    with time_machine.travel(MORNING, tick=False):
        client = login_client(app, "alice")
        form = _form(floor, channel="letter", template="demand", contact_point_id=c.address_id)
        assert client.post(f"/cases/{c.id}/messages", data=form, headers=HTMX).status_code == 200
        floor.uow.rollback()
        message_id = floor.uow.session.execute(select(t.messages.c.id)).scalar_one()
        dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path))
        page = client.get("/outbox")
        assert f'data-testid="outbox-row-{message_id}"' in page.text
        assert f"/outbox/{message_id}/document" in page.text
        assert client.get("/outbox", params={"status": "queued"}).text.count("outbox-row-") == 0
        pdf = client.get(f"/outbox/{message_id}/document")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert login_client(app, "carol").get(f"/outbox/{message_id}/document").status_code == 404


def test_the_bulk_page_sends_to_the_chosen_cases_and_shows_each_outcome(app: FastAPI, floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == floor.cases[2].mobile_id)
        .values(status="wrong_party")
    )
    floor.uow.commit()
    with time_machine.travel(MORNING, tick=False):
        client = login_client(app, "sue")  # a supervisor: every case of the floor may be worked
        page = client.get("/outbox/bulk")
        assert (
            f'data-testid="bulk-case-{floor.cases[0].id}"' in page.text
            and 'value="sms:reminder"' in page.text
        )
        chosen = [str(floor.cases[0].id), str(floor.cases[2].id)]
        done = client.post("/outbox/bulk", data={"message": "sms:reminder", "case_id": chosen})
    assert done.status_code == 200
    outcomes = dict(re.findall(r'data-testid="bulk-outcome-(\d+)">([^<]+)<', done.text))
    assert outcomes == {chosen[0]: "Queued", chosen[1]: "No contact point"}
    assert login_client(app, "vic").get("/outbox/bulk").status_code == 403


def test_the_api_queues_a_message_or_answers_with_the_gates_decision(app: FastAPI, floor: Floor) -> None:
    c = floor.cases[0]
    client = TestClient(app)
    alice_key = _key(app, "alice")
    body = {"template": "reminder", "channel": "sms", "contact_point_id": c.mobile_id}
    with time_machine.travel(MORNING, tick=False):
        created = client.post(f"/api/v1/cases/{c.id}/messages", json=body, headers=alice_key)
        assert created.status_code == 201 and created.json()["status"] == "queued"
        listed = client.get("/api/v1/outbox", headers=alice_key).json()["messages"]
        assert [m["id"] for m in listed] == [created.json()["id"]] and listed[0]["to"] == "+86 138****0001"
        bulk = client.post(
            "/api/v1/outbox/bulk",
            json={"case_ids": [c.id], "template": "reminder", "channel": "email"},
            headers=alice_key,
        )
        assert bulk.json()["results"][0]["outcome"] == "queued"
    with time_machine.travel(NIGHT, tick=False):
        refused = client.post(f"/api/v1/cases/{c.id}/messages", json=body, headers=alice_key)
    assert refused.status_code == 422 and refused.json()["error"] == "ComplianceRefused"
    assert refused.json()["decision"]["violations"][0]["rule"] == "contact-hours"
    unknown = client.post(
        f"/api/v1/cases/{c.id}/messages", json={**body, "template": "nope"}, headers=alice_key
    )
    assert unknown.status_code == 422 and unknown.json()["error"] == "InvalidInput"


def test_the_sms_delivery_report_needs_the_providers_token(
    app: FastAPI, floor: Floor, tmp_path: Path
) -> None:
    floor.uow.session.execute(
        t.messages.insert().values(
            case_id=floor.cases[0].id,
            channel="sms",
            to="+8613800000001",
            body="x",
            status="sent",
            provider_ref="prov-1",
            created_at=MORNING,
            sent_at=MORNING + timedelta(minutes=1),
        )
    )
    floor.uow.commit()
    client = TestClient(app)
    report = {"id": "prov-1", "status": "delivered"}
    assert client.post("/api/v1/outbox/sms-status", json=report).status_code == 403
    wrong = {"Authorization": "Bearer guess"}
    assert client.post("/api/v1/outbox/sms-status", json=report, headers=wrong).status_code == 403
    good = {"Authorization": "Bearer cb-token"}
    assert client.post("/api/v1/outbox/sms-status", json=report, headers=good).status_code == 200
    unknown = client.post("/api/v1/outbox/sms-status", json={**report, "id": "prov-9"}, headers=good)
    assert unknown.status_code == 404
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.messages.c.status)).scalar_one() == "delivered"


def test_the_panel_and_the_api_offer_only_the_templates_that_apply_with_a_sendable_default(
    app: FastAPI, floor: Floor
) -> None:
    c = floor.cases[0]  # no payment, no arrangement, no promise: 12,000.00 owed
    alice_key = _key(app, "alice")
    with time_machine.travel(MORNING, tick=False):
        client = login_client(app, "alice")
        for channel, default, absent in (
            ("sms", "reminder", "payment_confirmation"),
            ("email", "reminder", "arrangement_confirmation"),
            ("letter", "demand", "arrangement_confirmation"),
        ):
            panel = client.get(f"/cases/{c.id}/panels/message", params={"channel": channel}).text
            assert f'<option value="{default}" selected>' in panel, channel
            assert f'value="{absent}"' not in panel, channel
        templates = client.get(f"/api/v1/cases/{c.id}/messages/templates", headers=alice_key).json()
        assert templates == {
            "channels": {
                "sms": {"templates": ["reminder"], "default": "reminder"},
                "email": {"templates": ["reminder"], "default": "reminder"},
                "letter": {"templates": ["demand"], "default": "demand"},
                "wechat": {"templates": ["reminder"], "default": "reminder"},
            }
        }
        # The e-mail panel's default goes out (it was a 422 "no active arrangement" before).
        form = _form(floor, channel="email", template="reminder", contact_point_id=c.email_id)
        sent = client.post(f"/cases/{c.id}/messages", data=form, headers=HTMX)
    assert sent.status_code == 200 and 'data-testid="message-queued"' in sent.text
    other = floor.other_creditor_case
    assert other is not None
    assert (
        TestClient(app).get(f"/api/v1/cases/{other.id}/messages/templates", headers=alice_key).status_code
        == 404
    )
