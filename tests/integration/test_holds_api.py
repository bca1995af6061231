"""The holds API: set a hold on a debtor (201 with the hold), end it, list them; the gate reads it at once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.support.floor import Floor
from tests.support.web import api_client

from huikuan.services.contacts import check_contact
from huikuan.web.app import create_app


def test_a_hold_set_and_ended_through_the_api_reaches_the_gate_at_once(floor: Floor, db_env: str) -> None:
    app = create_app(db_env)
    alice = api_client(app, "alice")
    case = floor.cases[0]
    until = (datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=60)).isoformat()
    made = alice.post(
        f"/api/v1/debtors/{case.debtor_id}/holds",
        json={"kind": "hardship", "until": until, "note": "I lost my job, give me two months"},
    )
    assert made.status_code == 201, made.text
    hold = made.json()
    assert hold["kind"] == "hardship" and hold["status"] == "open" and hold["until"] == until
    assert hold["gate_rule"] == "hardship" and hold["debtor_id"] == case.debtor_id
    # The end of the last day in Beijing, the debtor's zone (the creditor's: the debtor states none).
    assert hold["ends_at"].startswith(f"{until}T16:00:00")

    # Tomorrow at ten in Beijing, inside the contact hours whatever the hour the test runs.
    tomorrow = datetime.combine(
        datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1),
        time(10),
        ZoneInfo("Asia/Shanghai"),
    )
    verdict = check_contact(floor.uow, case.id, channel="sms", at=tomorrow)
    assert [v["rule"] for v in verdict.decision["violations"]] == ["hardship"]
    floor.uow.rollback()

    again = alice.post(f"/api/v1/debtors/{case.debtor_id}/holds", json={"kind": "hardship", "until": until})
    assert again.status_code == 409
    listed = alice.get(f"/api/v1/debtors/{case.debtor_id}/holds").json()
    assert [h["id"] for h in listed] == [hold["id"]]

    ended = alice.post(f"/api/v1/holds/{hold['id']}/end", json={"reason": "found work"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert ended.json()["end_reason"] == "found work"
    assert alice.post(f"/api/v1/holds/{hold['id']}/end", json={}).status_code == 409
    verdict = check_contact(floor.uow, case.id, channel="sms", at=tomorrow)
    assert "hardship" not in [v["rule"] for v in verdict.decision["violations"]]


def test_the_api_refuses_a_bad_kind_a_past_day_and_a_breathing_space_outside_the_uk(
    floor: Floor, db_env: str
) -> None:
    alice = api_client(create_app(db_env), "alice")
    url = f"/api/v1/debtors/{floor.cases[0].debtor_id}/holds"
    assert alice.post(url, json={"kind": "holiday"}).status_code == 422
    assert alice.post(url, json={"kind": "hardship", "until": "2020-01-01"}).status_code == 422
    assert alice.post(url, json={"kind": "hardship", "until": "tomorrow"}).status_code == 422
    assert alice.post(url, json={"kind": "breathing_space"}).status_code == 422


def test_the_creditors_viewer_reads_holds_but_cannot_set_one(floor: Floor, db_env: str) -> None:
    vic = api_client(create_app(db_env), "vic")
    url = f"/api/v1/debtors/{floor.cases[0].debtor_id}/holds"
    assert vic.get(url).status_code == 200
    assert vic.post(url, json={"kind": "cease"}).status_code == 403
