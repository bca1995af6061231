"""The debtor's own pages (issue 18): a private link per case opens only after a two-factor identity
check, says the same thing for every reason it does not open, locks after five wrong answers, limits each
address, and shows nothing of the debt before the check."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from tests.support.debtor_portal import answer_check, debtor_browser, page_csrf, right_answers
from tests.support.floor import BORN, MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client
from typer.testing import CliRunner

from huikuan.cli import app as cli_app
from huikuan.errors import InvalidInput, Throttled
from huikuan.services.contacts import check_contact
from huikuan.services.debtor_codes import check_code, send_code
from huikuan.services.debtor_contact import DAYS, PAUSE_MAX_DAYS, ContactChoice, contact_form, save_contact
from huikuan.services.debtor_links import (
    ADDRESS_FAILURES_PER_HOUR,
    FAILURES_TO_LOCK,
    NO_MATCH,
    CheckFailed,
    DebtorAnswers,
    check_link,
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
    answer = answer_check(client, link.token, right_answers(1))
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
        "unknown": answer_check(debtor_browser(app), "no-such-link-token", right_answers(1)),
        "expired": answer_check(debtor_browser(app), expired.token, right_answers(2)),
        "locked": answer_check(debtor_browser(app), locked.token, right_answers(3)),
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
    late = answer_check(debtor_browser(app), link.token, right_answers(1))
    assert late.status_code == 422


def test_the_birth_date_alone_does_not_open_the_link(floor: Floor, app) -> None:
    link = _link(floor)
    answers = right_answers(1) | {"last4": ""}
    assert answer_check(debtor_browser(app), link.token, answers).status_code == 422


def test_one_address_may_not_guess_more_than_its_limit_an_hour_at_any_link(floor: Floor, app) -> None:
    client = debtor_browser(app)
    for n in range(ADDRESS_FAILURES_PER_HOUR):
        assert answer_check(client, f"guess-{n}", WRONG).status_code == 422
    link = _link(floor)
    refused = answer_check(client, link.token, right_answers(1))
    assert refused.status_code == 429
    assert link_state(floor.uow.session.connection(), link.link_id)["passed_at"] is None


def test_every_check_is_audited_without_the_values_typed(floor: Floor, app) -> None:
    link = _link(floor)
    answer_check(debtor_browser(app), link.token, WRONG)
    answer_check(debtor_browser(app), link.token, right_answers(1))
    a = t.audit_events.c
    rows = floor.uow.session.execute(select(a.detail).where(a.action == "debtor_link.check")).scalars().all()
    assert [r["passed"] for r in rows] == [False, True]
    assert all("0000" not in str(r) and "1999" not in str(r) and "1980" not in str(r) for r in rows)
    count = floor.uow.session.execute(select(func.count()).select_from(t.debtor_check_failures)).scalar_one()
    assert count == 1


def test_a_visit_ends_when_its_link_is_locked_or_expires(floor: Floor, app) -> None:
    link = _link(floor)
    client = debtor_browser(app)
    answer_check(client, link.token, right_answers(1))
    assert client.get("/d").status_code == 200
    for _ in range(FAILURES_TO_LOCK):
        answer_check(debtor_browser(app), link.token, WRONG)
    after = client.get("/d", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/d/check"


# --- how to be contacted -------------------------------------------------------------------------------

# 2026-12-14 is a Monday: 02:00 UTC is 10:00 in Beijing.
MONDAY_10 = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)
WEEKENDS_ONLY = {
    "day": ["6", "7"],
    "start": "09:00",
    "end": "18:00",
    "channel": ["call", "sms"],
    "language": "en",
    "pause_days": "0",
    "receipt": "sms",
}


def _signed_in(floor: Floor, app):
    link = _link(floor)
    client = debtor_browser(app)
    answer_check(client, link.token, right_answers(1))
    page_csrf(client, "/d/contact")
    return client, link


def test_choices_saved_on_the_page_make_the_gate_refuse_a_weekday_call_at_once(
    floor: Floor, app, db_env
) -> None:
    case = floor.cases[0]
    assert check_contact(
        floor.uow, case.id, channel="call", at=MONDAY_10, contact_point_id=case.mobile_id
    ).allowed
    floor.uow.session.rollback()
    client, _link_ = _signed_in(floor, app)
    saved = client.post("/d/contact", data=WEEKENDS_ONLY)
    assert saved.status_code == 200 and "Saturday" in saved.text
    verdict = check_contact(floor.uow, case.id, channel="call", at=MONDAY_10, contact_point_id=case.mobile_id)
    assert not verdict.allowed and "designated-inconvenient-time" in verdict.refused_by
    floor.uow.session.rollback()
    at = ["--channel", "call", "--contact-point", str(case.mobile_id), "--at", "2026-12-14T02:00:00Z"]
    assert CliRunner().invoke(cli_app, ["contact", "check", str(case.id), *at]).exit_code == 1
    saturday = MONDAY_10 + timedelta(days=5)  # 10:00 in Beijing: inside the hours chosen; 19:00 is not
    assert check_contact(
        floor.uow, case.id, channel="call", at=saturday, contact_point_id=case.mobile_id
    ).allowed
    late = check_contact(
        floor.uow, case.id, channel="call", at=saturday + timedelta(hours=9), contact_point_id=case.mobile_id
    )
    assert not late.allowed and "designated-inconvenient-time" in late.refused_by
    email = check_contact(floor.uow, case.id, channel="email", at=MONDAY_10 + timedelta(days=5))
    assert not email.allowed and "channel-opt-out" in email.refused_by


def test_the_receipt_is_queued_to_the_channel_chosen_through_the_gate(floor: Floor) -> None:
    case = floor.cases[0]
    link = _link(floor)
    choice = ContactChoice(DAYS, "09:00", "20:00", ("call", "sms"), "en", False, receipt_channel="sms")
    receipt = save_contact(floor.uow, case.id, link.link_id, choice, now=MORNING)
    assert receipt.status == "queued" and receipt.message_id is not None
    m = t.messages.c
    row = floor.uow.session.execute(
        select(m.channel, m.contact_point_id, m.body, m.decision_id, m.locale).where(
            m.id == receipt.message_id
        )
    ).one()
    assert (row.channel, row.contact_point_id, row.locale) == ("sms", case.mobile_id, "en")
    assert "between 09:00 and 20:00" in row.body and "only by phone calls" in row.body and row.decision_id


def test_a_receipt_asked_for_outside_the_hours_chosen_waits_for_them(floor: Floor) -> None:
    case = floor.cases[0]
    link = _link(floor)
    choice = ContactChoice((1, 2, 3, 4, 5), "18:00", "20:00", ("sms",), "zh", False, receipt_channel="sms")
    receipt = save_contact(floor.uow, case.id, link.link_id, choice, now=MORNING)  # Friday 10:00 Beijing
    assert receipt.status == "scheduled" and receipt.send_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert (
        receipt.text("zh_CN")[0]
        == "我们最多只会在您当地时间 星期一、星期二、星期三、星期四、星期五 的 18:00 至 20:00 之间联系您。"
    )


def test_no_calls_on_weekdays_in_working_hours_binds_the_gate_and_leaves_the_weekend_open(
    floor: Floor,
) -> None:
    """The issue's own journey: evenings on weekdays, the day at weekends; the gate refuses a call at 10:00
    on a weekday the same minute, allows one that evening and on Saturday morning."""
    case = floor.cases[0]
    link = _link(floor)
    choice = ContactChoice(
        DAYS, "18:00", "24:00", ("call", "sms"), "en", False, weekend_start="09:00", weekend_end="20:00"
    )
    receipt = save_contact(floor.uow, case.id, link.link_id, choice, now=MORNING)  # Friday 10:00 Beijing
    assert receipt.text("en")[:2] == [
        "We will contact you at most between 18:00 and 24:00 your time, on Monday, Tuesday, Wednesday, "
        "Thursday, Friday.",
        "We will contact you at most between 09:00 and 20:00 your time, on Saturday, Sunday.",
    ]
    refused = check_contact(floor.uow, case.id, channel="call", at=MORNING)
    assert not refused.allowed and refused.refused_by == ("designated-inconvenient-time",)
    assert check_contact(floor.uow, case.id, channel="call", at=MORNING + timedelta(hours=9)).allowed
    assert check_contact(floor.uow, case.id, channel="call", at=MORNING + timedelta(days=1)).allowed
    form = contact_form(floor.uow, case.id, now=MORNING)
    assert (form.choice.start, form.choice.end, form.choice.hours_of(6)) == (
        "18:00",
        "24:00",
        ("09:00", "20:00"),
    )


def test_a_hardship_pause_is_a_debtor_hold_within_the_creditors_maximum(floor: Floor) -> None:
    case = floor.cases[0]
    link = _link(floor)
    too_long = ContactChoice(DAYS, "09:00", "20:00", ("sms",), "zh", False, pause_days=PAUSE_MAX_DAYS + 1)
    with pytest.raises(InvalidInput):
        save_contact(floor.uow, case.id, link.link_id, too_long, now=MORNING)
    floor.uow.session.rollback()
    choice = ContactChoice(
        DAYS, "09:00", "20:00", ("sms",), "zh", False, pause_days=14, receipt_channel="sms"
    )
    receipt = save_contact(floor.uow, case.id, link.link_id, choice, now=MORNING)
    h = t.holds.c
    hold = floor.uow.session.execute(
        select(h.kind, h.source, h.until).where(h.debtor_id == case.debtor_id)
    ).one()
    assert (hold.kind, hold.source, hold.until.isoformat()) == ("hardship", "debtor", "2026-12-04")
    assert not check_contact(floor.uow, case.id, channel="call", at=MORNING + timedelta(days=3)).allowed
    # The gate refuses the receipt too until the pause ends: it waits for that moment.
    assert receipt.status == "scheduled" and receipt.send_at is not None
    assert receipt.send_at >= datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 5 December, 00:00 in Beijing
    assert "2026-12-04" in "\n".join(receipt.text("en"))


def test_contact_choices_need_a_day_and_a_way(floor: Floor, app) -> None:
    client, _link_ = _signed_in(floor, app)
    refused = client.post("/d/contact", data=WEEKENDS_ONLY | {"channel": []})
    assert refused.status_code == 422 and "at least one way" in refused.text
    refused = client.post("/d/contact", data=WEEKENDS_ONLY | {"day": []})
    assert refused.status_code == 422 and "at least one day" in refused.text


def test_the_contact_page_needs_a_visit_and_the_visits_own_form_token(floor: Floor, app) -> None:
    anonymous = debtor_browser(app)
    assert anonymous.post("/d/contact", data=WEEKENDS_ONLY, follow_redirects=False).status_code == 403
    client, _link_ = _signed_in(floor, app)
    client.csrf = "not-the-token"
    assert client.post("/d/contact", data=WEEKENDS_ONLY, follow_redirects=False).status_code == 403


# --- the command line ------------------------------------------------------------------------------------


def test_the_command_line_makes_a_link_that_opens_and_sends_it_through_the_gate(floor: Floor, app) -> None:
    case = floor.cases[0]
    floor.uow.commit()
    made = CliRunner().invoke(cli_app, ["portal", "link", str(case.id), "--days", "7", "--json"])
    # (a link made now, so that it opens now; the one sent below is made and sent at the floor's morning)
    assert made.exit_code == 0, made.output
    out = json.loads(made.output)
    assert set(out) == {"url", "expires_at"} and out["url"].startswith("/d/")
    expires = datetime.fromisoformat(out["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    token = out["url"].removeprefix("/d/")
    assert answer_check(debtor_browser(app), token, right_answers(1)).status_code == 303
    kept = floor.uow.session.execute(select(t.debtor_links.c.token_hash)).scalars().all()
    assert token not in str(kept)
    morning = ["--now", "2026-11-20T02:00:00Z", "--json"]
    sent = CliRunner().invoke(cli_app, ["portal", "link", str(case.id), "--send", "email", *morning])
    assert sent.exit_code == 0, sent.output
    floor.uow.session.rollback()  # what the command committed
    m = t.messages.c
    body = floor.uow.session.execute(
        select(m.body).where(m.id == json.loads(sent.output)["message_id"])
    ).scalar_one()
    assert json.loads(sent.output)["url"] in body
    refused = CliRunner().invoke(cli_app, ["portal", "link", "999999", "--json"])
    assert refused.exit_code == 1 and "error" in json.loads(refused.output.splitlines()[0])


# --- the visit's own session -----------------------------------------------------------------------------


def test_the_visit_has_its_own_cookie_secure_on_an_https_site(floor: Floor, app, monkeypatch) -> None:
    use_settings(monkeypatch, public_url="https://pay.example.cn")
    link = _link(floor)
    assert link.url.startswith("https://pay.example.cn/d/")
    opened = debtor_browser(app).get(f"/d/{link.token}", follow_redirects=False)
    cookie = opened.headers["set-cookie"].lower()
    assert cookie.startswith("huikuan_debtor=") and "huikuan_session" not in cookie
    for flag in ("path=/d", "httponly", "samesite=lax", "secure", "max-age=900"):
        assert flag in cookie


def test_the_visit_ends_after_fifteen_minutes_without_a_request(floor: Floor, app) -> None:
    link = _link(floor)
    client = debtor_browser(app)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        answer_check(client, link.token, right_answers(1))
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.get("/d", follow_redirects=False).status_code == 200
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        assert client.get("/d", follow_redirects=False).status_code == 200  # 14 minutes after the last
    with time_machine.travel(start + timedelta(minutes=44), tick=False):
        gone = client.get("/d", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/d/check"


def test_a_staff_login_opens_nothing_on_the_debtors_pages(floor: Floor, app) -> None:
    staff = login_client(app, "alice")
    answer = staff.get("/d", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/d/check"


def test_an_address_may_guess_again_once_its_wrong_answers_are_an_hour_old(floor: Floor) -> None:
    link = _link(floor)
    start = datetime.now(UTC)
    wrong = DebtorAnswers("0000", None)
    for _ in range(ADDRESS_FAILURES_PER_HOUR):
        with pytest.raises(CheckFailed):
            check_link(floor.uow, "guess", wrong, address="203.0.113.9", now=start)
    with pytest.raises(Throttled):
        check_link(floor.uow, link.token, wrong, address="203.0.113.9", now=start + timedelta(minutes=59))
    right = DebtorAnswers(right_answers(1)["last4"], BORN)
    passed = check_link(
        floor.uow, link.token, right, address="203.0.113.9", now=start + timedelta(minutes=61)
    )
    assert passed.case_id == floor.cases[0].id
    with pytest.raises(CheckFailed):  # another address was never limited
        check_link(floor.uow, "guess", wrong, address="198.51.100.7", now=start)


# --- a one-time code, where the creditor asks for one ----------------------------------------------------


def _ask_for_a_code(floor: Floor) -> None:
    c = t.creditors.c
    policy = floor.uow.session.execute(select(c.authority_policy).where(c.code == "BANK")).scalar_one()
    floor.uow.session.execute(
        t.creditors.update()
        .where(c.code == "BANK")
        .values(authority_policy={**policy, "self_service": {"identity_code": True}})
    )
    floor.uow.commit()


def _sent_code(floor: Floor) -> str:
    floor.uow.session.rollback()
    m = t.messages.c
    body = floor.uow.session.execute(
        select(m.body).where(m.template == "debtor_code").order_by(m.id.desc()).limit(1)
    ).scalar_one()
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def test_where_the_creditor_asks_a_code_by_sms_opens_the_visit_after_the_two_questions(
    floor: Floor, app
) -> None:
    _ask_for_a_code(floor)
    with time_machine.travel(MORNING, tick=False):
        link = _link(floor)
        client = debtor_browser(app)
        answer = answer_check(client, link.token, right_answers(1))
        assert answer.status_code == 303 and answer.headers["location"] == "/d/code"
        assert client.get("/d", follow_redirects=False).headers["location"] == "/d/check"  # not yet
        code = _sent_code(floor)
        page_csrf(client, "/d/code")
        wrong = client.post("/d/code", data={"code": "000000" if code != "000000" else "111111"})
        assert wrong.status_code == 422 and NO_MATCH in wrong.text
        right = client.post("/d/code", data={"code": code}, follow_redirects=False)
        assert right.status_code == 303 and right.headers["location"] == "/d"
        assert client.get("/d").status_code == 200
    a = t.audit_events.c
    details = (
        floor.uow.session.execute(select(a.detail).where(a.action.like("debtor_link.%"))).scalars().all()
    )
    assert code not in str(details)


def test_five_wrong_codes_lock_the_link_and_an_old_code_opens_nothing(floor: Floor) -> None:
    _ask_for_a_code(floor)
    link = _link(floor, now=MORNING)
    right = DebtorAnswers(right_answers(1)["last4"], BORN)
    assert check_link(floor.uow, link.token, right, address="a", now=MORNING).needs_code
    assert send_code(floor.uow, link.link_id, now=MORNING)
    code = _sent_code(floor)
    with pytest.raises(CheckFailed):
        check_code(floor.uow, link.link_id, code, address="a", now=MORNING + timedelta(minutes=11))
    assert send_code(floor.uow, link.link_id, now=MORNING + timedelta(minutes=12))
    for _ in range(FAILURES_TO_LOCK):
        with pytest.raises(CheckFailed):
            check_code(floor.uow, link.link_id, "999999x", address="a", now=MORNING + timedelta(minutes=13))
    assert link_state(floor.uow.session.connection(), link.link_id)["locked_at"] is not None
    with pytest.raises(CheckFailed):
        check_code(
            floor.uow, link.link_id, _sent_code(floor), address="b", now=MORNING + timedelta(minutes=14)
        )


def test_no_code_goes_out_when_the_gate_refuses_a_message_now(floor: Floor) -> None:
    _ask_for_a_code(floor)
    night = MORNING.replace(hour=15)  # 23:00 in Beijing
    link = _link(floor, now=night)
    assert send_code(floor.uow, link.link_id, now=night) is False
    m = t.messages.c
    assert (
        floor.uow.session.execute(select(func.count()).where(m.template == "debtor_code")).scalar_one() == 0
    )
