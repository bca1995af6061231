"""The case page's "Notices and time limits" section, the demands CSV, and writing off or returning
accounts (supervisors, with a reason) through the browser and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, update
from tests.support.floor import Floor
from tests.support.web import api_client, login_client

from huikuan.storage import tables as t


@pytest.fixture
def app(floor: Floor, db_env: str):
    from huikuan.web.app import create_app

    return create_app(db_env)


def _facts(floor: Floor) -> None:
    case = floor.cases[0]
    first, second = case.account_ids
    s = floor.uow.session
    s.execute(
        update(t.accounts)
        .where(t.accounts.c.id == first)
        .values(limitation_date=date(2020, 1, 1), interest_rate_bp=3_600, excess_interest=10_000)
    )
    s.execute(update(t.accounts).where(t.accounts.c.id == second).values(limitation_date=date(2099, 1, 1)))
    s.execute(
        insert(t.interactions).values(
            case_id=case.id,
            debtor_id=case.debtor_id,
            at=datetime(2026, 11, 18, 2, 0, tzinfo=UTC),
            channel="call",
            direction="outbound",
            outcome="promise",
            notes="",
            duration_s=60,
        )
    )
    floor.uow.commit()


def test_the_section_shows_limitation_time_bar_cap_and_demands_in_both_languages(app, floor: Floor):
    _facts(floor)
    case = floor.cases[0]
    first, second = case.account_ids
    html = login_client(app, "alice").get(f"/cases/{case.id}/panels/notices").text
    assert "Notices and time limits" in html and "2020-01-01" in html
    assert f'data-testid="time-barred-{first}"><span class="badge bad">' in html
    assert f'data-testid="time-barred-{second}">No' in html
    assert "Over the lawful cap" in html and "Demands for payment recorded" in html
    assert "end-accounts-form" not in html  # a collector may not write off
    zh = login_client(app, "alice", locale="zh_CN").get(f"/cases/{case.id}/panels/notices").text
    assert "通知与时效" in zh and "已过诉讼时效：不得提及诉讼" in zh
    csv = login_client(app, "alice").get(f"/cases/{case.id}/demands.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[1].split(",")[1:4] == [
        "contact",
        str(_interaction(floor)),
        "call",
    ]


def _interaction(floor: Floor) -> int:
    return int(floor.uow.session.execute(select(t.interactions.c.id)).scalar_one())


def test_a_supervisor_writes_off_an_account_with_a_reason_and_the_case_closes_with_the_last(
    app, floor: Floor
):
    case = floor.cases[0]
    first, second = case.account_ids
    sue = login_client(app, "sue")
    assert "end-accounts-form" in sue.get(f"/cases/{case.id}/panels/notices").text
    answer = sue.post(
        f"/cases/{case.id}/accounts/end",
        data={"action": "write_off", "reason": "deceased, no estate", "account_id": first},
    )
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "case-changed"
    api = api_client(app, "sue")
    done = api.post(
        f"/api/v1/cases/{case.id}/accounts/end", json={"action": "return", "reason": "creditor asked"}
    )
    assert done.status_code == 200 and done.json()["accounts"] == [second] and done.json()["case_closed"]
    notices = api.get(f"/api/v1/cases/{case.id}/notices").json()
    assert [(a["status"], a["status_reason"]) for a in notices["accounts"]] == [
        ("written_off", "deceased, no estate"),
        ("returned", "creditor asked"),
    ]
    assert [c["to_status"] for c in notices["changes"]] == ["written_off", "returned"]
    with floor.uow as uow:
        stage = uow.session.execute(select(t.cases.c.stage).where(t.cases.c.id == case.id)).scalar()
    assert stage == "closed"
    timeline = sue.get(f"/cases/{case.id}/panels/timeline").text
    assert timeline.count('data-kind="status"') == 2
    assert "Written off" in timeline and "deceased, no estate" in timeline and "creditor asked" in timeline
    refused = api_client(app, "alice").post(
        f"/api/v1/cases/{case.id}/accounts/end", json={"action": "return", "reason": "x"}
    )
    assert refused.status_code == 403


def test_a_written_acknowledgment_restarts_a_uk_limitation_through_the_api_and_the_page(app, floor: Floor):
    from huikuan.services.creditors import add_creditor

    uk = add_creditor(floor.uow, "UKB", "Albion Bank", region="GB", currency="GBP", pack="uk-conc")
    case = floor.cases[2]
    s = floor.uow.session
    s.execute(update(t.cases).where(t.cases.c.id == case.id).values(creditor_id=uk.id))
    s.execute(
        update(t.accounts)
        .where(t.accounts.c.case_id == case.id)
        .values(creditor_id=uk.id, overdue_since=date(2019, 3, 1), limitation_date=date(2025, 3, 1))
    )
    floor.uow.commit()
    api = api_client(app, "sue")
    before = api.get(f"/api/v1/cases/{case.id}/notices").json()
    assert [a["time_barred"] for a in before["accounts"]] == [True, True]
    done = api.post(
        f"/api/v1/cases/{case.id}/acknowledgments", json={"on": "2024-05-02", "note": "signed form"}
    )
    assert done.status_code == 200 and done.json()["accounts"] == case.account_ids
    after = api.get(f"/api/v1/cases/{case.id}/notices").json()
    assert [(a["limitation_date"], a["time_barred"]) for a in after["accounts"]] == [
        ("2030-05-02", False)
    ] * 2
    assert [k["note"] for k in after["acknowledgments"]] == ["signed form", "signed form"]
    future = api.post(f"/api/v1/cases/{case.id}/acknowledgments", json={"on": "2099-01-01"})
    assert future.status_code == 422
    html = login_client(app, "sue").get(f"/cases/{case.id}/panels/notices").text
    assert "acknowledgment-form" in html and "2030-05-02" in html
    viewer = api_client(app, "vic").post(
        f"/api/v1/cases/{case.id}/acknowledgments", json={"on": "2024-05-02"}
    )
    assert viewer.status_code in (403, 404)
