"""Viewing a case is audited (`case.viewed`: who, which case, when), at most once per user and case in
15 minutes, by the case page, its panels and the API alike; a case one may not see leaves no trace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.web import login_client

from huikuan.services.view_audit import VIEW_AUDIT_WINDOW, note_case_viewed
from huikuan.storage import tables as t
from huikuan.storage.audit import check_chain


def _views(floor: Floor) -> list[Any]:
    floor.uow.rollback()
    e = t.audit_events.c
    return list(
        floor.uow.session.execute(
            select(e.user_id, e.entity, e.entity_id, e.at, e.detail)
            .where(e.action == "case.viewed")
            .order_by(e.id)
        ).all()
    )


def test_a_view_is_kept_once_per_user_and_case_in_fifteen_minutes(floor: Floor) -> None:
    alice, bob = floor.viewer("alice"), floor.viewer("bob")
    case, other = floor.cases[0].id, floor.cases[1].id
    assert VIEW_AUDIT_WINDOW == timedelta(minutes=15)
    assert note_case_viewed(floor.uow, alice, case, MORNING)
    assert not note_case_viewed(floor.uow, alice, case, MORNING + timedelta(minutes=14, seconds=59))
    assert note_case_viewed(floor.uow, bob, case, MORNING + timedelta(minutes=1))  # another user
    assert note_case_viewed(floor.uow, alice, other, MORNING + timedelta(minutes=2))  # another case
    assert note_case_viewed(floor.uow, alice, case, MORNING + timedelta(minutes=15, seconds=1))
    kept = [(v.user_id, v.entity_id, v.at) for v in _views(floor)]
    assert kept == [
        (floor.users["alice"], case, MORNING),
        (floor.users["bob"], case, MORNING + timedelta(minutes=1)),
        (floor.users["alice"], other, MORNING + timedelta(minutes=2)),
        (floor.users["alice"], case, MORNING + timedelta(minutes=15, seconds=1)),
    ]
    assert {(v.entity, str(v.detail)) for v in _views(floor)} == {("case", "{}")}
    assert check_chain(floor.uow.session).ok


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:  # the floor is committed before the app opens its sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_the_case_page_its_panels_and_the_api_each_audit_who_viewed_the_case(
    app: FastAPI, floor: Floor
) -> None:
    case = floor.cases[0].id
    alice, vic, sue = (login_client(app, name) for name in ("alice", "vic", "sue"))
    assert alice.get(f"/cases/{case}").status_code == 200
    assert alice.get(f"/cases/{case}/panels/identity").status_code == 200  # within 15 minutes: kept once
    assert vic.get(f"/cases/{case}/panels/timeline").status_code == 200  # the creditor's viewer too
    assert sue.get(f"/api/v1/cases/{case}").status_code == 200
    assert [(v.user_id, v.entity_id) for v in _views(floor)] == [
        (floor.users["alice"], case),
        (floor.users["vic"], case),
        (floor.users["sue"], case),
    ]


def test_a_case_out_of_reach_is_not_found_and_leaves_no_view(app: FastAPI, floor: Floor) -> None:
    carol = login_client(app, "carol")  # another team
    assert carol.get(f"/cases/{floor.cases[0].id}").status_code == 404
    assert carol.get(f"/api/v1/cases/{floor.cases[0].id}").status_code == 404
    assert _views(floor) == []
