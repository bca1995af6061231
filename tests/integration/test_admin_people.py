"""Administering people without a shell (issue 15): users, teams, the audit viewer and one's own settings,
through the pages, the API and the command line, which call the same use cases."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from tests.support.factories import cli
from tests.support.floor import PASSWORD, Floor
from tests.support.web import api_client, login_client

from huikuan.errors import Forbidden, InvalidInput
from huikuan.services.user_admin import NewUser, UserChange, create_user, update_user
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

STRONG = "violet tractor harbour 88"
WEEKDAYS = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return create_app(db_env)


def _audit(engine: Engine, action: str) -> list[dict[str, object]]:
    e = t.audit_events.c
    with engine.connect() as conn:
        rows = conn.execute(select(e.detail, e.entity_id).where(e.action == action)).all()
    return [{"detail": r.detail, "entity_id": r.entity_id} for r in rows]


def _user(engine: Engine, username: str) -> object:
    with engine.connect() as conn:
        return conn.execute(select(t.users).where(t.users.c.username == username)).one()


def _team_field(text: str, name: str) -> str:
    found = re.search(r'<option value="(\d+)"[^>]*>' + re.escape(name) + "<", text)
    assert found, f"no team {name}"
    return found.group(1)


# Users


def test_an_admin_creates_a_collector_with_a_password_made_for_it_shown_once(
    app: FastAPI, engine: Engine
) -> None:
    ada = login_client(app, "ada")
    page = ada.get("/admin/users").text
    team = _team_field(page, "一组")
    answer = ada.post(
        "/admin/users",
        data={
            "username": "dora",
            "display_name": "Dora",
            "role": "collector",
            "team_id": team,
            "languages": ["zh", "en"],
            "skills": "vulnerability, field",
            "shift-0-days": ["0", "1", "2", "3", "4"],
            "shift-0-start": "09:00",
            "shift-0-end": "18:00",
            "locale": "en",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert answer.status_code == 200, answer.text
    password = re.search(r'data-testid="new-password-value"><code>([^<]+)<', answer.text)
    assert password, "the password made is shown"
    row = _user(engine, "dora")
    assert (
        row.shifts == [WEEKDAYS]
        and row.languages == ["zh", "en"]
        and row.skills == ["vulnerability", "field"]
    )
    assert row.team_id == int(team) and row.time_zone == "Asia/Shanghai"
    assert password.group(1) not in ada.get("/admin/users/dora").text  # only this once
    assert login_client(app, "dora", password.group(1)).get("/queue").status_code == 200
    created = _audit(engine, "user.created")
    assert created[-1]["entity_id"] == row.id and password.group(1) not in str(created)


def test_a_user_created_with_a_weak_password_or_a_bad_shift_is_refused_with_the_reason(
    app: FastAPI, engine: Engine
) -> None:
    ada = login_client(app, "ada")
    weak = ada.post("/admin/users", data={"username": "ed", "password": "password1", "role": "collector"})
    assert weak.status_code == 422 and 'data-testid="create-error"' in weak.text
    shift = ada.post(
        "/admin/users",
        data={"username": "ed", "role": "collector", "shift-0-days": ["1"], "shift-0-start": "25:00"},
    )
    assert shift.status_code == 422 and "HH:MM" in shift.text
    viewer = ada.post("/admin/users", data={"username": "ed", "role": "creditor_viewer"})
    assert viewer.status_code == 422 and "creditor" in viewer.text
    with engine.connect() as conn:
        assert conn.execute(select(t.users.c.id).where(t.users.c.username == "ed")).first() is None


def test_an_admin_edits_a_user_and_the_audit_names_what_changed(app: FastAPI, engine: Engine) -> None:
    ada = login_client(app, "ada")
    page = ada.get("/admin/users/bob").text
    team = _team_field(page, "二组")
    answer = ada.post(
        "/admin/users/bob",
        data={
            "display_name": "Bob B.",
            "role": "collector",
            "team_id": team,
            "languages": ["en"],
            "skills": "",
            "locale": "zh_CN",
            "time_zone": "Europe/London",
            "shift-0-days": ["5", "6"],
            "shift-0-start": "22:00",
            "shift-0-end": "06:00",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    row = _user(engine, "bob")
    assert (row.display_name, row.team_id, row.languages) == ("Bob B.", int(team), ["en"])
    assert row.shifts == [{"days": [5, 6], "start": "22:00", "end": "06:00"}]
    changed = _audit(engine, "user.updated")[-1]["detail"]
    assert changed == {"changed": ["display_name", "languages", "shifts", "team_id", "time_zone"]}


def test_deactivating_needs_a_confirmation_ends_the_sessions_and_reactivating_lets_the_user_in(
    app: FastAPI, engine: Engine
) -> None:
    ada = login_client(app, "ada")
    bob = login_client(app, "bob")
    unconfirmed = ada.post("/admin/users/bob/active", data={"active": "no"})
    assert unconfirmed.status_code == 422 and _user(engine, "bob").active
    ada.post("/admin/users/bob/active", data={"active": "no", "confirm": "yes"})
    assert not _user(engine, "bob").active
    assert bob.get("/queue", follow_redirects=False).status_code == 303
    assert "Deactivated" in ada.get("/admin/users?active=no").text
    ada.post("/admin/users/bob/active", data={"active": "yes", "confirm": "yes"})
    assert login_client(app, "bob").get("/queue").status_code == 200


def test_resetting_a_password_shows_the_new_one_once_and_ends_the_users_sessions(
    app: FastAPI, engine: Engine
) -> None:
    ada = login_client(app, "ada")
    bob = login_client(app, "bob")
    answer = ada.post("/admin/users/bob/password", data={"confirm": "yes"})
    password = re.search(r'data-testid="new-password-value"><code>([^<]+)<', answer.text)
    assert password is not None
    assert bob.get("/queue", follow_redirects=False).status_code == 303
    assert login_client(app, "bob", password.group(1)).get("/queue").status_code == 200
    reset = ada.post("/admin/users/bob/mfa", data={"confirm": "yes"}, follow_redirects=False)
    assert reset.status_code == 303 and _audit(engine, "user.mfa_reset")


def test_the_list_filters_by_role_team_and_status_with_a_true_count(app: FastAPI) -> None:
    ada = login_client(app, "ada")
    collectors = ada.get("/admin/users?role=collector").text
    assert "Users: 3" in collectors and 'data-testid="user-sue"' not in collectors
    team = _team_field(collectors, "一组")
    one = ada.get(f"/admin/users?team={team}").text
    assert 'data-testid="user-alice"' in one and 'data-testid="user-carol"' not in one
    paged = ada.get("/admin/users?page=2&per_page=2").text
    assert "Users: 6" in paged


def test_a_supervisor_reads_the_users_but_cannot_create_or_change_one(app: FastAPI, engine: Engine) -> None:
    sue = login_client(app, "sue")
    page = sue.get("/admin/users")
    assert page.status_code == 200 and 'data-testid="create-user"' not in page.text
    assert 'data-testid="edit-user"' not in sue.get("/admin/users/bob").text
    refused = sue.post("/admin/users", data={"username": "eve", "password": STRONG})
    assert refused.status_code == 403
    assert sue.post("/admin/users/bob", data={"display_name": "x"}).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(select(t.users.c.id).where(t.users.c.username == "eve")).first() is None


def test_a_collector_and_a_creditors_viewer_see_nothing_of_the_administration(app: FastAPI) -> None:
    for persona in ("alice", "vic"):
        client = login_client(app, persona)
        for path in ("/admin", "/admin/users", "/admin/users/bob", "/admin/teams", "/admin/audit"):
            assert client.get(path).status_code == 403, (persona, path)
        assert client.get("/api/v1/admin/users").status_code == 403


def test_an_admin_cannot_change_its_own_role(floor: Floor) -> None:
    ada = add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    viewer = floor.viewer("sue").__class__(
        **{**floor.viewer("sue").__dict__, "user_id": ada.id, "role": ada.role}
    )
    with pytest.raises(InvalidInput):
        update_user(floor.uow, viewer, "ada", UserChange(role="collector"))
    with pytest.raises(Forbidden):
        create_user(floor.uow, floor.viewer("sue"), NewUser(username="x", password=STRONG))


# The API and the command line call the same use cases


def test_the_api_creates_lists_and_changes_users_and_teams(app: FastAPI, engine: Engine) -> None:
    api = api_client(app, "ada")
    team = api.post("/api/v1/admin/teams", json={"name": "三组", "languages": ["zh"]})
    assert team.status_code == 201
    team_id = team.json()["id"]
    made = api.post(
        "/api/v1/admin/users",
        json={"username": "fay", "team_id": team_id, "shifts": [WEEKDAYS], "languages": ["zh", "en"]},
    )
    assert made.status_code == 201 and made.json()["password"]
    listed = api.get("/api/v1/admin/users", params={"team_id": team_id}).json()
    assert [u["username"] for u in listed["users"]] == ["fay"] and listed["paging"]["total"] == 1
    changed = api.put("/api/v1/admin/users/fay", json={"team_id": None, "skills": ["vulnerability"]})
    assert changed.json() == {"changed": ["skills", "team_id"]}
    assert _user(engine, "fay").team_id is None and _user(engine, "fay").shifts == [WEEKDAYS]
    renamed = api.put(f"/api/v1/admin/teams/{team_id}", json={"name": "三组（夜班）"})
    assert renamed.json() == {"changed": ["name"]}
    teams = {t["name"]: t for t in api.get("/api/v1/admin/teams").json()["teams"]}
    assert teams["一组"]["members"] == 3 and teams["三组（夜班）"]["members"] == 0
    assert api.post("/api/v1/admin/teams", json={"name": "一组"}).status_code == 409
    sue = api_client(app, "sue")
    assert sue.get("/api/v1/admin/users").status_code == 200
    assert sue.post("/api/v1/admin/teams", json={"name": "四组"}).status_code == 403
    assert sue.post("/api/v1/admin/users", json={"username": "gil"}).status_code == 403
    assert sue.put("/api/v1/admin/users/fay", json={"role": "admin"}).status_code == 403
    assert api_client(app, "alice").get("/api/v1/admin/teams").status_code == 403


def test_the_command_line_adds_a_user_through_the_same_use_case(db_env: str, engine: Engine) -> None:
    result = cli("user", "add", "gus", "--team", "五组", "--password", STRONG)
    assert result.exit_code == 0, result.output
    row = _user(engine, "gus")
    assert row.team_id is not None and row.shifts == []
    assert _audit(engine, "user.created") and _audit(engine, "team.created")


# Teams


def test_an_admin_creates_a_team_renames_it_and_sees_its_members(app: FastAPI, engine: Engine) -> None:
    ada = login_client(app, "ada")
    made = ada.post("/admin/teams", data={"name": "夜班", "languages": ["zh", "en"]}, follow_redirects=False)
    assert made.status_code == 303
    team_page = made.headers["location"].split("?")[0]
    ada.post(team_page, data={"name": "夜班组", "languages": ["zh"]})
    assert "夜班组" in ada.get("/admin/teams").text
    duplicate = ada.post("/admin/teams", data={"name": "一组"})
    assert duplicate.status_code == 422 and 'data-testid="team-error"' in duplicate.text
    teams = ada.get("/admin/teams").text
    one = re.search(r'<a href="(/admin/teams/\d+)">一组</a>', teams)
    assert one is not None
    members = ada.get(one.group(1)).text
    assert 'data-testid="member-alice"' in members and 'data-testid="member-carol"' not in members
    assert [a["detail"] for a in _audit(engine, "team.updated")] == [{"changed": ["languages", "name"]}]


# The audit viewer


def test_the_audit_viewer_filters_by_user_kind_and_days_newest_first(app: FastAPI) -> None:
    ada = login_client(app, "ada")
    ada.post("/admin/teams", data={"name": "A 组"})
    ada.post("/admin/teams", data={"name": "B 组"})
    page = ada.get("/admin/audit?user=ada&kind=team").text
    assert "Events: 2" in page
    assert page.index("team.created") < page.rindex("team.created")
    assert "Events: 2" in ada.get("/admin/audit?user=ada&kind=team.created").text
    assert "Events: 0" in ada.get("/admin/audit?user=ada&kind=tea").text  # a kind's first word, whole
    assert "Events: 0" in ada.get("/admin/audit?user=ada&kind=team&to=2000-01-01").text
    bad = ada.get("/admin/audit?from=yesterday")
    assert bad.status_code == 422 and 'data-testid="audit-error"' in bad.text
    assert login_client(app, "sue").get("/admin/audit?kind=team").status_code == 200
    api = api_client(app, "ada").get("/api/v1/admin/audit", params={"kind": "team", "user": "ada"}).json()
    assert api["paging"]["total"] == 2 and api["events"][0]["action"] == "team.created"


def test_the_audit_viewer_filters_by_case(app: FastAPI, floor: Floor) -> None:
    alice = login_client(app, "alice")
    case = floor.cases[0].id
    alice.get(f"/cases/{case}")
    ada = login_client(app, "ada")
    page = ada.get(f"/admin/audit?case={case}").text
    assert f'href="/cases/{case}"' in page
    assert "No event matches." in ada.get("/admin/audit?case=999999").text


# One's own settings


def test_a_user_sets_its_time_zone_from_every_iana_zone_and_the_change_is_audited(
    app: FastAPI, engine: Engine
) -> None:
    alice = login_client(app, "alice")
    page = alice.get("/settings").text
    assert 'value="America/Argentina/Buenos_Aires"' in page
    saved = alice.post("/settings", data={"locale": "en", "time_zone": "America/Argentina/Buenos_Aires"})
    assert 'data-testid="settings-saved"' in saved.text and "(America/Argentina/Buenos_Aires)" in saved.text
    assert _audit(engine, "user.settings_changed")[-1]["detail"] == {"changed": ["time_zone"]}
    assert alice.post("/settings", data={"locale": "en", "time_zone": "Mars/Base"}).status_code == 422


def test_the_nav_has_one_administration_link_for_supervisors_and_admins(app: FastAPI) -> None:
    assert 'data-testid="nav-admin"' in login_client(app, "sue").get("/queue").text
    assert 'data-testid="nav-admin"' not in login_client(app, "alice").get("/queue").text
    # The scripts: a collector's link in the bar; a supervisor's are under Administration.
    assert 'data-testid="nav-scripts"' in login_client(app, "alice").get("/queue").text
    assert 'data-testid="nav-scripts"' not in login_client(app, "sue").get("/queue").text
    hub = login_client(app, "ada").get("/admin").text
    for target in ("users", "teams", "creditors", "templates", "channels", "audit", "scope", "sessions"):
        assert f'href="/admin/{target}"' in hub
    assert 'href="/imports"' in hub and 'href="/workload"' in hub
    assert 'href="/admin/sessions"' not in login_client(app, "sue").get("/admin").text
