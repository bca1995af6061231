"""A floor at work: readers and writers at once through the real server, on the database under test.

Ten collectors' sessions load their queue, take the next case and open it with its panels while eight
others record contacts as fast as they can (8 concurrent writers on SQLite once answered 35% "database is
locked"; now none may fail). Nothing is timed here (bench/floor_load.py measures); what
must hold is that no request fails with a server error and that every contact the server acknowledged
is stored exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Engine, func, select
from tests.support.floor import Floor
from tests.support.server import running
from tests.support.web import login_http

from huikuan import config
from huikuan.storage import engine as engines
from huikuan.storage import tables as t
from huikuan.web.app import create_app

READERS = 10
WRITERS = 8  # sessions of alice, bob and sue in turn, each its own login
ROUNDS = 6  # each reader's passes over queue, next case and case page
WRITES = 12  # contacts each writer records
PANELS = ("header", "identity", "points", "timeline", "contact", "promise", "message")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, str]] = field(default_factory=list)  # (interaction id, note)

    def saw(self, what: str, response: httpx.Response) -> httpx.Response:
        with self.lock:
            self.statuses.append((what, response.status_code))
        return response

    def failed(self, what: str, exc: BaseException) -> None:
        with self.lock:
            self.failures.append(f"{what}: {type(exc).__name__}: {exc}")


@pytest.fixture
def site(engine: Engine, floor: Floor) -> Iterator[str]:
    """The floor, committed, served by the real app with the production engine settings."""
    floor.uow.commit()
    url = engine.url.render_as_string(hide_password=False)
    config.get_settings.cache_clear()
    engines._engines.pop(url, None)
    try:
        with running(create_app(url)) as base:
            yield base
    finally:
        served = engines._engines.pop(url, None)
        if served is not None:
            served.dispose()


def _reader(base: str, username: str, case_ids: list[int], tally: Tally) -> None:
    try:
        client, csrf = login_http(base, username)
        try:
            for n in range(ROUNDS):
                tally.saw("queue", client.get("/queue"))
                tally.saw("next", client.post("/queue/next", headers={"X-CSRF-Token": csrf}))
                case_id = case_ids[n % len(case_ids)]
                tally.saw("case", client.get(f"/cases/{case_id}"))
                for panel in PANELS:
                    tally.saw(
                        "panel",
                        client.get(f"/cases/{case_id}/panels/{panel}", headers={"HX-Request": "true"}),
                    )
        finally:
            client.close()
    except Exception as exc:  # reported below, with everything else that went wrong
        tally.failed(f"reader {username}", exc)


def _writer(base: str, username: str, number: int, case_ids: list[int], tally: Tally) -> None:
    try:
        client, csrf = login_http(base, username)
        try:
            for n in range(WRITES):
                note = f"writer {number} contact {n}"
                answer = tally.saw(
                    "write",
                    client.post(
                        f"/api/v1/cases/{case_ids[n % len(case_ids)]}/contacts",
                        json={"outcome": "callback", "direction": "inbound", "notes": note},
                        headers={"X-CSRF-Token": csrf},
                    ),
                )
                if answer.status_code == 201:
                    with tally.lock:
                        tally.acknowledged.append((int(answer.json()["id"]), note))
        finally:
            client.close()
    except Exception as exc:
        tally.failed(f"writer {username}", exc)


@pytest.mark.slow
def test_readers_and_writers_at_once_get_no_server_error_and_every_acknowledged_write_is_kept_once(
    site: str, floor: Floor, engine: Engine
) -> None:
    case_ids = [case.id for case in floor.cases]
    tally = Tally()
    readers = [
        threading.Thread(target=_reader, args=(site, ("alice", "bob", "sue")[i % 3], case_ids, tally))
        for i in range(READERS)
    ]
    # Each writes where it may: alice and bob on the case assigned to them, sue (a supervisor) anywhere.
    works = {"alice": case_ids[:1], "bob": case_ids[1:2], "sue": case_ids}
    names = [("alice", "bob", "sue")[i % 3] for i in range(WRITERS)]
    writers = [
        threading.Thread(target=_writer, args=(site, name, number, works[name], tally))
        for number, name in enumerate(names)
    ]
    for thread in readers + writers:
        thread.start()
    for thread in readers + writers:
        thread.join(timeout=240)

    assert tally.failures == []
    assert [s for s in tally.statuses if s[1] >= 500] == []
    writes = [status for what, status in tally.statuses if what == "write"]
    assert writes == [201] * (WRITERS * WRITES)
    assert len(tally.statuses) == READERS * ROUNDS * (3 + len(PANELS)) + WRITERS * WRITES
    i = t.interactions.c
    with engine.connect() as conn:
        stored = conn.execute(
            select(i.id, i.notes, func.count()).where(i.notes.like("writer %")).group_by(i.id, i.notes)
        ).all()
    assert sorted((row.id, row.notes) for row in stored) == sorted(tally.acknowledged)
    assert {row.notes for row in stored} == {note for _id, note in tally.acknowledged}
    assert len(stored) == len({note for _id, note in tally.acknowledged})
