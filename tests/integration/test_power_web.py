"""Paced dialling on the pages and the API (web/ui/power.py, web/api/power.py): the panel on "my work
today" where there is a seat to ring; started, it steps by itself and opens the case it dials; stopped
from the queue or the case page; the same through the API; a creditor's viewer may not use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from tests.support import fake_phone
from tests.support.floor import MORNING, Floor
from tests.support.web import login_client

from huikuan import config
from huikuan.web.app import create_app

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield
    config.get_settings.cache_clear()


def test_the_queue_offers_power_dialling_only_where_there_is_a_seat_to_ring(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    app = create_app(db_env)
    assert 'data-testid="power"' not in login_client(app, "alice").get("/queue").text
    fake_phone.seat(floor)
    page = login_client(app, "alice").get("/queue").text
    assert 'data-testid="power-start"' in page and 'data-running="false"' in page
    assert 'data-testid="power"' not in login_client(app, "alice").get("/queue?all=1").text


def test_started_the_panel_steps_by_itself_and_a_dialled_case_opens_with_the_panel_on_it(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    client = login_client(create_app(db_env), "alice")
    started = client.post("/power/start", data={"gap_s": "0"}, headers=HTMX)
    assert started.status_code == 200 and 'data-running="true"' in started.text
    assert 'hx-post="/power/step" hx-trigger="every 3s"' in started.text
    stepped = client.post("/power/step", headers=HTMX)
    case = floor.cases[0]
    assert stepped.headers["HX-Redirect"] == f"/cases/{case.id}" and len(phone.placed) == 1
    page = client.get(f"/cases/{case.id}").text
    assert 'data-testid="power"' in page and "On a call" in page and "13800000001" not in page
    busy = client.post("/power/step", headers=HTMX)
    assert 'data-did="busy"' in busy.text and len(phone.placed) == 1
    stopped = client.post("/power/stop", headers=HTMX)
    assert 'data-running="false"' in stopped.text and "hx-trigger" not in stopped.text
    assert 'data-testid="power"' not in client.get(f"/cases/{case.id}").text


def test_without_javascript_the_forms_go_back_to_the_queue_or_to_the_case_dialled(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    client = login_client(create_app(db_env), "alice")
    started = client.post("/power/start", data={"gap_s": "30"}, follow_redirects=False)
    assert (started.status_code, started.headers["location"]) == (303, "/queue")
    now = client.post("/power/step", data={"now": "true"}, follow_redirects=False)
    assert (now.status_code, now.headers["location"]) == (303, f"/cases/{floor.cases[0].id}")


def test_the_panel_speaks_chinese(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    client = login_client(create_app(db_env), "alice", locale="zh_CN")
    page = client.get("/queue").text
    assert "自动拨号" in page and "开始自动拨号" in page
    running = client.post("/power/start", data={"gap_s": "10"}, headers=HTMX).text
    assert "下一通电话" in running and "停止自动拨号" in running


def test_the_api_starts_steps_reads_and_stops_it(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    client = login_client(create_app(db_env), "alice")
    assert client.get("/api/v1/power").json()["running"] is False
    started = client.post("/api/v1/power/start", json={"gap_s": 0})
    assert started.status_code == 200 and started.json()["running"] is True
    stepped = client.post("/api/v1/power/step", json={}).json()
    assert (stepped["did"], stepped["case_id"]) == ("dialled", floor.cases[0].id)
    assert stepped["call_id"] == phone.placed[0].call_id
    busy = client.get("/api/v1/power").json()["busy"]
    assert busy == {"call_id": stepped["call_id"], "case_id": floor.cases[0].id, "on_line": True}
    stopped = client.post("/api/v1/power/stop").json()
    assert (stopped["running"], stopped["stop_reason"], stopped["dialled"]) == (False, "collector", 1)


def test_the_api_answers_409_on_a_floor_without_a_telephone_system_and_422_on_a_bad_pause(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.seat(floor)
    client = login_client(create_app(db_env), "alice")
    assert client.post("/api/v1/power/start", json={"gap_s": 5}).status_code == 409
    fake_phone.install(monkeypatch)
    assert client.post("/api/v1/power/start", json={"gap_s": -1}).status_code == 422
    assert client.post("/api/v1/power/start", json={"gap_s": 601}).status_code == 422


def test_a_creditors_viewer_may_not_use_it(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    client = login_client(create_app(db_env), "vic")
    assert client.get("/api/v1/power").status_code == 403
    assert client.post("/api/v1/power/start", json={"gap_s": 0}).status_code == 403
    assert client.post("/power/start", data={"gap_s": "0"}, headers=HTMX).status_code == 403
