"""The collector's queue: "my work today" in the plan's order (else the default priority), the next case
claimed for one collector only (a debtor it can speak to first), claims that expire, the true count and
the pages of a long queue, days past due counted to the floor's day, and the pages and API that show
them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from tests.support.crowd import add_cases
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.web import bearer, login_client

from huikuan.errors import Forbidden
from huikuan.services.case_view import case_360
from huikuan.services.queue import my_work, queue_page, team_queue
from huikuan.services.queue_claims import expire_claims, next_case, release_case, touch_claim
from huikuan.storage import tables as t
from huikuan.web.app import create_app


def _ids(floor: Floor, username: str, now: datetime = MORNING) -> list[int]:
    return [item.case_id for item in my_work(floor.uow, floor.viewer(username), now=now)]


def _set_case(floor: Floor, case_id: int, **values: Any) -> None:
    floor.uow.session.execute(update(t.cases).where(t.cases.c.id == case_id).values(**values))
    floor.uow.commit()


def _plan(floor: Floor, case_id: int, *, day: date = TODAY, action: str = "call", **values: Any) -> None:
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=day, strategy="champion", case_id=case_id, action=action, created_at=MORNING, **values
        )
    )
    floor.uow.commit()


def _holder(floor: Floor, case_id: int) -> int | None:
    floor.uow.commit()
    return floor.uow.session.execute(select(t.cases.c.claimed_by).where(t.cases.c.id == case_id)).scalar()


@pytest.fixture
def level(floor: Floor) -> Floor:
    """The floor with every case at the same priority and in the pool: only the balance tells them apart."""
    bank = [case.id for case in floor.cases]
    floor.uow.session.execute(update(t.cases).values(priority=0))
    floor.uow.session.execute(update(t.cases).where(t.cases.c.id.in_(bank)).values(assigned_user_id=None))
    floor.uow.commit()
    return floor


# --- my work today: what is in it, and in which order ----------------------------------------------


def test_my_work_shows_alices_own_team_and_pool_cases_with_what_she_needs(floor: Floor) -> None:
    items = my_work(floor.uow, floor.viewer("alice"), now=MORNING)
    assert [i.case_id for i in items] == [c.id for c in floor.cases]
    first = items[0]
    assert (first.debtor_name, first.creditor_code, first.balance, first.currency) == (
        "测试债务人1",
        "BANK",
        1_200_000,
        "CNY",
    )
    assert first.days_past_due == (TODAY - date(2026, 8, 1)).days
    assert first.stage == "new" and first.due_now and first.claimed_by is None and not first.mine
    assert first.planned_action is None


def test_without_a_plan_the_default_priority_orders_the_queue(level: Floor) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    # Same priority, nothing scheduled: the largest balance first.
    assert _ids(floor, "alice") == [a, b, c]
    # A next action already due comes before one due later today, which comes before none at all.
    _set_case(floor, c, next_action_due_at=MORNING - timedelta(hours=1))
    _set_case(floor, b, next_action_due_at=MORNING + timedelta(hours=3))
    assert _ids(floor, "alice") == [c, b, a]
    # A broken promise raises the case's priority: it goes first, whatever else.
    _set_case(floor, a, priority=50)
    assert _ids(floor, "alice") == [a, c, b]


def test_a_collectors_own_cases_come_first_then_debtors_who_speak_its_languages(level: Floor) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    assert _ids(floor, "alice") == [a, b, c]
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(language="en")
    )
    floor.uow.commit()
    assert _ids(floor, "alice") == [b, c, a]  # alice works in Chinese only: the English speaker last
    _set_case(floor, c, assigned_user_id=floor.users["alice"])
    assert _ids(floor, "alice") == [c, b, a]  # her own case first, whatever its balance
    shop = floor.other_creditor_case.id
    assert _ids(floor, "sue") == [a, b, shop, c]  # a supervisor's view: one order for everyone, by balance


def test_at_equal_balance_the_older_debt_comes_first(level: Floor) -> None:
    floor = level
    a, b, _c = (case.id for case in floor.cases)
    accounts = t.accounts.c
    floor.uow.session.execute(update(t.accounts).where(accounts.case_id.in_([a, b])).values(balance=100_000))
    floor.uow.session.execute(
        update(t.accounts).where(accounts.case_id == b).values(overdue_since=date(2026, 5, 1))
    )
    floor.uow.commit()
    assert _ids(floor, "alice")[:2] == [b, a]


def test_todays_plan_orders_the_queue_by_slot_then_expected_value(level: Floor) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    _plan(floor, c, slot_start=MORNING + timedelta(hours=1), expected_value=10)
    _plan(floor, b, slot_start=MORNING + timedelta(hours=1), expected_value=900)
    _plan(floor, a, day=TODAY - timedelta(days=1), slot_start=MORNING - timedelta(days=1))  # yesterday's
    assert _ids(floor, "alice") == [b, c, a]
    item = my_work(floor.uow, floor.viewer("alice"), now=MORNING)[0]
    assert (item.planned_action, item.planned_slot) == ("call", MORNING + timedelta(hours=1))


def test_a_case_the_plan_leaves_alone_is_not_counted_as_planned(level: Floor) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    _plan(floor, a, action="none")
    _plan(floor, c, action="sms")
    assert _ids(floor, "alice") == [c, a, b]


def test_only_workable_cases_due_by_tonight_are_in_my_work(floor: Floor) -> None:
    a, b, c = (case.id for case in floor.cases)
    tonight = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 23:30 in Beijing
    _set_case(floor, a, next_action_due_at=tonight)
    assert _ids(floor, "alice") == [a, b, c]
    _set_case(floor, a, next_action_due_at=tonight + timedelta(hours=1))  # 00:30 tomorrow
    _set_case(floor, b, stage="hold")
    floor.uow.session.execute(
        update(t.accounts).where(t.accounts.c.case_id == c).values(status="paid", balance=0)
    )
    floor.uow.commit()
    assert _ids(floor, "alice") == []
    _set_case(floor, b, stage="contacting")
    for flag in ("cease", "disputed", "deceased"):
        floor.uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == floor.cases[1].debtor_id).values({flag: True})
        )
        floor.uow.commit()
        assert _ids(floor, "alice") == [], flag
        floor.uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == floor.cases[1].debtor_id).values({flag: False})
        )
        floor.uow.commit()
    assert _ids(floor, "alice") == [b]


# --- scope ---------------------------------------------------------------------------------------------


def test_carol_sees_nothing_of_alices_team(floor: Floor) -> None:
    assert floor.other_creditor_case is not None
    mine = _ids(floor, "carol")
    assert floor.cases[0].id not in mine and floor.cases[1].id not in mine
    assert set(mine) == {floor.other_creditor_case.id, floor.cases[2].id}  # her own, and the pool
    assert next_case(floor.uow, floor.viewer("carol"), now=MORNING) in set(mine)


def test_the_banks_viewer_has_no_work_to_do_and_cannot_claim(floor: Floor) -> None:
    vic = floor.viewer("vic")  # it reads its creditor's cases on its portfolio (test_portfolio.py)
    for ask in (
        lambda: my_work(floor.uow, vic, now=MORNING),
        lambda: queue_page(floor.uow, vic, now=MORNING),
        lambda: next_case(floor.uow, vic, now=MORNING),
    ):
        with pytest.raises(Forbidden):
            ask()


def test_the_team_view_is_for_supervisors_and_shows_who_holds_each_case(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        team_queue(floor.uow, floor.viewer("alice"), now=MORNING)
    _set_case(floor, floor.cases[2].id, next_action_due_at=MORNING + timedelta(days=3))
    taken = next_case(floor.uow, floor.viewer("bob"), now=MORNING)
    items = {i.case_id: i for i in team_queue(floor.uow, floor.viewer("sue"), now=MORNING)}
    assert floor.cases[2].id in items  # not due for days, still on the team's list
    assert taken is not None and items[taken].claimed_by_name == "bob" and not items[taken].mine


# --- claiming ------------------------------------------------------------------------------------------


def test_next_case_claims_the_first_case_and_releases_the_previous_one(floor: Floor) -> None:
    a, b, _c = (case.id for case in floor.cases)
    alice = floor.viewer("alice")
    assert next_case(floor.uow, alice, now=MORNING) == a
    assert _holder(floor, a) == floor.users["alice"]
    item = my_work(floor.uow, alice, now=MORNING)[0]
    assert item.mine and item.claimed_by == floor.users["alice"]
    assert item.claim_expires_at == MORNING + timedelta(minutes=30)
    assert next_case(floor.uow, alice, now=MORNING) == b
    assert _holder(floor, a) is None and _holder(floor, b) == floor.users["alice"]


def test_two_collectors_are_never_given_the_same_case(floor: Floor) -> None:
    a, b, c = (case.id for case in floor.cases)
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == a
    assert next_case(floor.uow, floor.viewer("bob"), now=MORNING) == b
    assert next_case(floor.uow, floor.viewer("sue"), now=MORNING) == c
    # Everything else in bob's scope is held by someone else: "next" gives him back his own.
    assert next_case(floor.uow, floor.viewer("bob"), now=MORNING) == b


def test_when_nothing_is_due_there_is_no_next_case(floor: Floor) -> None:
    for case in floor.cases:
        _set_case(floor, case.id, next_action_due_at=MORNING + timedelta(days=1))
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) is None


def test_an_idle_claim_expires_and_someone_else_may_take_the_case(floor: Floor) -> None:
    a = floor.cases[0].id
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == a
    assert next_case(floor.uow, floor.viewer("bob"), now=MORNING + timedelta(minutes=29)) != a
    assert next_case(floor.uow, floor.viewer("bob"), now=MORNING + timedelta(minutes=31)) == a
    assert _holder(floor, a) == floor.users["bob"]


def test_working_on_the_case_keeps_the_claim_alive(floor: Floor) -> None:
    a = floor.cases[0].id
    alice, bob = floor.viewer("alice"), floor.viewer("bob")
    assert next_case(floor.uow, alice, now=MORNING) == a
    assert touch_claim(floor.uow, alice, a, MORNING + timedelta(minutes=25))
    assert next_case(floor.uow, bob, now=MORNING + timedelta(minutes=40)) != a
    assert not touch_claim(floor.uow, bob, a, MORNING + timedelta(minutes=41))  # not his to extend
    assert not touch_claim(floor.uow, alice, a, MORNING + timedelta(minutes=56))  # lapsed already


def test_viewing_a_case_writes_nothing_while_more_than_half_of_its_claim_is_left(floor: Floor) -> None:
    a = floor.cases[0].id
    alice = floor.viewer("alice")
    assert next_case(floor.uow, alice, now=MORNING) == a

    def expires() -> Any:
        floor.uow.commit()
        return floor.uow.session.execute(select(t.cases.c.claim_expires_at).where(t.cases.c.id == a)).scalar()

    assert touch_claim(floor.uow, alice, a, MORNING + timedelta(minutes=14))
    assert expires() == MORNING + timedelta(minutes=30)  # untouched: 16 of its 30 minutes left
    assert touch_claim(floor.uow, alice, a, MORNING + timedelta(minutes=16))
    assert expires() == MORNING + timedelta(minutes=46)


def test_expire_claims_clears_only_the_claims_whose_time_has_passed(floor: Floor) -> None:
    a, b, _c = (case.id for case in floor.cases)
    next_case(floor.uow, floor.viewer("alice"), now=MORNING)
    next_case(floor.uow, floor.viewer("bob"), now=MORNING + timedelta(minutes=20))
    assert expire_claims(floor.uow, MORNING + timedelta(minutes=10)) == {"expired": 0}
    assert expire_claims(floor.uow, MORNING + timedelta(minutes=31)) == {"expired": 1}
    assert _holder(floor, a) is None and _holder(floor, b) == floor.users["bob"]


def test_a_collector_releases_only_its_own_claim_and_a_supervisor_any(floor: Floor) -> None:
    a = floor.cases[0].id
    next_case(floor.uow, floor.viewer("alice"), now=MORNING)
    with pytest.raises(Forbidden):
        release_case(floor.uow, floor.viewer("bob"), a)
    assert release_case(floor.uow, floor.viewer("sue"), a)
    assert _holder(floor, a) is None
    assert not release_case(floor.uow, floor.viewer("alice"), a)


# --- the pages and the API -----------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:  # the floor is committed before the app opens its sessions
    return create_app(db_env)


def test_the_queue_page_shows_my_work_and_next_case_opens_the_case_it_claims(
    app: FastAPI, floor: Floor
) -> None:
    a = floor.cases[0].id
    alice = login_client(app, "alice")
    page = alice.get("/queue")
    assert page.status_code == 200
    assert 'data-testid="next-case"' in page.text and f'href="/cases/{a}"' in page.text
    assert "CN¥12,000.00" in page.text and "测试债务人1" in page.text
    taken = alice.post("/queue/next", follow_redirects=False)
    assert (taken.status_code, taken.headers["location"]) == (303, f"/cases/{a}")
    assert _holder(floor, a) == floor.users["alice"]
    assert 'data-testid="release-' in alice.get("/queue").text
    released = alice.post(f"/cases/{a}/release", data={"back": "/queue"}, follow_redirects=False)
    assert (released.status_code, released.headers["location"]) == (303, "/queue")
    assert _holder(floor, a) is None


def test_with_nothing_due_next_case_says_so_in_the_collectors_language(app: FastAPI, floor: Floor) -> None:
    later = datetime.now(UTC) + timedelta(days=2)
    for case in floor.cases:
        _set_case(floor, case.id, next_action_due_at=later)
    page = login_client(app, "alice", locale="zh_CN").post("/queue/next", follow_redirects=False)
    assert page.status_code == 200 and "目前没有到期的案件" in page.text
    assert "Nothing is due now" in login_client(app, "bob").post("/queue/next").text


def test_the_team_view_is_a_supervisors_and_shows_who_holds_what(app: FastAPI, floor: Floor) -> None:
    bob = login_client(app, "bob")
    held = int(bob.post("/queue/next", follow_redirects=False).headers["location"].rsplit("/", 1)[1])
    assert bob.get("/queue?all=1").status_code == 403
    page = login_client(app, "sue").get("/queue?all=1")
    assert page.status_code == 200 and "Team queue" in page.text
    assert "bob" in page.text.split(f'data-testid="queue-holder-{held}"')[1].split("</td>")[0]


def test_the_banks_viewer_is_sent_from_the_queue_to_its_portfolio_and_cannot_take_a_case(
    app: FastAPI,
) -> None:
    vic = login_client(app, "vic")
    sent = vic.get("/queue", follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/portfolio")
    assert vic.post("/queue/next", follow_redirects=False).status_code == 403
    assert TestClient(app).get("/api/v1/queue", headers=bearer(app, "vic")).status_code == 403


def test_the_queue_api_lists_work_and_claims_the_next_case(app: FastAPI, floor: Floor) -> None:
    client = TestClient(app)
    body = client.get("/api/v1/queue", headers=bearer(app, "alice")).json()
    assert (body["total"], body["page"], body["pages"], body["has_next"]) == (3, 1, 1, False)
    first = body["items"][0]
    assert first["case_id"] == floor.cases[0].id
    assert (first["balance"], first["currency"], first["claim"]) == ("12000.00", "CNY", None)
    taken = client.post("/api/v1/queue/next", headers=bearer(app, "alice")).json()
    assert taken == {"case_id": floor.cases[0].id}
    mine = client.get("/api/v1/queue", headers=bearer(app, "alice")).json()["items"][0]["claim"]["mine"]
    assert mine is True
    released = client.post(f"/api/v1/queue/{floor.cases[0].id}/release", headers=bearer(app, "alice"))
    assert released.json() == {"released": True}
    assert client.get("/api/v1/queue?all=true", headers=bearer(app, "alice")).status_code == 403


# --- a debtor the collector can speak to -----------------------------------------------------------------


def _speaks(floor: Floor, case_index: int, language: str) -> None:
    debtor = floor.cases[case_index].debtor_id
    floor.uow.session.execute(update(t.debtors).where(t.debtors.c.id == debtor).values(language=language))
    floor.uow.commit()


def test_a_chinese_only_collector_is_never_handed_an_english_speaker_while_chinese_ones_remain(
    level: Floor,
) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    _speaks(floor, 0, "en")
    # The English speaker is planned for the first slot and the most urgent: still not alice's to take.
    _plan(floor, a, slot_start=MORNING, expected_value=10_000)
    _set_case(floor, a, priority=90)
    assert floor.viewer("alice").languages == ("zh",)
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == b
    assert next_case(floor.uow, floor.viewer("bob"), now=MORNING) == c
    assert _ids(floor, "alice") == [b, c, a]  # her list reads in the same order
    # Only when no Chinese speaker is left free does she get the English one.
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == a


def test_a_collector_without_languages_speaks_the_language_of_its_locale(level: Floor) -> None:
    floor = level
    a, _b, c = (case.id for case in floor.cases)
    _speaks(floor, 2, "en")
    users = t.users.c
    floor.uow.session.execute(
        update(t.users).where(users.id == floor.users["alice"]).values(languages=[], locale="en")
    )
    floor.uow.commit()
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == c  # the smallest, but in English
    floor.uow.session.execute(update(t.users).where(users.id == floor.users["alice"]).values(locale="zh_CN"))
    floor.uow.commit()
    assert next_case(floor.uow, floor.viewer("alice"), now=MORNING) == a


# --- days past due: one count, to the floor's day ---------------------------------------------------------


def test_days_past_due_are_the_same_on_the_queue_and_the_case_page_for_a_viewer_far_from_the_floor(
    floor: Floor,
) -> None:
    # 02:00 UTC: already the 20th on the floor (Shanghai, 10:00), still the 19th in Los Angeles (18:00).
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users["alice"]).values(time_zone="America/Los_Angeles")
    )
    floor.uow.commit()
    alice = floor.viewer("alice")
    case = floor.cases[0].id
    queued = next(i for i in my_work(floor.uow, alice, now=MORNING) if i.case_id == case)
    page = case_360(floor.uow, alice, case, now=MORNING, with_timeline=False)
    floor_days = (TODAY - date(2026, 8, 1)).days
    assert queued.days_past_due == floor_days
    assert {debt.days_past_due for debt in page.debts} == {floor_days}


def test_days_past_due_follow_the_floors_day_not_the_creditors_zone(floor: Floor) -> None:
    floor.uow.session.execute(update(t.creditors).values(time_zone="America/New_York"))
    floor.uow.commit()
    evening = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 01:00 on the 21st in Shanghai; noon in New York
    page = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=evening, with_timeline=False)
    assert page.debts[0].days_past_due == (date(2026, 11, 21) - date(2026, 8, 1)).days


# --- the true count, and pages --------------------------------------------------------------------------


def test_a_long_queue_counts_every_case_and_its_pages_hold_each_once(floor: Floor) -> None:
    add_cases(floor.uow, "BANK", 230)  # the pool: alice's, bob's and sue's to work
    alice = floor.viewer("alice")
    first = queue_page(floor.uow, alice, now=MORNING)
    assert first.paging.total == 233 and len(first.items) == 100  # the count is not the page's length
    assert (first.paging.page, first.paging.pages, first.paging.has_next) == (1, 3, True)
    seen: list[int] = []
    for number in (1, 2, 3):
        page = queue_page(floor.uow, alice, page=number, now=MORNING)
        assert page.paging.total == 233
        seen += [item.case_id for item in page.items]
    assert len(seen) == len(set(seen)) == 233  # no case twice ...
    assert seen == [i.case_id for i in my_work(floor.uow, alice, now=MORNING, limit=1000)]  # ... in order
    last = queue_page(floor.uow, alice, page=9, now=MORNING)
    assert last.paging.page == 3 and len(last.items) == 33 and not last.paging.has_next


def test_the_team_view_counts_every_workable_case_not_the_first_five_hundred(floor: Floor) -> None:
    add_cases(floor.uow, "SHOP", 520, first_balance=500)
    sue = floor.viewer("sue")
    view = queue_page(floor.uow, sue, team=True, per_page=200, now=MORNING)
    assert view.paging.total == 524 and view.paging.pages == 3
    pages = [queue_page(floor.uow, sue, team=True, page=n, per_page=200, now=MORNING) for n in (1, 2, 3)]
    ids = [item.case_id for page in pages for item in page.items]
    assert len(ids) == len(set(ids)) == 524
    with pytest.raises(Forbidden):
        queue_page(floor.uow, floor.viewer("alice"), team=True, now=MORNING)


def test_the_queue_page_shows_the_true_count_and_links_its_pages_keeping_the_view(
    app: FastAPI, floor: Floor
) -> None:
    add_cases(floor.uow, "BANK", 120)
    alice = login_client(app, "alice")
    page = alice.get("/queue")
    assert "123 cases" in page.text and "1–50 of 123" in page.text
    assert 'href="/queue?page=2"' in page.text and 'data-testid="pager-previous"' not in page.text
    assert "共 123 件" in login_client(app, "bob", locale="zh_CN").get("/queue").text
    team = login_client(app, "sue").get("/queue?all=1&page=2")
    assert "124 cases" in team.text and "51–100 of 124" in team.text
    assert 'href="/queue?all=1&amp;page=3"' in team.text and 'href="/queue?all=1&amp;page=1"' in team.text


def test_the_queue_api_gives_the_total_and_pages(app: FastAPI, floor: Floor) -> None:
    add_cases(floor.uow, "BANK", 120)
    client = TestClient(app)
    body = client.get("/api/v1/queue?per_page=50&page=3", headers=bearer(app, "alice")).json()
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (123, 3, 50, 3)
    assert (body["has_previous"], body["has_next"], len(body["items"])) == (True, False, 23)
    team = client.get("/api/v1/queue?all=true&per_page=1000", headers=bearer(app, "sue")).json()
    assert team["total"] == len(team["items"]) == 124


# --- the rows: the creditor's name, the due time in the viewer's zone, and what the viewer may do -----------


def _cell(page_text: str, testid: str) -> str:
    """The markup of one cell (or element) of the page, from its data-testid to its closing tag."""
    return page_text.split(f'data-testid="{testid}"', 1)[1].split("</td>", 1)[0].split("</div>", 1)[0]


def test_a_queue_row_names_the_creditor_and_keeps_its_code_as_a_hint(app: FastAPI, floor: Floor) -> None:
    a = floor.cases[0].id
    item = my_work(floor.uow, floor.viewer("alice"), now=MORNING)[0]
    assert (item.creditor_name, item.creditor_code) == ("某银行", "BANK")
    for client, address in (
        (login_client(app, "alice"), "/queue"),
        (login_client(app, "sue"), "/queue?all=1"),
    ):
        cell = _cell(client.get(address).text, f"queue-creditor-{a}")
        assert 'title="BANK"' in cell and cell.split(">", 1)[1].strip().startswith("某银行")
    body = TestClient(app).get("/api/v1/queue", headers=bearer(app, "alice")).json()
    assert body["items"][0]["creditor"] == {"code": "BANK", "name": "某银行"}


def test_a_next_action_due_on_an_earlier_day_is_overdue_and_one_due_by_now_is_due_now(level: Floor) -> None:
    floor = level
    a, b, c = (case.id for case in floor.cases)
    _set_case(floor, a, next_action_due_at=MORNING - timedelta(days=1))  # yesterday on the floor
    _set_case(floor, b, next_action_due_at=MORNING - timedelta(minutes=30))  # 09:30 today in Shanghai
    _set_case(floor, c, next_action_due_at=MORNING + timedelta(hours=4))  # this afternoon
    items = {i.case_id: i for i in my_work(floor.uow, floor.viewer("alice"), now=MORNING)}
    assert (items[a].overdue, items[a].due_now) == (True, True)
    assert (items[b].overdue, items[b].due_now) == (False, True)
    assert (items[c].overdue, items[c].due_now) == (False, False)


def test_the_due_time_reads_in_the_viewers_own_zone_and_says_overdue_in_words(
    app: FastAPI, floor: Floor
) -> None:
    a = floor.cases[0].id
    # 02:00 UTC on 18 November: 10:00 that day in Shanghai, 18:00 the day before in Los Angeles.
    _set_case(
        floor, a, next_action_channel="call", next_action_due_at=datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    )
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users["alice"]).values(time_zone="America/Los_Angeles")
    )
    floor.uow.commit()
    in_la = _cell(login_client(app, "alice").get("/queue").text, f"queue-due-{a}")
    assert "2026-11-17 18:00" in in_la and "Overdue" in in_la
    in_shanghai = _cell(login_client(app, "sue", locale="zh_CN").get("/queue?all=1").text, f"queue-due-{a}")
    assert "2026-11-18 10:00" in in_shanghai and "超期未办" in in_shanghai


def test_take_is_offered_on_free_cases_the_viewer_may_take_and_the_row_then_says_you(
    app: FastAPI, floor: Floor
) -> None:
    a, b, c = (case.id for case in floor.cases)  # alice's own, bob's, and the pool's
    _set_case(
        floor, c, claimed_by=floor.users["bob"], claim_expires_at=datetime.now(UTC) + timedelta(minutes=20)
    )
    alice = login_client(app, "alice")
    page = alice.get("/queue").text
    assert f'data-testid="take-{a}"' in page  # her own case, free
    assert f'data-testid="take-{b}"' not in page  # a colleague's: a supervisor moves it
    assert f'data-testid="take-{c}"' not in page and f'data-testid="release-{c}"' not in page  # bob holds it
    assert f'data-testid="queue-open-{b}"' in page  # every row opens
    taken = alice.post(f"/cases/{a}/take", follow_redirects=False)
    assert (taken.status_code, taken.headers["location"]) == (303, f"/cases/{a}")
    page = alice.get("/queue").text
    assert "You" in _cell(page, f"queue-holder-{a}")
    assert f'data-testid="take-{a}"' not in page and f'data-testid="release-{a}"' in page
    team = login_client(app, "sue").get("/queue?all=1").text
    assert f'data-testid="take-{b}"' in team  # a supervisor may take any free case
    assert f'data-testid="take-{a}"' not in team and f'data-testid="release-{a}"' in team
    body = TestClient(app).get("/api/v1/queue", headers=bearer(app, "bob")).json()
    assert {i["case_id"]: i["may_take"] for i in body["items"]} == {a: False, b: True, c: False}
