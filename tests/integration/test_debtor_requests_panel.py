"""The case page's list of the debtor's requests from their own page (services/debtor_requests.py
case_requests; docs/debtor-self-service.md): newest first, the debtor's words in full, the uk-conc income
and expenditure statement with its totals, and nothing for whoever may not see the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from tests.support.floor import MORNING, Floor

from huikuan.errors import NotFound
from huikuan.services.debtor_requests import (
    STATEMENT_FIELDS,
    ArrangementRequest,
    case_requests,
    send_request,
)
from huikuan.services.self_service import Visitor
from huikuan.storage import tables as t


def _visitor(case_id: int) -> Visitor:
    return Visitor(case_id=case_id, portal_link_id=41, address="203.0.113.7", locale="en")


def _uk_conc(floor: Floor) -> None:
    floor.uow.session.execute(update(t.creditors).values(pack="uk-conc"))
    floor.uow.commit()


def test_the_requests_are_listed_newest_first_with_the_debtors_words_in_full(floor: Floor) -> None:
    case = floor.cases[0]
    long_text = "我每月只能还500元，" * 40  # beyond the 200 characters of the next action's note
    first = send_request(floor.uow, _visitor(case.id), ArrangementRequest(long_text), now=MORNING)
    later = MORNING + timedelta(hours=2)
    second = send_request(floor.uow, _visitor(case.id), ArrangementRequest("下月一次还清"), now=later)
    shown = case_requests(floor.uow, floor.viewer("alice"), case.id)
    assert [r.id for r in shown] == [second, first]
    assert [r.created_at for r in shown] == [later, MORNING]
    assert shown[1].text == long_text.strip() and shown[1].status == "open" and shown[1].statement is None
    assert case_requests(floor.uow, floor.viewer("alice"), floor.cases[1].id) == ()


def test_a_statement_is_shown_by_category_with_income_spending_and_what_is_left(floor: Floor) -> None:
    _uk_conc(floor)
    case = floor.cases[0]
    statement = dict.fromkeys(STATEMENT_FIELDS, "0")
    statement.update(
        income="1,800.00", home_contents="700", food_housekeeping="250.50", non_priority_debts="100"
    )
    send_request(floor.uow, _visitor(case.id), ArrangementRequest("50 a month", statement), now=MORNING)
    (shown,) = case_requests(floor.uow, floor.viewer("alice"), case.id)
    assert shown.statement is not None and shown.currency == "CNY"
    assert [name for name, _ in shown.statement.lines] == list(STATEMENT_FIELDS)
    assert dict(shown.statement.lines)["food_housekeeping"] == 25_050
    assert shown.statement.income == 180_000
    assert shown.statement.spending == 70_000 + 25_050 + 10_000
    assert shown.statement.left == 180_000 - 105_050


def test_a_collector_of_another_team_gets_not_found(floor: Floor) -> None:
    case = floor.cases[0]
    send_request(floor.uow, _visitor(case.id), ArrangementRequest("下月一次还清"), now=MORNING)
    with pytest.raises(NotFound):
        case_requests(floor.uow, floor.viewer("carol"), case.id)
    assert floor.other_creditor_case is not None
    with pytest.raises(NotFound):
        case_requests(floor.uow, floor.viewer("vic"), floor.other_creditor_case.id)


@pytest.fixture
def app(floor: Floor, db_env: str):  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_the_panel_shows_the_statement_in_the_cases_currency_with_what_is_left(app, floor: Floor) -> None:
    from tests.support.web import login_client

    _uk_conc(floor)
    case = floor.cases[0]
    statement = dict.fromkeys(STATEMENT_FIELDS, "0")
    statement.update(income="1,800.00", home_contents="1,900")
    request_id = send_request(
        floor.uow, _visitor(case.id), ArrangementRequest("50 a month", statement), now=MORNING
    )
    panel = login_client(app, "alice", locale="en").get(f"/cases/{case.id}/panels/requests").text
    assert "Food and housekeeping" in panel and "Income and expenditure a month" in panel
    assert f'data-testid="request-income-{request_id}">CN¥1,800.00<' in panel
    assert f'data-testid="request-spending-{request_id}">CN¥1,900.00<' in panel
    assert "-CN¥100.00" in panel
    chinese = login_client(app, "alice", locale="zh_CN").get(f"/cases/{case.id}/panels/requests").text
    assert "每月结余" in chinese and "支出合计" in chinese
