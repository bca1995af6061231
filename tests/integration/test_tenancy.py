"""Tenancy: which creditors each team and user serves, and how it bounds what each one sees.

On the floor of tests/support/floor.py, team 一组 (alice, bob, sue and, here, dan: a collector with no case
of his own) is made to serve SHOP only. BANK's pool case (floor.cases[2]) then leaves their queue, next
case, case page, disputes and outbox; a SHOP pool case added here stays. A user's own list beats its
team's; no rows at all is every creditor; a case assigned to a user stays visible to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select, update
from tests.support.disputes import dispute_complaint_and_document
from tests.support.floor import MORNING, PASSWORD, Floor, FloorCase, _case, open_journal
from tests.support.offers import offer_and_letter
from tests.support.web import login_client
from typer.testing import CliRunner

from huikuan.cli.scope import app as scope_app
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.access import visible_case
from huikuan.services.disputes import dispute_list
from huikuan.services.outbox_list import outbox
from huikuan.services.queue import my_work
from huikuan.services.queue_claims import next_case
from huikuan.services.statement_access import creditors_for
from huikuan.services.tenancy import (
    set_team_creditors,
    set_user_creditors,
    team_id_of,
    team_serves,
    user_serves,
)
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture
def shop_pool(floor: Floor) -> FloorCase:
    """A SHOP case in the unassigned pool, and dan (a collector of team 一组) and ada (an admin)."""
    shop = floor.uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == "SHOP")
    ).scalar_one()
    case = _case(floor.uow, shop, 6, 200_000, None)
    open_journal(floor.uow, case.account_ids)
    for username, role in (("dan", "collector"), ("ada", "admin")):
        floor.users[username] = add_user(floor.uow, username, PASSWORD, role=role, team="一组").id or 0
    floor.uow.commit()
    return case


def _serve_shop_only(floor: Floor) -> None:
    set_team_creditors(floor.uow, floor.viewer("ada"), team_id_of(floor.uow, "一组"), ["SHOP"], now=MORNING)


def _queue(floor: Floor, username: str) -> set[int]:
    return {item.case_id for item in my_work(floor.uow, floor.viewer(username), now=MORNING)}


def _sees(floor: Floor, username: str, case_id: int) -> bool:
    try:
        visible_case(floor.uow, floor.viewer(username), case_id)
    except NotFound:
        return False
    return True


def test_with_no_rows_at_all_everyone_keeps_the_scope_they_had(floor: Floor, shop_pool: FloorCase) -> None:
    bank_pool = floor.cases[2].id
    assert {bank_pool, shop_pool.id} <= _queue(floor, "dan")
    assert user_serves(floor.uow, None, floor.users["dan"]).follows == "all"
    assert team_serves(floor.uow, None, team_id_of(floor.uow, "一组")).codes == []


def test_a_collector_of_a_team_serving_only_shop_does_not_see_banks_pool_in_its_queue(
    floor: Floor, shop_pool: FloorCase
) -> None:
    _serve_shop_only(floor)
    bank_pool, bobs = floor.cases[2].id, floor.cases[1].id
    assert _queue(floor, "dan") == {shop_pool.id}
    assert not _sees(floor, "dan", bank_pool) and not _sees(floor, "dan", bobs)
    assert user_serves(floor.uow, None, floor.users["dan"]).follows == "team"


def test_next_case_never_hands_out_a_case_of_a_creditor_the_team_does_not_serve(
    floor: Floor, shop_pool: FloorCase
) -> None:
    """On PostgreSQL (FOR UPDATE SKIP LOCKED) and on SQLite alike: once the SHOP pool case is held by
    someone else, dan has nothing, although BANK's pool case is free."""
    _serve_shop_only(floor)
    assert next_case(floor.uow, floor.viewer("dan"), now=MORNING) == shop_pool.id
    assert next_case(floor.uow, floor.viewer("carol"), now=MORNING) != shop_pool.id  # dan holds it
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == shop_pool.id)
        .values(claimed_by=floor.users["carol"], claim_expires_at=MORNING.replace(hour=9))
    )
    floor.uow.commit()
    assert next_case(floor.uow, floor.viewer("dan"), now=MORNING) is None


def test_a_case_assigned_to_a_user_stays_visible_when_its_creditor_is_no_longer_served(
    floor: Floor, shop_pool: FloorCase
) -> None:
    _serve_shop_only(floor)
    alices, bobs = floor.cases[0].id, floor.cases[1].id  # both BANK's
    assert _sees(floor, "alice", alices) and not _sees(floor, "alice", bobs)
    assert alices in _queue(floor, "alice")


def test_a_users_own_creditors_beat_its_teams(floor: Floor, shop_pool: FloorCase) -> None:
    _serve_shop_only(floor)
    set_user_creditors(floor.uow, floor.viewer("ada"), floor.users["dan"], ["BANK"], now=MORNING)
    bank_pool = floor.cases[2].id
    assert _queue(floor, "dan") == {bank_pool, floor.cases[0].id, floor.cases[1].id}
    assert shop_pool.id in _queue(floor, "bob")  # the rest of the team still serves SHOP
    set_user_creditors(floor.uow, floor.viewer("ada"), floor.users["dan"], [], now=MORNING)
    assert _queue(floor, "dan") == {shop_pool.id}


def test_a_supervisor_sees_the_creditors_its_team_serves_and_an_administrator_every_one(
    floor: Floor, shop_pool: FloorCase
) -> None:
    _serve_shop_only(floor)
    carols_shop = floor.other_creditor_case
    assert carols_shop is not None
    assert _sees(floor, "sue", carols_shop.id) and _sees(floor, "sue", shop_pool.id)
    assert not any(_sees(floor, "sue", c.id) for c in floor.cases)
    assert all(_sees(floor, "ada", c.id) for c in floor.cases)
    assert [c["code"] for c in creditors_for(floor.uow, floor.viewer("sue"))] == ["SHOP"]
    assert [c["code"] for c in creditors_for(floor.uow, floor.viewer("ada"))] == ["BANK", "SHOP"]


def test_disputes_and_the_outbox_follow_the_scope(
    floor: Floor, shop_pool: FloorCase, engine: Engine, tmp_path: Path
) -> None:
    bank_pool = floor.cases[2].id
    for case_id in (bank_pool, shop_pool.id):
        dispute_complaint_and_document(engine, case_id, tmp_path / "store")
        offer_and_letter(engine, case_id, floor.users["alice"], tmp_path)
    floor.uow.rollback()
    dan = floor.viewer("dan")
    assert {r["case_id"] for r in dispute_list(floor.uow, dan)[0]} == {bank_pool, shop_pool.id}
    _serve_shop_only(floor)
    dan = floor.viewer("dan")
    assert {r["case_id"] for r in dispute_list(floor.uow, dan)[0]} == {shop_pool.id}
    assert {row.case_id for row in outbox(floor.uow, dan)} == {shop_pool.id}


def test_only_an_administrator_sets_them_and_every_change_is_audited(
    floor: Floor, shop_pool: FloorCase
) -> None:
    team = team_id_of(floor.uow, "一组")
    with pytest.raises(Forbidden):
        set_team_creditors(floor.uow, floor.viewer("sue"), team, ["SHOP"])
    with pytest.raises(InvalidInput):
        set_team_creditors(floor.uow, floor.viewer("ada"), team, ["NOPE"])
    with pytest.raises(InvalidInput):
        set_user_creditors(floor.uow, floor.viewer("ada"), floor.users["vic"], ["SHOP"])
    _serve_shop_only(floor)
    set_user_creditors(floor.uow, floor.viewer("ada"), floor.users["dan"], ["BANK", "SHOP"], now=MORNING)
    a = t.audit_events.c
    events = floor.uow.session.execute(
        select(a.action, a.entity_id, a.detail, a.user_id)
        .where(a.action.like("%.creditors_set"))
        .order_by(a.id)
    ).all()
    assert [(e.action, e.entity_id, e.detail) for e in events] == [
        ("team.creditors_set", team, {"creditors": ["SHOP"]}),
        ("user.creditors_set", floor.users["dan"], {"creditors": ["BANK", "SHOP"]}),
    ]
    assert {e.user_id for e in events} == {floor.users["ada"]}


def test_the_command_line_sets_shows_and_clears_a_teams_and_a_users_creditors(
    floor: Floor, shop_pool: FloorCase, db_env: str
) -> None:
    def run(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(scope_app, [*args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    assert run("team", "一组", "SHOP")["creditors"] == ["SHOP"]
    assert run("team", "一组")["creditors"] == ["SHOP"]
    shown = run("user", "dan")
    assert (shown["creditors"], shown["follows"], shown["team_creditors"]) == ([], "team", ["SHOP"])
    assert run("user", "dan", "BANK")["creditors"] == ["BANK"]
    assert run("user", "dan", "--clear")["follows"] == "team"
    assert run("team", "一组", "--clear")["creditors"] == []
    unknown = CliRunner().invoke(scope_app, ["team", "一组", "NOPE", "--json"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.stdout


@pytest.fixture
def app(floor: Floor, shop_pool: FloorCase, db_env: str) -> FastAPI:
    return create_app(db_env)


def test_the_case_page_and_the_api_answer_not_found_on_a_creditor_not_served(
    app: FastAPI, floor: Floor, shop_pool: FloorCase
) -> None:
    _serve_shop_only(floor)
    client = login_client(app, "dan")
    bank_pool = floor.cases[2].id
    assert client.get(f"/cases/{bank_pool}").status_code == 404
    assert client.get(f"/api/v1/cases/{bank_pool}").status_code == 404
    assert client.get(f"/cases/{shop_pool.id}").status_code == 200
    queue = client.get("/api/v1/queue").json()
    assert [item["case_id"] for item in queue["items"]] == [shop_pool.id]


def test_the_api_reads_and_replaces_a_teams_and_a_users_creditors(
    app: FastAPI, floor: Floor, shop_pool: FloorCase
) -> None:
    team = team_id_of(floor.uow, "一组")
    ada, sue = login_client(app, "ada"), login_client(app, "sue")
    put = ada.put(f"/api/v1/admin/teams/{team}/creditors", json={"creditors": ["SHOP"]})
    assert put.status_code == 200 and put.json() == {
        "team": {"id": team, "name": "一组"},
        "creditors": ["SHOP"],
    }
    assert sue.get(f"/api/v1/admin/teams/{team}/creditors").json()["creditors"] == ["SHOP"]
    assert sue.put(f"/api/v1/admin/teams/{team}/creditors", json={"creditors": []}).status_code == 403
    dan = floor.users["dan"]
    answer = ada.put(f"/api/v1/admin/users/{dan}/creditors", json={"creditors": ["BANK"]}).json()
    assert (answer["creditors"], answer["follows"], answer["team_creditors"]) == (["BANK"], None, ["SHOP"])
    assert ada.put(f"/api/v1/admin/users/{dan}/creditors", json={"creditors": ["NOPE"]}).status_code == 422
    assert ada.get("/api/v1/admin/users/999999/creditors").status_code == 404


def test_the_scope_page_is_edited_by_an_administrator_and_read_by_a_supervisor(
    app: FastAPI, floor: Floor, shop_pool: FloorCase
) -> None:
    team = team_id_of(floor.uow, "一组")
    ada = login_client(app, "ada")
    saved = ada.post(f"/admin/scope/teams/{team}", data={"creditor": ["SHOP"]}, follow_redirects=False)
    assert saved.status_code == 303
    added = ada.post("/admin/scope/users", data={"user_id": str(floor.users["dan"]), "creditor": ["BANK"]})
    assert added.status_code == 200 and 'data-testid="scope-saved"' in added.text
    assert 'data-testid="scope-user-dan"' in added.text
    bad = ada.post("/admin/scope/users", data={"user_id": "", "creditor": ["BANK"]})
    assert bad.status_code == 422 and 'data-testid="scope-error"' in bad.text
    page = login_client(app, "sue", locale="zh_CN").get("/admin/scope")
    assert page.status_code == 200 and "save-team-" not in page.text and "disabled" in page.text
    assert 'data-testid="team-一组-SHOP"' in page.text and 'data-testid="team-一组-BANK"' not in page.text
    assert login_client(app, "alice").get("/admin/scope").status_code == 403
