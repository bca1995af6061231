"""Playing a call's recording (GET /calls/{id}/recording): the collector who made the call, supervisors and
administrators play it on the case timeline, every playback audited; another collector, even of the same
team, and the creditor's viewer get what they would get for a call that does not exist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select, update
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.recordings import WAV, kept_call
from tests.support.web import login_client

from huikuan.services.recording_playback import playback_audit
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app


@pytest.fixture
def app(floor: Floor, db_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return create_app(db_env)


@pytest.fixture
def call_id(floor: Floor, app: FastAPI) -> int:  # noqa: ARG001
    """alice's call on her case A, its recording kept."""
    return kept_call(floor.uow, floor.cases[0].id, floor.users["alice"])


def _played(engine: Engine, call_id: int) -> list[tuple[int, object]]:
    with UnitOfWork(engine) as uow:
        return [(row["user_id"], row["detail"]["range"]) for row in playback_audit(uow, call_id)]


@pytest.mark.parametrize("who", ["alice", "sue", "ada"])
def test_the_collector_who_made_the_call_a_supervisor_and_an_administrator_play_it_audited(
    app: FastAPI, floor: Floor, engine: Engine, call_id: int, who: str
) -> None:
    answer = login_client(app, who).get(f"/calls/{call_id}/recording")

    assert answer.status_code == 200
    assert answer.content == WAV
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.headers["accept-ranges"] == "bytes" and answer.headers["cache-control"] == "no-store"
    user_id = floor.users[who] if who != "ada" else _user_id(engine, "ada")
    assert _played(engine, call_id) == [(user_id, None)]
    with engine.connect() as conn:
        event = conn.execute(
            select(t.audit_events).where(t.audit_events.c.action == "call.recording_played")
        ).one()
    assert (event.entity, event.entity_id, event.detail["case_id"]) == ("call", call_id, floor.cases[0].id)


def _user_id(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(t.users.c.id).where(t.users.c.username == username)).scalar_one())


def _unnamed(page: str, call_id: int) -> str:
    """The page without the call's id (in its address and in the message)."""
    return page.replace(f"/calls/{call_id}/", "/calls/N/").replace(f"call {call_id} ", "call N ")


@pytest.mark.parametrize("who", ["bob", "carol", "vic"])
def test_another_collector_and_the_creditors_viewer_are_told_there_is_no_such_recording(
    app: FastAPI, engine: Engine, call_id: int, who: str
) -> None:
    client = login_client(app, who)

    refused = client.get(f"/calls/{call_id}/recording")
    missing = client.get(f"/calls/{call_id + 1000}/recording")

    assert refused.status_code == missing.status_code == 404
    assert f"recording of call {call_id} that" in refused.text
    assert _unnamed(refused.text, call_id) == _unnamed(missing.text, call_id + 1000)
    assert _played(engine, call_id) == []


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login(app: FastAPI, call_id: int) -> None:
    from tests.support.web import Browser

    answer = Browser(app).get(f"/calls/{call_id}/recording", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_player_asks_for_byte_ranges_and_each_is_audited(
    app: FastAPI, engine: Engine, call_id: int
) -> None:
    client = login_client(app, "alice")
    size = len(WAV)

    head = client.get(f"/calls/{call_id}/recording", headers={"Range": "bytes=0-99"})
    rest = client.get(f"/calls/{call_id}/recording", headers={"Range": "bytes=100-"})
    tail = client.get(f"/calls/{call_id}/recording", headers={"Range": "bytes=-10"})
    past = client.get(f"/calls/{call_id}/recording", headers={"Range": f"bytes={size}-"})

    assert (head.status_code, head.headers["content-range"], head.content) == (
        206,
        f"bytes 0-99/{size}",
        WAV[:100],
    )
    assert (rest.status_code, rest.content) == (206, WAV[100:])
    assert (tail.headers["content-range"], tail.content) == (
        f"bytes {size - 10}-{size - 1}/{size}",
        WAV[-10:],
    )
    assert (past.status_code, past.headers["content-range"]) == (416, f"bytes */{size}")
    alice = _user_id(engine, "alice")
    assert _played(engine, call_id) == [
        (alice, "bytes=0-99"),
        (alice, "bytes=100-"),
        (alice, "bytes=-10"),
        (alice, f"bytes={size}-"),
    ]


def test_the_timeline_shows_the_player_on_the_calls_entry_to_those_who_may_play_it(
    app: FastAPI, floor: Floor, engine: Engine, call_id: int
) -> None:
    with engine.connect() as conn:
        interaction = conn.execute(
            select(t.calls.c.interaction_id).where(t.calls.c.id == call_id)
        ).scalar_one()
    panel = f"/cases/{floor.cases[0].id}/panels/timeline"
    player = f'<audio controls preload="none" src="/calls/{call_id}/recording"'
    for who in ("alice", "sue"):
        page = login_client(app, who).get(panel)
        assert page.status_code == 200
        assert player in page.text, who
        entry = page.text.split(f'data-testid="event-interaction-{interaction}"')[1].split("</tr>")[0]
        assert player in entry
    for who in ("bob", "vic"):
        page = login_client(app, who).get(panel)
        assert page.status_code == 200 and "<audio" not in page.text, who
    assert _played(engine, call_id) == []  # showing the player plays nothing


def test_a_deleted_recording_is_not_played_and_its_entry_says_so_in_chinese(
    app: FastAPI, floor: Floor, engine: Engine, call_id: int
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(t.calls)
            .where(t.calls.c.id == call_id)
            .values(recording_key=None, recording_deleted_at=datetime(2028, 12, 2, 4, 0, tzinfo=UTC))
        )
    client = login_client(app, "alice", locale="zh_CN")

    assert client.get(f"/calls/{call_id}/recording").status_code == 404
    page = client.get(f"/cases/{floor.cases[0].id}/panels/timeline")
    assert "<audio" not in page.text
    assert "录音已于" in page.text and "2028-12-02" in page.text


def test_a_recording_is_never_served_as_one_of_the_cases_documents(
    app: FastAPI, engine: Engine, call_id: int
) -> None:
    """The documents' download serves whoever sees the case, the creditor's viewer included: a recording's
    row belongs to its call, not to the case, so that route never finds it."""
    d = t.documents.c
    with engine.connect() as conn:
        found = conn.execute(select(d.id).where(d.entity == "call", d.entity_id == call_id))
        document_id = found.scalar_one()
    for who in ("sue", "vic"):
        client = login_client(app, who)
        assert client.get(f"/documents/{document_id}").status_code == 404
        assert client.get(f"/api/v1/documents/{document_id}").status_code == 404
