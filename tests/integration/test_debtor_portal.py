"""The debtor's own pages (issue 18): a private link per case opens only after a two-factor identity
check, says the same thing for every reason it does not open, locks after five wrong answers, limits each
address, and shows nothing of the debt before the check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.support.debtor_portal import answer_check, debtor_browser, right_answers
from tests.support.floor import Floor

from huikuan.services.debtor_links import (
    ADDRESS_FAILURES_PER_HOUR,
    FAILURES_TO_LOCK,
    NO_MATCH,
    create_link,
    link_state,
)
from huikuan.storage import tables as t
from huikuan.web.app import create_app

WRONG = {"last4": "0000", "birth_date": "1999-09-09"}


@pytest.fixture
def app(db_env: str):
    return create_app(db_env)


def _link(floor: Floor, n: int = 1, **kwargs):
    return create_link(floor.uow, floor.cases[n - 1].id, **kwargs)


def test_the_right_answers_open_what_is_owed_and_the_balance_shows_only_then(floor: Floor, app) -> None:
    link = _link(floor)
    client = debtor_browser(app)
    before = client.get("/d", follow_redirects=False)
    assert before.status_code == 303 and before.headers["location"] == "/d/check"
    answer = answer_check(client, link.token, right_answers(floor.cases[0], 1))
    assert answer.status_code == 303 and answer.headers["location"] == "/d"
    page = client.get("/d")
    assert page.status_code == 200
    assert "BANK" in page.text or "Bank" in page.text or "银行" in page.text
    assert "Principal" in page.text and "Interest" in page.text


def test_the_check_page_shows_nothing_of_the_debt(floor: Floor, app) -> None:
    link = _link(floor)
    client = debtor_browser(app)
    client.get(f"/d/{link.token}", follow_redirects=False)
    page = client.get("/d/check").text
    debtor = floor.uow.session.execute(
        select(t.debtors.c.name).where(t.debtors.c.id == floor.cases[0].debtor_id)
    ).scalar_one()
    assert debtor not in page and "Principal" not in page and "¥" not in page


def test_an_unknown_an_expired_and_a_locked_link_answer_as_a_wrong_answer_does(floor: Floor, app) -> None:
    now = datetime.now(UTC)
    good = _link(floor)
    expired = _link(floor, 2, now=now - timedelta(days=30), days=1)
    locked = _link(floor, 3)
    for _ in range(FAILURES_TO_LOCK):
        answer_check(debtor_browser(app), locked.token, WRONG)
    answers = {
        "wrong": answer_check(debtor_browser(app), good.token, WRONG),
        "unknown": answer_check(debtor_browser(app), "no-such-link-token", right_answers(floor.cases[0], 1)),
        "expired": answer_check(debtor_browser(app), expired.token, right_answers(floor.cases[1], 2)),
        "locked": answer_check(debtor_browser(app), locked.token, right_answers(floor.cases[2], 3)),
    }
    statuses = {why: a.status_code for why, a in answers.items()}
    assert set(statuses.values()) == {422}, statuses
    assert all(NO_MATCH in a.text for a in answers.values())
    bodies = {
        a.text.replace(a.text.split('name="csrf_token" value="')[1].split('"')[0], "")
        for a in answers.values()
    }
    assert len(bodies) == 1


def test_five_wrong_answers_lock_the_link_even_for_the_right_answers_after(floor: Floor, app) -> None:
    link = _link(floor)
    for _ in range(FAILURES_TO_LOCK):
        answer_check(debtor_browser(app), link.token, WRONG)
    state = link_state(floor.uow.session.connection(), link.link_id)
    assert state["failures"] == FAILURES_TO_LOCK and state["locked_at"] is not None
    late = answer_check(debtor_browser(app), link.token, right_answers(floor.cases[0], 1))
    assert late.status_code == 422


def test_the_birth_date_alone_does_not_open_the_link(floor: Floor, app) -> None:
    link = _link(floor)
    answers = right_answers(floor.cases[0], 1) | {"last4": ""}
    assert answer_check(debtor_browser(app), link.token, answers).status_code == 422


def test_one_address_may_not_guess_more_than_its_limit_an_hour_at_any_link(floor: Floor, app) -> None:
    client = debtor_browser(app)
    for n in range(ADDRESS_FAILURES_PER_HOUR):
        assert answer_check(client, f"guess-{n}", WRONG).status_code == 422
    link = _link(floor)
    refused = answer_check(client, link.token, right_answers(floor.cases[0], 1))
    assert refused.status_code == 429
    assert link_state(floor.uow.session.connection(), link.link_id)["passed_at"] is None


def test_every_check_is_audited_without_the_values_typed(floor: Floor, app) -> None:
    link = _link(floor)
    answer_check(debtor_browser(app), link.token, WRONG)
    answer_check(debtor_browser(app), link.token, right_answers(floor.cases[0], 1))
    a = t.audit_events.c
    rows = floor.uow.session.execute(select(a.detail).where(a.action == "debtor_link.check")).scalars().all()
    assert [r["passed"] for r in rows] == [False, True]
    assert all("0000" not in str(r) and "1999" not in str(r) and "1980" not in str(r) for r in rows)
    count = floor.uow.session.execute(select(func.count()).select_from(t.debtor_check_failures)).scalar_one()
    assert count == 1


def test_a_visit_ends_when_its_link_is_locked_or_expires(floor: Floor, app) -> None:
    link = _link(floor)
    client = debtor_browser(app)
    answer_check(client, link.token, right_answers(floor.cases[0], 1))
    assert client.get("/d").status_code == 200
    for _ in range(FAILURES_TO_LOCK):
        answer_check(debtor_browser(app), link.token, WRONG)
    after = client.get("/d", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/d/check"
