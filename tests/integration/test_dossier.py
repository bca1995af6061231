"""The compliance dossier (JSON and PDF) and the case page's Compliance record tab, through HTTP."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import insert, select, update
from tests.support.factories import cli
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import api_client, login_client

from huikuan.services.contacts import record_contact
from huikuan.services.fact_history import changing_facts
from huikuan.storage import tables as t
from huikuan.web.app import create_app

OPTED_OUT = MORNING + timedelta(hours=1)
BYPASS = MORNING + timedelta(hours=2)


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"))
    _history(floor)
    return create_app(db_env)


def _history(floor: Floor) -> None:
    """A call lawful at its time, an SMS opt-out set by sue, and an SMS that went round the gate."""
    c = floor.cases[0]
    record_contact(
        floor.uow,
        c.id,
        channel="call",
        outcome="no_answer",
        at=MORNING,
        contact_point_id=c.mobile_id,
        user_id=floor.users["alice"],
    )
    with changing_facts(
        floor.uow, [c.debtor_id], user_id=floor.users["sue"], reason="preferences.set", at=OPTED_OUT
    ):
        floor.uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == c.debtor_id).values(opt_out_channels=["sms"])
        )
    floor.uow.session.execute(
        insert(t.messages).values(
            case_id=c.id,
            channel="sms",
            to="+8613800000001",
            body="bypass",
            status="sent",
            created_at=BYPASS,
            sent_at=BYPASS,
            contact_point_id=c.mobile_id,
        )
    )
    floor.uow.commit()


def _downloads(floor: Floor) -> list[dict[str, object]]:
    floor.uow.rollback()
    ev = t.audit_events.c
    return [
        {"user": r.user_id, "case": r.entity_id, **r.detail}
        for r in floor.uow.session.execute(
            select(ev.user_id, ev.entity_id, ev.detail).where(ev.action == "dossier.downloaded")
        )
    ]


def test_the_json_dossier_holds_the_versions_the_decisions_the_contacts_and_the_replay(
    app: FastAPI, floor: Floor
) -> None:
    c = floor.cases[0]
    answer = api_client(app, "sue").get(f"/api/v1/cases/{c.id}/dossier")
    assert answer.status_code == 200
    data = answer.json()
    versions = data["facts"]["versions"]
    assert [v["reason"] for v in versions] == ["facts.before", "preferences.set"]
    assert versions[1]["user"] == "Sue" or versions[1]["user_id"] == floor.users["sue"]
    assert versions[1]["changed"] == ["flags.opt_out"] and versions[1]["audit_event_id"]
    assert versions[1]["facts"]["debtor"]["flags"]["opt_out"] == ["sms"]
    assert all("****" in p for p in versions[1]["facts"]["debtor"]["phones"])  # masked
    call = next(x for x in data["decisions"] if x["kind"] == "interaction")
    assert call["allowed"] and call["decision_id"]
    sms = next(x for x in data["contacts"] if x["kind"] == "message")
    assert sms["to"] == "+86 138****0001" and "body" not in sms
    assert [r["kind"] for r in data["replay"]["refused"]] == ["message"]
    assert data["replay"]["refused"][0]["rules"] == ["channel-opt-out"]
    assert data["summary"]["refused_on_replay"] == 1 and data["summary"]["versions"] == 2
    assert "+8613800000001" not in answer.text
    assert _downloads(floor) == [{"user": floor.users["sue"], "case": c.id, "format": "json"}]


def test_the_pdf_dossier_renders_chinese_and_is_audited(app: FastAPI, floor: Floor) -> None:
    c = floor.cases[0]
    answer = login_client(app, "sue", locale="zh_CN").get(f"/cases/{c.id}/dossier.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert f"案件 {c.id} 的合规档案" in text and "测试债务人1" in text
    assert "channel-opt-out" in text and "preferences.set" in text
    assert "13800000001" not in text  # phone numbers masked
    assert _downloads(floor) == [{"user": floor.users["sue"], "case": c.id, "format": "pdf"}]


def test_a_collector_and_the_creditors_viewer_get_no_dossier(app: FastAPI, floor: Floor) -> None:
    c = floor.cases[0]
    assert login_client(app, "alice").get(f"/cases/{c.id}/dossier.pdf").status_code == 403
    assert api_client(app, "vic").get(f"/api/v1/cases/{c.id}/dossier").status_code == 403
    assert _downloads(floor) == []


def test_the_record_tab_shows_the_versions_the_replay_and_the_downloads_to_a_supervisor(
    app: FastAPI, floor: Floor
) -> None:
    c = floor.cases[0]
    page = login_client(app, "sue").get(f"/cases/{c.id}", params={"tab": "record"})
    assert page.status_code == 200 and "Compliance record" in page.text
    panel = login_client(app, "sue").get(f"/cases/{c.id}/panels/record")
    assert 'data-testid="fact-versions"' in panel.text and "flags.opt_out" in panel.text
    assert 'data-replay="refused"' in panel.text and 'data-testid="dossier-pdf"' in panel.text
    zh = login_client(app, "alice", locale="zh_CN").get(f"/cases/{c.id}/panels/record")
    assert "合规记录" in zh.text and "1 次在重放时被拒绝" in zh.text
    assert 'data-testid="dossier-pdf"' not in zh.text  # a collector sees the record, not the downloads


@pytest.mark.usefixtures("app")
def test_the_command_line_prints_the_dossier_and_audits_it(floor: Floor) -> None:
    c = floor.cases[0]
    result = cli("compliance", "dossier", str(c.id), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["refused_on_replay"] == 1
    assert _downloads(floor) == [{"user": None, "case": c.id, "format": "json"}]
