"""Checking who is on the line: what the caller says against what is on file, answered only "matches" or
"does not match", audited, and at most five times an hour per case so that it cannot be used to search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor, floor_national_id

from huikuan.errors import Forbidden, InvalidInput, NotFound, Throttled
from huikuan.services.identity_check import CHECKS_PER_HOUR, CallerSays, check_identity
from huikuan.storage import tables as t
from huikuan.storage.sealed import national_id_columns

BORN = date(1980, 1, 1)  # the floor's debtors' birth date


def _events(floor: Floor) -> list:
    a = t.audit_events.c
    return floor.uow.session.execute(
        select(t.audit_events).where(a.action.like("identity.%")).order_by(a.id)
    ).all()


def test_the_right_birth_date_matches_and_a_wrong_one_does_not(floor: Floor) -> None:
    alice, case = floor.viewer("alice"), floor.cases[0]
    right = check_identity(floor.uow, alice, case.id, CallerSays(birth_date=BORN), now=MORNING)
    wrong = check_identity(floor.uow, alice, case.id, CallerSays(birth_date=date(1980, 1, 2)), now=MORNING)
    assert (right.matches, right.asked, right.checks_left) == (True, "birth_date", 4)
    assert (wrong.matches, wrong.checks_left) == (False, 3)


def test_the_last_four_characters_of_the_id_match_however_they_are_typed(floor: Floor) -> None:
    sue, case = floor.viewer("sue"), floor.cases[0]
    last4 = floor_national_id(1)[-4:]
    assert check_identity(floor.uow, sue, case.id, CallerSays(id_last4=last4), now=MORNING).matches
    assert check_identity(floor.uow, sue, case.id, CallerSays(id_last4=last4.lower()), now=MORNING).matches
    assert not check_identity(floor.uow, sue, case.id, CallerSays(id_last4="0000"), now=MORNING).matches


def test_an_x_typed_in_lower_case_matches_an_id_ending_in_x(floor: Floor) -> None:
    case = floor.cases[0]
    floor.uow.session.execute(
        update(t.debtors)
        .where(t.debtors.c.id == case.debtor_id)
        .values(**national_id_columns("32010219850615009X"), birth_date=None)
    )
    floor.uow.commit()
    alice = floor.viewer("alice")
    assert check_identity(floor.uow, alice, case.id, CallerSays(id_last4="009x"), now=MORNING).matches
    # With no birth date on file, the one the PRC ID holds is checked.
    says = CallerSays(birth_date=date(1985, 6, 15))
    assert check_identity(floor.uow, alice, case.id, says, now=MORNING).matches


def test_each_check_is_audited_with_who_and_what_was_asked_but_never_the_value(floor: Floor) -> None:
    alice, case = floor.viewer("alice"), floor.cases[0]
    check_identity(floor.uow, alice, case.id, CallerSays(id_last4="0000"), now=MORNING)
    (event,) = _events(floor)
    assert (event.action, event.entity, event.entity_id, event.user_id, event.at) == (
        "identity.check",
        "case",
        case.id,
        floor.users["alice"],
        MORNING,
    )
    assert event.detail == {
        "case_id": case.id,
        "debtor_id": case.debtor_id,
        "asked": "id_last4",
        "matches": False,
    }


def test_after_five_checks_in_an_hour_the_case_refuses_until_the_hour_has_passed(floor: Floor) -> None:
    case = floor.cases[0]
    for n in range(CHECKS_PER_HOUR):
        who = floor.viewer("alice" if n % 2 else "sue")  # the limit is the case's, whoever asks
        check_identity(
            floor.uow, who, case.id, CallerSays(id_last4=f"{n:04d}"), now=MORNING + timedelta(minutes=n)
        )
    alice = floor.viewer("alice")
    with pytest.raises(Throttled, match="the next is possible at 2026-11-20 11:00"):
        check_identity(
            floor.uow, alice, case.id, CallerSays(birth_date=BORN), now=MORNING + timedelta(minutes=59)
        )
    refused = _events(floor)[-1]
    assert refused.action == "identity.check_refused" and refused.detail["asked"] == "birth_date"
    # Another case has its own five.
    other = check_identity(floor.uow, alice, floor.cases[1].id, CallerSays(birth_date=BORN), now=MORNING)
    assert other.matches
    # An hour after the first check, one more may be made.
    later = check_identity(
        floor.uow, alice, case.id, CallerSays(birth_date=BORN), now=MORNING + timedelta(hours=1)
    )
    assert later.matches and later.checks_left == 0
    with pytest.raises(Throttled):
        check_identity(
            floor.uow, alice, case.id, CallerSays(birth_date=BORN), now=MORNING + timedelta(hours=1)
        )
    assert [e.action for e in _events(floor)].count("identity.check") == CHECKS_PER_HOUR + 2


def test_the_viewer_may_not_check_and_a_case_out_of_reach_is_not_found(floor: Floor) -> None:
    case = floor.cases[0]
    with pytest.raises(Forbidden):
        check_identity(floor.uow, floor.viewer("vic"), case.id, CallerSays(birth_date=BORN))
    with pytest.raises(NotFound):
        check_identity(floor.uow, floor.viewer("carol"), case.id, CallerSays(birth_date=BORN))
    assert _events(floor) == []


@pytest.mark.parametrize(
    "says",
    [
        CallerSays(),
        CallerSays(birth_date=BORN, id_last4="001X"),
        CallerSays(id_last4="01X"),
        CallerSays(id_last4="00001"),
    ],
)
def test_exactly_one_answer_of_the_right_shape_is_asked_for(floor: Floor, says: CallerSays) -> None:
    with pytest.raises(InvalidInput):
        check_identity(floor.uow, floor.viewer("alice"), floor.cases[0].id, says)
    assert _events(floor) == []


def test_a_debtor_with_nothing_on_file_cannot_be_checked(floor: Floor) -> None:
    case = floor.cases[0]
    floor.uow.session.execute(
        update(t.debtors)
        .where(t.debtors.c.id == case.debtor_id)
        .values(**national_id_columns(None), birth_date=None)
    )
    floor.uow.commit()
    for says in (CallerSays(birth_date=BORN), CallerSays(id_last4="001X")):
        with pytest.raises(NotFound):
            check_identity(floor.uow, floor.viewer("alice"), case.id, says)


def test_the_api_and_the_page_answer_only_whether_it_matches(floor: Floor, db_env: str) -> None:
    from tests.support.web import login_client

    from huikuan.web.app import create_app

    app = create_app(db_env)
    case = floor.cases[0]
    alice = login_client(app, "alice")
    answer = alice.post(f"/api/v1/cases/{case.id}/identity-check", json={"birth_date": "1980-01-01"})
    assert answer.status_code == 200
    assert answer.json() == {"case_id": case.id, "asked": "birth_date", "matches": True, "checks_left": 4}
    page = alice.post(f"/cases/{case.id}/identity-check", data={"id_last4": "0000"})
    assert page.status_code == 200 and 'data-testid="identity-does-not-match"' in page.text
    assert floor_national_id(1)[-4:] not in page.text and "1980" not in page.text
    form = alice.get(f"/cases/{case.id}/panels/identity").text
    assert 'data-testid="identity-check"' in form
    vic = login_client(app, "vic").get(f"/cases/{case.id}/panels/identity")
    assert vic.status_code == 200 and 'data-testid="identity-check"' not in vic.text
    for _ in range(3):
        alice.post(f"/api/v1/cases/{case.id}/identity-check", json={"id_last4": "1234"})
    refused = alice.post(f"/api/v1/cases/{case.id}/identity-check", json={"birth_date": "1980-01-01"})
    assert refused.status_code == 429 and "matches" not in refused.json()
    zh = login_client(app, "bob", locale="zh_CN").post(
        f"/cases/{case.id}/identity-check", data={"id_last4": "1234"}
    )
    assert zh.status_code == 429 and "过去一小时内已核对身份5次" in zh.text
