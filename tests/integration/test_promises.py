"""Promises to pay: made on a case, then found kept, partly kept or broken from the payments received.

Worked lifecycles on the floor (tests/support/floor.py): alice's case 0 owes 12,000.00 CNY over two accounts,
the pool case 2 owes 800.00 CNY. Times are Beijing's unless said; the job runs with an explicit `now`.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, select
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.payments import beijing, count, import_csv, pay

from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.claims import take_case
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import ContactReport
from huikuan.services.promises import check_promises
from huikuan.services.queue import my_work
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

DUE = date(2026, 11, 25)
GRACE_OVER = beijing(date(2026, 11, 27), 0)  # the due date and its grace day have both ended


def _case(floor: Floor, case_id: int) -> Any:
    floor.uow.commit()
    return floor.uow.session.execute(select(t.cases).where(t.cases.c.id == case_id)).one()


def _promises(floor: Floor, case_id: int) -> list[Any]:
    floor.uow.commit()
    p = t.promises.c
    return list(floor.uow.session.execute(select(t.promises).where(p.case_id == case_id).order_by(p.id)))


CHECK_GOAL, PARTLY_GOAL, BROKEN_GOAL = "check_promised_payment", "promise_partly_kept", "promise_broken"
OWNERS = ("alice", "bob", "alice")  # case 2 is the pool's: alice takes it first


def _promise(
    floor: Floor,
    case: int = 0,
    amount: str = "1000",
    due: date = DUE,
    who: str | None = None,
    currency: str | None = None,
    case_id: int | None = None,
) -> int:
    """The debtor calls in at MORNING and promises `amount` by `due` (a promise comes with a conversation)."""
    target = case_id or floor.cases[case].id
    viewer = floor.viewer(who or OWNERS[case])
    report = ContactReport(
        channel="call",
        outcome="promise",
        direction="inbound",
        promise_amount=amount,
        promise_currency=currency,
        promise_due=due,
    )
    with time_machine.travel(MORNING, tick=False):
        if case == 2 and not viewer.read_only:
            take_case(floor.uow, viewer, target)
        promise_id = log_contact(floor.uow, viewer, target, report).promise_id
    assert promise_id is not None
    return promise_id


def test_a_promise_is_recorded_and_the_case_waits_for_it(floor: Floor) -> None:
    promise_id = _promise(floor, amount="1,000.50")
    (promise,) = _promises(floor, floor.cases[0].id)
    assert (promise.id, promise.amount, promise.currency, promise.due_date) == (
        promise_id,
        100_050,
        "CNY",
        DUE,
    )
    assert promise.status == "pending" and promise.created_at == MORNING
    case = _case(floor, floor.cases[0].id)
    assert case.stage == "promised" and case.next_action_goal == CHECK_GOAL
    assert case.next_action_due_at == beijing(DUE + timedelta(days=1), 0)  # the day after the due date


def test_a_new_promise_cancels_the_pending_one(floor: Floor) -> None:
    first = _promise(floor, amount="500")
    second = _promise(floor, amount="800", due=DUE + timedelta(days=2))
    promises = _promises(floor, floor.cases[0].id)
    assert [(p.id, p.status) for p in promises] == [(first, "cancelled"), (second, "pending")]
    floor.uow.commit()
    cancelled = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "promise.cancelled")
    ).one()
    assert cancelled.entity_id == first


def test_a_promise_kept_by_an_imported_payment(floor: Floor, tmp_path: Path) -> None:
    _promise(floor, amount="1000")
    account_ref = floor.uow.session.execute(
        select(t.accounts.c.external_ref).where(t.accounts.c.id == floor.cases[0].account_ids[0])
    ).scalar_one()
    import_csv(floor.uow, tmp_path, "BANK", [("P-1", account_ref, "1000.00", "2026-11-24")])

    # During the grace day nothing is decided yet.
    assert check_promises(floor.uow, beijing(DUE + timedelta(days=1))) == {
        "kept": 0,
        "partly_kept": 0,
        "broken": 0,
    }
    assert check_promises(floor.uow, GRACE_OVER) == {"kept": 1, "partly_kept": 0, "broken": 0}
    (promise,) = _promises(floor, floor.cases[0].id)
    assert (promise.status, promise.paid_amount, promise.resolved_at) == ("kept", 100_000, GRACE_OVER)
    case = _case(floor, floor.cases[0].id)
    assert case.stage == "contacting" and case.priority == 99  # kept: no boost; the rest is still owed
    # Run again: nothing left to resolve.
    assert check_promises(floor.uow, GRACE_OVER) == {"kept": 0, "partly_kept": 0, "broken": 0}


def test_a_payment_on_the_grace_day_still_keeps_the_promise(floor: Floor) -> None:
    _promise(floor, amount="1000")
    pay(floor.uow, floor.cases[0].account_ids[0], 60_000, DUE)
    pay(floor.uow, floor.cases[0].account_ids[1], 40_000, DUE + timedelta(days=1))
    assert check_promises(floor.uow, GRACE_OVER)["kept"] == 1


def test_a_payment_before_the_promise_was_made_does_not_count(floor: Floor) -> None:
    pay(floor.uow, floor.cases[0].account_ids[0], 100_000, TODAY - timedelta(days=1))
    _promise(floor, amount="1000")
    assert check_promises(floor.uow, GRACE_OVER)["broken"] == 1


def test_a_partly_kept_promise_asks_for_the_rest(floor: Floor) -> None:
    _promise(floor, amount="1000")
    pay(floor.uow, floor.cases[0].account_ids[1], 40_000, date(2026, 11, 23))
    assert check_promises(floor.uow, GRACE_OVER) == {"kept": 0, "partly_kept": 1, "broken": 0}
    (promise,) = _promises(floor, floor.cases[0].id)
    assert (promise.status, promise.paid_amount) == ("partly_kept", 40_000)
    case = _case(floor, floor.cases[0].id)
    assert (case.stage, case.next_action_goal, case.next_action_due_at) == (
        "contacting",
        PARTLY_GOAL,
        GRACE_OVER,
    )
    assert case.priority == 99 + 50


def test_a_broken_promise_puts_the_case_back_first_in_the_queue_with_its_goal(floor: Floor) -> None:
    pool_case = floor.cases[2].id  # the lowest default priority of alice's queue
    assert [item.case_id for item in my_work(floor.uow, floor.viewer("alice"), now=MORNING)][0] != pool_case
    _promise(floor, case=2, amount="300")
    assert check_promises(floor.uow, GRACE_OVER) == {"kept": 0, "partly_kept": 0, "broken": 1}
    (promise,) = _promises(floor, pool_case)
    assert (promise.status, promise.paid_amount) == ("broken", 0)
    case = _case(floor, pool_case)
    assert (case.stage, case.next_action_goal, case.next_action_due_at) == (
        "contacting",
        BROKEN_GOAL,
        GRACE_OVER,
    )
    first = my_work(floor.uow, floor.viewer("alice"), now=GRACE_OVER)[0]
    assert (first.case_id, first.next_action_goal) == (pool_case, BROKEN_GOAL)


def test_a_broken_promise_leaves_a_disputed_case_alone(floor: Floor) -> None:
    _promise(floor)
    floor.uow.session.execute(
        t.cases.update().where(t.cases.c.id == floor.cases[0].id).values(stage="dispute")
    )
    floor.uow.commit()
    assert check_promises(floor.uow, GRACE_OVER)["broken"] == 1
    case = _case(floor, floor.cases[0].id)
    assert (case.stage, case.priority) == ("dispute", 99)


def test_a_promise_does_not_end_a_dispute(floor: Floor) -> None:
    floor.uow.session.execute(
        t.cases.update().where(t.cases.c.id == floor.cases[0].id).values(stage="dispute")
    )
    floor.uow.commit()
    _promise(floor)
    case = _case(floor, floor.cases[0].id)
    assert (case.stage, case.next_action_goal) == ("dispute", CHECK_GOAL)


# --- bad input: a clear message, and nothing changed ----------------------------------------------


@pytest.mark.parametrize(
    ("amount", "due", "message"),
    [
        ("-5", DUE, "Amount: -5 must be more than zero"),
        ("0", DUE, "Amount: 0 must be more than zero"),
        ("abc", DUE, "Amount: abc is not a number"),
        ("1e3", DUE, "Amount: 1e3 is not a number"),
        ("NaN", DUE, "Amount: NaN is not a number"),
        ("", DUE, "Amount: enter an amount"),
        ("1.234", DUE, "Amount: 1.234 has more decimals than CNY allows"),
        ("12000.01", DUE, "Amount: 12,000.01 CNY is more than the open balance 12,000.00 CNY"),
        ("100", TODAY - timedelta(days=1), "Due date: 2026-11-19 is in the past"),
        (
            "100",
            TODAY + timedelta(days=31),
            "Due date: 2026-12-21 is more than 30 days away; agree a plan instead",
        ),
    ],
)
def test_a_bad_promise_is_refused_with_a_clear_message_and_changes_nothing(
    floor: Floor, amount: str, due: date, message: str
) -> None:
    before = (count(floor.uow, t.promises), count(floor.uow, t.audit_events), _case(floor, floor.cases[0].id))
    with pytest.raises(InvalidInput) as refused:
        _promise(floor, amount=amount, due=due)
    assert str(refused.value) == message
    assert refused.value.translated("zh_CN") != refused.value.msgid  # it has a Chinese translation
    after = (count(floor.uow, t.promises), count(floor.uow, t.audit_events), _case(floor, floor.cases[0].id))
    assert after == before


def test_a_promise_due_today_is_accepted(floor: Floor) -> None:
    assert _promise(floor, due=TODAY) > 0


def test_a_promise_on_an_unknown_or_hidden_case_is_not_found(floor: Floor) -> None:
    with pytest.raises(NotFound):
        _promise(floor, case_id=999_999, amount="10")
    assert floor.other_creditor_case is not None
    with pytest.raises(NotFound):  # vic sees only the bank's cases
        _promise(floor, case_id=floor.other_creditor_case.id, who="vic", amount="10")
    assert count(floor.uow, t.promises) == 0


def test_a_read_only_viewer_cannot_record_a_promise(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        _promise(floor, who="vic")
    assert count(floor.uow, t.promises) == 0


def test_a_promise_in_another_currency_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="not the currency of this case"):
        _promise(floor, amount="10", currency="USD")


# --- the job runs from several processes at once --------------------------------------------------


def test_two_concurrent_promise_checks_resolve_each_promise_once(floor: Floor, engine: Engine) -> None:
    for n in range(3):
        _promise(floor, case=n, amount="100")
    pay(floor.uow, floor.cases[0].account_ids[0], 10_000, DUE)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with UnitOfWork(engine) as uow:
                start.wait()
                results.append(check_promises(uow, GRACE_OVER))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = {k: sum(r[k] for r in results) for k in ("kept", "partly_kept", "broken")}
    assert total == {"kept": 1, "partly_kept": 0, "broken": 2}
    cases = [_case(floor, floor.cases[n].id) for n in (1, 2)]
    assert [c.priority for c in cases] == [98 + 50, 97 + 50]  # raised once, not twice
    floor.uow.commit()
    resolutions = floor.uow.session.execute(
        select(t.audit_events.c.action).where(t.audit_events.c.action.like("promise.%"))
    ).scalars()
    assert sorted(resolutions) == [
        "promise.broken",
        "promise.broken",
        "promise.kept",
        "promise.made",
        "promise.made",
        "promise.made",
    ]


def test_a_promise_names_the_conversation_it_was_made_in(floor: Floor) -> None:
    _promise(floor)
    (promise,) = _promises(floor, floor.cases[0].id)
    (talk,) = floor.uow.session.execute(select(t.interactions)).all()
    assert (promise.interaction_id, talk.outcome, talk.direction) == (talk.id, "promise", "inbound")


# --- the panel and the API ---------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> Any:  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_the_contact_form_records_a_promise_and_the_promise_panel_shows_it(app: Any, floor: Floor) -> None:
    from tests.support.web import login_client

    case_id = floor.cases[0].id
    client = login_client(app, "alice")
    form = client.get(f"/cases/{case_id}/panels/contact")
    assert 'data-testid="promise-fields"' in form.text and 'name="promise_amount"' in form.text
    panel = client.get(f"/cases/{case_id}/panels/promise")
    assert 'data-testid="promise-form"' not in panel.text and 'data-testid="promise-how"' in panel.text
    due = date.today() + timedelta(days=3)
    answer = client.post(
        f"/cases/{case_id}/contacts",
        data={
            "outcome": "promise",
            "direction": "inbound",
            "promise_amount": "1500",
            "promise_due": due.isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "case-changed"
    panel = client.get(f"/cases/{case_id}/panels/promise")
    assert 'data-testid="pending-promise"' in panel.text and "CN¥1,500.00" in panel.text


def test_a_bad_promise_from_the_contact_form_is_explained_in_chinese_and_changes_nothing(
    app: Any, floor: Floor
) -> None:
    from tests.support.web import login_client

    client = login_client(app, "alice", locale="zh_CN")
    due = (date.today() + timedelta(days=3)).isoformat()
    for amount, when, message in (
        ("-5", due, "金额：-5 必须大于零"),
        ("abc", due, "金额：“abc”不是有效的数字"),
        ("10", "tomorrow", "承诺日期：“tomorrow”不是有效日期"),
    ):
        answer = client.post(
            f"/cases/{floor.cases[0].id}/contacts",
            data={
                "outcome": "promise",
                "direction": "inbound",
                "promise_amount": amount,
                "promise_due": when,
            },
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 422 and message in answer.text
    assert count(floor.uow, t.promises) == 0 and count(floor.uow, t.interactions) == 0


def test_the_api_records_a_promise_with_its_contact_and_refuses_bad_ones(app: Any, floor: Floor) -> None:
    from tests.support.web import login_client

    client = login_client(app, "alice")
    url = f"/api/v1/cases/{floor.cases[0].id}/contacts"
    due = (date.today() + timedelta(days=5)).isoformat()
    body = {"outcome": "promise", "direction": "inbound", "promise_amount": "120.50", "promise_due": due}
    made = client.post(url, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["promise_id"] and made.json()["next_action"]["goal"] == "check_promised_payment"
    past = (date.today() - timedelta(days=1)).isoformat()
    refused = client.post(url, json=body | {"promise_due": past})
    assert refused.status_code == 422 and refused.json()["detail"] == f"Due date: {past} is in the past"
    no_answer = client.post(url, json=body | {"outcome": "no_answer", "direction": "outbound"})
    assert no_answer.status_code == 422 and "promise to pay" in no_answer.json()["detail"]
    gone = client.post(f"/api/v1/cases/{floor.cases[0].id}/promises", json={"amount": "1", "due_date": due})
    assert gone.status_code in (404, 405)  # promises come only with their conversation
    assert count(floor.uow, t.promises) == 1
