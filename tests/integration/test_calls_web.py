"""Click-to-call on the case page (web/ui/calls.py): a Call button beside each phone number only where the
floor has a telephone system and the user a seat; the answer in place (htmx) or on a page of its own
(a plain form post); the number stays masked throughout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from tests.support import fake_phone
from tests.support.floor import MORNING, Floor
from tests.support.web import login_client

from huikuan import config
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield
    config.get_settings.cache_clear()


def test_an_unconfigured_floor_shows_no_call_button(floor: Floor, db_env: str) -> None:
    fake_phone.seat(floor)
    page = login_client(create_app(db_env), "alice").get(f"/cases/{floor.cases[0].id}")
    assert page.status_code == 200 and 'data-testid="call-' not in page.text


def test_a_user_without_a_seat_sees_no_call_button(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    page = login_client(create_app(db_env), "alice").get(f"/cases/{floor.cases[0].id}")
    assert 'data-testid="call-' not in page.text


def test_the_call_button_stands_beside_each_phone_number_and_the_number_stays_masked(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    page = login_client(create_app(db_env), "alice").get(f"/cases/{case.id}")
    assert f'data-testid="call-{case.mobile_id}"' in page.text
    assert f'data-testid="call-{case.spouse_mobile_id}"' in page.text
    assert f'data-testid="call-{case.email_id}"' not in page.text
    assert "13800000001" not in page.text


def test_a_click_answers_ringing_in_place_and_a_refusal_with_its_rule_in_the_viewers_zone(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    form = {"contact_point_id": str(case.mobile_id)}
    ringing = client.post(f"/cases/{case.id}/calls", data=form, headers={"HX-Request": "true"})
    assert ringing.status_code == 200 and 'data-testid="call-ringing"' in ringing.text
    assert "Ringing your seat, then the debtor" in ringing.text and "13800000001" not in ringing.text
    assert len(phone.placed) == 1
    phone.refuse = "seat 8001 is offline"
    failed = client.post(f"/cases/{case.id}/calls", data=form, headers={"HX-Request": "true"})
    assert "seat 8001 is offline" in failed.text and 'data-testid="call-failed"' in failed.text


def test_a_refused_click_names_the_rule_and_the_next_allowed_time_in_the_viewers_zone(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    with time_machine.travel(MORNING + timedelta(hours=11, minutes=30), tick=False):  # 21:30 in Beijing
        client = login_client(create_app(db_env), "alice")
        refused = client.post(
            f"/cases/{case.id}/calls",
            data={"contact_point_id": str(case.mobile_id)},
            headers={"HX-Request": "true"},
        )
    assert 'data-testid="call-refused"' in refused.text and "contact-hours" in refused.text
    assert "2026-11-21 08:00 (Asia/Shanghai)" in refused.text


def test_a_plain_form_post_answers_a_page_of_its_own(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    page = client.post(f"/cases/{case.id}/calls", data={"contact_point_id": str(case.mobile_id)})
    assert page.status_code == 200
    assert "Ringing your seat, then the debtor" in page.text and f'href="/cases/{case.id}"' in page.text


def test_the_page_speaks_chinese(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice", locale="zh_CN")
    ringing = client.post(
        f"/cases/{case.id}/calls",
        data={"contact_point_id": str(case.mobile_id)},
        headers={"HX-Request": "true"},
    )
    assert "正在呼叫您的座席" in ringing.text
    assert "☎ 电话" in client.get(f"/cases/{case.id}").text


def test_once_the_record_is_in_the_contact_form_completes_the_calls_own_contact(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select
    from tests.support.fake_phone import record_of

    from huikuan.services.call_records import take_records

    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    client.post(f"/cases/{case.id}/calls", data={"contact_point_id": str(case.mobile_id)})
    (request,) = phone.placed
    take_records(floor.uow, "aliyun", [record_of(request, MORNING, talk=240)], "callback")
    panel = client.get(f"/cases/{case.id}/panels/contact")
    assert f'name="call_id" value="{request.call_id}"' in panel.text
    assert 'name="duration_min"' not in panel.text and 'value="4.0"' in panel.text
    # The person, number and direction are the call's: shown (masked), not offered for choosing.
    assert 'data-testid="contact-who"' not in panel.text
    assert 'data-testid="contact-direction"' not in panel.text
    assert 'data-testid="contact-called"' in panel.text and "+86 138****0001" in panel.text
    form = {
        "call_id": str(request.call_id),
        "channel": "call",
        "outcome": "callback",
        "who": "debtor",
        "notes": "asked us to ring on Monday",
        "duration_min": "99",  # a timer's: the provider's talk time wins
    }
    saved = client.post(f"/cases/{case.id}/contacts", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    floor.uow.session.rollback()
    i = t.interactions.c
    rows = floor.uow.session.execute(
        select(i.outcome, i.notes, i.duration_s, i.at, i.contact_point_id).where(i.case_id == case.id)
    ).all()
    assert len(rows) == 1
    assert tuple(rows[0]) == ("callback", "asked us to ring on Monday", 240, MORNING, case.mobile_id)
    assert 'name="call_id"' not in client.get(f"/cases/{case.id}/panels/contact").text


def test_an_unconfigured_floor_records_a_call_by_hand_as_today(floor: Floor, db_env: str) -> None:
    client = login_client(create_app(db_env), "alice")
    panel = client.get(f"/cases/{floor.cases[0].id}/panels/contact")
    assert 'name="duration_min"' in panel.text and 'data-testid="call-timer"' in panel.text
    assert 'name="call_id"' not in panel.text


def test_the_queue_row_calls_the_cases_best_phone_number(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    queue = client.get("/queue")
    assert f'data-testid="queue-call-{case.id}"' in queue.text
    assert f'name="contact_point_id" value="{case.mobile_id}"' in queue.text
    assert "13800000001" not in queue.text
    client.post(f"/cases/{case.id}/calls", data={"contact_point_id": str(case.mobile_id)})
    assert phone.placed[0].to == "+8613800000001"


def test_an_unconfigured_floors_queue_has_no_call_button(floor: Floor, db_env: str) -> None:
    fake_phone.seat(floor)
    assert 'data-testid="queue-call-' not in login_client(create_app(db_env), "alice").get("/queue").text
