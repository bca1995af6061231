"""Masked values are revealed one at a time, each reveal audited; a read-only viewer reveals nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.support.floor import MORNING, Floor, floor_national_id

from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.reveal import reveal
from huikuan.storage import tables as t


def _reveals(floor: Floor) -> list:
    a = t.audit_events.c
    return floor.uow.session.execute(
        select(t.audit_events).where(a.action.like("reveal.%")).order_by(a.id)
    ).all()


def test_revealing_the_national_id_gives_it_whole_and_audits_who_and_which_case(floor: Floor) -> None:
    case = floor.cases[0]
    value = reveal(floor.uow, floor.viewer("alice"), case.id, what="national_id", now=MORNING)
    assert value == floor_national_id(1)
    (event,) = _reveals(floor)
    assert (event.action, event.entity, event.entity_id) == ("reveal.national_id", "case", case.id)
    assert event.user_id == floor.users["alice"] and event.at == MORNING
    assert event.detail["case_id"] == case.id
    assert floor_national_id(1) not in str(event.detail)


def test_revealing_the_birth_date_gives_it_and_audits_it(floor: Floor) -> None:
    case = floor.cases[0]
    assert reveal(floor.uow, floor.viewer("sue"), case.id, what="birth_date", now=MORNING) == "1980-01-01"
    (event,) = _reveals(floor)
    assert (event.action, event.entity_id) == ("reveal.birth_date", case.id)
    assert event.user_id == floor.users["sue"]
    with pytest.raises(Forbidden):
        reveal(floor.uow, floor.viewer("vic"), case.id, what="birth_date")
    assert len(_reveals(floor)) == 1


def test_revealing_a_contact_point_gives_its_value_and_audits_the_point(floor: Floor) -> None:
    case = floor.cases[0]
    value = reveal(
        floor.uow, floor.viewer("alice"), case.id, what="contact_point", contact_point_id=case.mobile_id
    )
    assert value == "+8613800000001"
    (event,) = _reveals(floor)
    assert (event.action, event.entity, event.entity_id) == (
        "reveal.contact_point",
        "contact_point",
        case.mobile_id,
    )
    assert event.detail == {"case_id": case.id, "kind": "mobile", "party_id": None}


def test_a_supervisor_may_reveal_a_related_partys_number(floor: Floor) -> None:
    case = floor.cases[1]
    value = reveal(
        floor.uow, floor.viewer("sue"), case.id, what="contact_point", contact_point_id=case.spouse_mobile_id
    )
    assert value == "+8613900000002"
    assert _reveals(floor)[0].detail["party_id"] == case.spouse_id


def test_the_banks_read_only_viewer_is_refused_and_nothing_is_audited(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        reveal(floor.uow, floor.viewer("vic"), floor.cases[0].id, what="national_id")
    with pytest.raises(Forbidden):
        reveal(
            floor.uow,
            floor.viewer("vic"),
            floor.cases[0].id,
            what="contact_point",
            contact_point_id=floor.cases[0].mobile_id,
        )
    assert _reveals(floor) == []


def test_a_point_of_another_case_or_no_point_at_all_is_not_found(floor: Floor) -> None:
    alice = floor.viewer("alice")
    with pytest.raises(NotFound):
        reveal(
            floor.uow,
            alice,
            floor.cases[0].id,
            what="contact_point",
            contact_point_id=floor.cases[1].mobile_id,
        )
    with pytest.raises(NotFound):
        reveal(floor.uow, alice, floor.cases[0].id, what="contact_point", contact_point_id=999_999)
    assert _reveals(floor) == []


def test_a_case_out_of_reach_is_not_found_and_bad_requests_are_refused(floor: Floor) -> None:
    with pytest.raises(NotFound):
        reveal(floor.uow, floor.viewer("carol"), floor.cases[0].id, what="national_id")
    alice = floor.viewer("alice")
    with pytest.raises(InvalidInput):
        reveal(floor.uow, alice, floor.cases[0].id, what="contact_point")
    with pytest.raises(InvalidInput):
        reveal(floor.uow, alice, floor.cases[0].id, what="password")
    assert floor.uow.session.scalar(select(func.count()).select_from(t.audit_events)) == 0


def test_the_api_reveals_for_a_collector_and_refuses_the_viewer(floor: Floor, db_env: str) -> None:
    from tests.support.web import login_client

    from huikuan.web.app import create_app

    app = create_app(db_env)
    case = floor.cases[0]
    body = {"what": "contact_point", "contact_point_id": case.email_id}
    answer = login_client(app, "alice").post(f"/api/v1/cases/{case.id}/reveal", json=body)
    assert answer.status_code == 200 and answer.json()["value"] == "debtor1@example.com"
    refused = login_client(app, "vic").post(f"/api/v1/cases/{case.id}/reveal", json=body)
    assert refused.status_code == 403
    assert len(_reveals(floor)) == 1
