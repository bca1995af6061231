"""A user's seat for click-to-call (users.phone_extension): set by an administrator on the user's page or
through the API, shown on the page, cleared by leaving it empty."""

from __future__ import annotations

from sqlalchemy import select
from tests.support.floor import Floor
from tests.support.web import login_client

from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app


def extension(floor: Floor, username: str) -> str | None:
    floor.uow.session.rollback()
    return floor.uow.session.execute(
        select(t.users.c.phone_extension).where(t.users.c.username == username)
    ).scalar_one()


def admin(floor: Floor) -> None:
    add_user(floor.uow, "ada", "ada-password-1", role="admin")
    floor.uow.commit()


def test_an_administrator_sets_a_users_extension_on_the_user_page(floor: Floor, db_env: str) -> None:
    admin(floor)
    client = login_client(create_app(db_env), "ada", "ada-password-1")
    page = client.get("/admin/users/alice")
    assert 'data-testid="edit-phone-extension"' in page.text
    form = {
        "display_name": "alice",
        "role": "collector",
        "team_id": str(
            floor.uow.session.execute(select(t.users.c.team_id).where(t.users.c.username == "alice")).scalar()
        ),
        "locale": "zh_CN",
        "languages": "zh",
        "phone_extension": " 8001 ",
    }
    saved = client.post("/admin/users/alice", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert extension(floor, "alice") == "8001"
    assert "8001" in client.get("/admin/users/alice").text
    client.post("/admin/users/alice", data={**form, "phone_extension": ""}, follow_redirects=False)
    assert extension(floor, "alice") is None


def test_the_api_sets_and_clears_a_users_extension(floor: Floor, db_env: str) -> None:
    admin(floor)
    client = login_client(create_app(db_env), "ada", "ada-password-1")
    answer = client.put("/api/v1/admin/users/bob", json={"phone_extension": "sip:bob@pbx"})
    assert answer.status_code == 200 and answer.json() == {"changed": ["phone_extension"]}
    assert extension(floor, "bob") == "sip:bob@pbx"
    assert client.put("/api/v1/admin/users/bob", json={"phone_extension": "x" * 65}).status_code == 422
    client.put("/api/v1/admin/users/bob", json={"phone_extension": None})
    assert extension(floor, "bob") is None
