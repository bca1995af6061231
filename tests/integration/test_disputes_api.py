"""The disputes API end to end: open, attach the verification, resolve; the lists; a document refused to
another team; and the same through the case page's forms."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.web.app import create_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    # A weekday morning in Beijing: the answer letter may be sent at once (at night the gate defers it).
    with time_machine.travel(MORNING, tick=True):
        yield create_app(db_env)


def test_a_dispute_is_opened_verified_and_resolved_through_the_api(app, floor: Floor) -> None:  # type: ignore[no-untyped-def]
    alice = login_client(app, "alice")
    case = floor.cases[0]
    opened = alice.post(
        f"/api/v1/cases/{case.id}/disputes",
        json={"via": "letter", "written": True, "account_id": case.account_ids[0], "notes": "not my card"},
    )
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert dispute["status"] == "open" and dispute["stops_collection"] and dispute["documents"] == []
    listed = alice.get("/api/v1/disputes").json()
    assert listed["paging"]["total"] == 1 and listed["items"][0]["id"] == dispute["id"]
    for step in ("verification_requested", "verification_received"):
        assert alice.post(f"/api/v1/disputes/{dispute['id']}/advance", json={"to": step}).status_code == 200
    sent = alice.post(
        f"/api/v1/disputes/{dispute['id']}/documents",
        data={"kind": "verification"},
        files={"file": ("verification.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 201, sent.text
    document = sent.json()
    got = alice.get(f"/api/v1/documents/{document['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")
    assert login_client(app, "carol").get(f"/api/v1/documents/{document['id']}").status_code == 404
    done = alice.post(f"/api/v1/disputes/{dispute['id']}/advance", json={"to": "resolved"}).json()
    # The debtor is told: the answer letter is queued through the gate to the debtor's address.
    assert done["status"] == "resolved" and done["told"] == "letter" and len(done["documents"]) == 1
    outbox = alice.get("/api/v1/outbox").json()
    assert any(m["template"] == "dispute_resolved" and m["channel"] == "letter" for m in outbox["messages"])
    assert alice.get("/api/v1/disputes").json()["paging"]["total"] == 0
    assert alice.get("/api/v1/disputes?state=closed").json()["paging"]["total"] == 1


def test_a_wrong_step_or_type_is_refused_in_the_callers_words(app, floor: Floor) -> None:  # type: ignore[no-untyped-def]
    alice = login_client(app, "alice")
    case = floor.cases[0]
    dispute = alice.post(f"/api/v1/cases/{case.id}/disputes", json={"via": "letter", "written": True}).json()
    assert alice.post(f"/api/v1/disputes/{dispute['id']}/advance", json={"to": "resolved"}).status_code == 409
    bad = alice.post(
        f"/api/v1/disputes/{dispute['id']}/documents",
        data={"kind": "evidence"},
        files={"file": ("x.html", b"<html></html>", "text/html")},
    )
    assert bad.status_code == 422 and "PDF" in bad.json()["detail"]
    assert (
        alice.post(f"/api/v1/cases/{case.id}/disputes", json={"via": "pigeon", "written": True}).status_code
        == 422
    )


def test_complaints_through_the_api_and_the_supervisors_flag(app, floor: Floor) -> None:  # type: ignore[no-untyped-def]
    alice, sue = login_client(app, "alice"), login_client(app, "sue")
    case = floor.cases[0]
    made = alice.post(
        f"/api/v1/cases/{case.id}/complaints",
        json={"channel": "regulator", "category": "conduct", "regulator": "cn_12378", "regulator_ref": "R-1"},
    )
    assert made.status_code == 201, made.text
    assert sue.get("/api/v1/complaints").json()["paging"]["total"] == 1
    assert 'data-testid="complaint-flag"' in sue.get(f"/cases/{case.id}").text
    assert 'data-testid="complaint-flag"' not in alice.get(f"/cases/{case.id}").text  # supervisors' flag
    assert f'data-testid="queue-complaint-{case.id}"' in sue.get("/queue?all=1").text
    closed = sue.post(f"/api/v1/complaints/{made.json()['id']}/advance", json={"to": "closed"})
    assert closed.json()["status"] == "closed"
    assert 'data-testid="complaint-flag"' not in sue.get(f"/cases/{case.id}").text


def test_the_case_pages_forms_open_and_resolve_a_dispute(app, floor: Floor) -> None:  # type: ignore[no-untyped-def]
    alice = login_client(app, "alice")
    case = floor.cases[0]
    alice.refresh_csrf(f"/cases/{case.id}")
    panel = alice.post(
        f"/cases/{case.id}/disputes",
        data={"via": "letter", "written": "true", "account_id": str(case.account_ids[0])},
        headers={"HX-Request": "true"},
    )
    assert panel.status_code == 200 and "Dispute opened." in panel.text
    assert panel.headers["HX-Trigger"] == "case-changed"
    for page in (
        "/disputes",
        "/complaints",
        f"/cases/{case.id}/panels/disputes",
        f"/cases/{case.id}/panels/complaints",
    ):
        assert alice.get(page).status_code == 200
    assert "测试债务人1" in alice.get("/disputes").text
