"""A creditor's viewer lands on its portfolio: its own creditor's cases only, with the true total and pages,
a few headline numbers, and no way into the floor's queue; the floor's people have no portfolio."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from tests.support.crowd import add_cases
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.web import bearer, login_client

from huikuan.domain.money import Money
from huikuan.errors import Forbidden
from huikuan.services.portfolio import portfolio
from huikuan.storage import tables as t
from huikuan.web.app import create_app


def _promise(floor: Floor, case_id: int, amount: int, status: str = "pending") -> None:
    floor.uow.session.execute(
        insert(t.promises).values(
            case_id=case_id,
            amount=amount,
            currency="CNY",
            due_date=TODAY,
            created_at=MORNING,
            status=status,
            paid_amount=0,
        )
    )
    floor.uow.commit()


def test_the_banks_viewer_sees_the_banks_cases_and_nothing_of_the_shops(floor: Floor) -> None:
    a, b, c = floor.cases
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == c.id)
        .values(claimed_by=floor.users["bob"], claim_expires_at=MORNING)
    )
    floor.uow.commit()
    mine = portfolio(floor.uow, floor.viewer("vic"), now=MORNING)
    assert (mine.creditor_code, mine.creditor_name) == ("BANK", "某银行")
    assert [row.case_id for row in mine.cases] == [a.id, b.id, c.id]  # largest balance first
    assert floor.other_creditor_case is not None
    assert floor.other_creditor_case.id not in {row.case_id for row in mine.cases}
    first = mine.cases[0]
    assert (first.debtor_name, first.balance, first.currency, first.stage) == (
        "测试债务人1",
        1_200_000,
        "CNY",
        "new",
    )
    assert first.days_past_due == (TODAY - date(2026, 8, 1)).days  # the floor's day, as everywhere
    assert [(row.assigned_to, row.held_by) for row in mine.cases] == [
        ("alice", None),
        ("bob", None),
        (None, "bob"),
    ]
    assert mine.paging.total == mine.headline.cases == 3


def test_the_headline_adds_up_the_open_balance_and_the_promises_still_pending(floor: Floor) -> None:
    a, b, _c = floor.cases
    _promise(floor, a.id, 100_000)
    _promise(floor, b.id, 50_000)
    _promise(floor, b.id, 70_000, status="kept")
    assert floor.other_creditor_case is not None
    _promise(floor, floor.other_creditor_case.id, 9_000)  # the shop's: not the bank's business
    floor.uow.session.execute(
        update(t.accounts).where(t.accounts.c.id == a.account_ids[0]).values(status="paid")
    )
    floor.uow.commit()
    head = portfolio(floor.uow, floor.viewer("vic"), now=MORNING).headline
    assert head.cases == 3
    assert head.balances == (Money(1_200_000 - 600_000 + 500_000 + 80_000, "CNY"),)
    assert (head.promises_pending, head.promised) == (2, (Money(150_000, "CNY"),))


def test_a_large_portfolio_counts_every_case_and_its_pages_hold_each_once(floor: Floor) -> None:
    bank = set(add_cases(floor.uow, "BANK", 120)) | {c.id for c in floor.cases}
    add_cases(floor.uow, "SHOP", 30)
    vic = floor.viewer("vic")
    first = portfolio(floor.uow, vic, now=MORNING)
    assert (first.paging.total, first.headline.cases, first.paging.pages, len(first.cases)) == (
        123,
        123,
        3,
        50,
    )
    seen = [row.case_id for n in (1, 2, 3) for row in portfolio(floor.uow, vic, page=n, now=MORNING).cases]
    assert len(seen) == len(set(seen)) and set(seen) == bank


@pytest.mark.parametrize("who", ["alice", "carol", "sue"])
def test_the_floors_people_have_no_portfolio(floor: Floor, who: str) -> None:
    with pytest.raises(Forbidden):
        portfolio(floor.uow, floor.viewer(who), now=MORNING)


# --- the pages and the API -----------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:  # the floor is committed before the app opens its sessions
    return create_app(db_env)


def test_the_banks_viewer_lands_on_its_portfolio_and_the_nav_names_it(app: FastAPI, floor: Floor) -> None:
    vic = login_client(app, "vic")
    landed = vic.get("/", follow_redirects=False)
    assert (landed.status_code, landed.headers["location"]) == (303, "/portfolio")
    page = vic.get("/portfolio")
    assert page.status_code == 200
    assert 'data-testid="nav-portfolio"' in page.text and 'data-testid="nav-queue"' not in page.text
    assert "My work today" not in page.text
    # Its nav: the portfolio, disputes, outbox, statements and imports; nothing of the floor's work.
    for other in ("nav-queue", "nav-scripts", "nav-workload", "nav-my-results", "nav-approvals", "nav-admin"):
        assert f'data-testid="{other}"' not in page.text
    assert 'href="/scripts"' not in page.text and 'href="/visits"' not in page.text
    assert f'href="/cases/{floor.cases[0].id}"' in page.text and "CN¥12,000.00" in page.text
    assert floor.other_creditor_case is not None
    assert f'href="/cases/{floor.other_creditor_case.id}"' not in page.text
    assert "11010119800101" not in page.text and "+86138" not in page.text  # no ID, no number
    zh = login_client(app, "vic", locale="zh_CN").get("/portfolio").text
    assert "委托案件" in zh and "共 3 件" in zh


def test_the_portfolio_page_links_its_pages(app: FastAPI, floor: Floor) -> None:
    add_cases(floor.uow, "BANK", 120)
    page = login_client(app, "vic").get("/portfolio?page=2")
    assert "123 cases" in page.text and "51–100 of 123" in page.text
    assert 'href="/portfolio?page=1"' in page.text and 'href="/portfolio?page=3"' in page.text


@pytest.mark.parametrize("who", ["alice", "sue"])
def test_the_portfolio_page_is_refused_to_the_floor(app: FastAPI, who: str) -> None:
    assert login_client(app, who).get("/portfolio").status_code == 403
    assert TestClient(app).get("/api/v1/portfolio", headers=bearer(app, who)).status_code == 403


def test_the_portfolio_api_gives_the_headline_the_total_and_pages(app: FastAPI, floor: Floor) -> None:
    body = TestClient(app).get("/api/v1/portfolio?per_page=2", headers=bearer(app, "vic")).json()
    assert body["creditor"] == {"code": "BANK", "name": "某银行"}
    assert body["headline"]["cases"] == 3
    assert body["headline"]["balances"] == [{"amount": "17800.00", "currency": "CNY"}]
    assert (body["total"], body["pages"], body["has_next"], len(body["items"])) == (3, 2, True, 2)
    assert body["items"][0]["balance"] == "12000.00" and body["items"][0]["assigned_to"] == "alice"
