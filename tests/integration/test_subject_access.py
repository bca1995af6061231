"""The subject-access export: every kind of record held on a person, nothing of another's, spreadsheets
that run no formula, an audit event for each export, and for administrators only."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, insert, update
from tests.support.factories import cli
from tests.support.floor import PASSWORD, Floor
from tests.support.privacy import AT, History, give_history, pay_in_full, rows
from tests.support.web import Browser, login_client

from huikuan.channels.inbound import Inbound
from huikuan.services.inbound import receive
from huikuan.services.subject_access import export_subject, to_csv
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture
def two_people(
    floor: Floor, engine: Engine, db_env: str, letters: Path, tmp_path: Path
) -> tuple[History, History]:
    """Zhaoliu (case 1) and Wangwu (case 2), each with a whole history, paid off, and an erasure request."""
    mine = give_history(engine, floor.cases[0], letters, "Zhaoliu")
    other = give_history(engine, floor.cases[1], letters, "Wangwu")
    pay_in_full(floor.uow, tmp_path, "BANK", floor.cases[0], date(2026, 12, 1))
    pay_in_full(floor.uow, tmp_path, "BANK", floor.cases[1], date(2026, 12, 1))
    with engine.begin() as conn:
        conn.execute(
            t.erasure_requests.insert().values(
                debtor_id=floor.cases[0].debtor_id,
                requested_at=AT,
                reason="asked by phone",
                status="pending",
            )
        )
    return mine, other


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


KINDS = (
    "debtors",
    "parties",
    "contact_points",
    "cases",
    "accounts",
    "interactions",
    "promises",
    "arrangements",
    "messages",
    "payments",
    "payment_allocations",
    "audit_events",
    "erasure_requests",
)


def test_the_export_holds_each_kind_of_record_of_the_person_and_nothing_of_another(
    floor: Floor, engine: Engine, two_people: tuple[History, History], tmp_path: Path
) -> None:
    mine, other = two_people
    out = tmp_path / "out" / "zhaoliu.zip"

    result = cli("privacy", "export", str(mine.case.debtor_id), "--out", str(out))

    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    files = _unzip(out.read_bytes())
    held = json.loads(files["subject_access.json"])
    assert held["debtor_id"] == mine.case.debtor_id
    assert [k for k in KINDS if not held[k]] == []
    assert [d["name"] for d in held["debtors"]] == ["测试债务人1"]
    assert {p["value"] for p in held["contact_points"]} >= {"+8613800000001", "debtor1@example.com"}
    assert {p["name"] for p in held["parties"]} == {"配偶1", "担保人1"}
    assert [i["notes"] for i in held["interactions"]] == ["said Zhaoliu will pay on Friday"]
    assert {m["body"] for m in held["messages"]} == {"Dear Zhaoliu, a reminder", "Dear Zhaoliu, a letter"}
    assert sum(p["amount"] for p in held["payments"]) == 1_200_000
    assert {(e["action"], e["entity"]) for e in held["audit_events"]} >= {
        ("reveal.contact_point", "contact_point")
    }
    assert files[f"letters/{mine.letter_id}.pdf"] == mine.letter.read_bytes()
    assert {f"csv/{k}.csv" for k in KINDS} <= set(files)
    everything = b"".join(files.values()).decode("utf-8", errors="replace")
    for theirs in ("Wangwu", "测试债务人2", "+8613800000002", "debtor2@example.com", "配偶2"):
        assert theirs not in everything
    assert f'"debtor_id": {other.case.debtor_id}' not in files["subject_access.json"].decode()


def test_the_spreadsheets_of_an_export_run_no_formula(
    floor: Floor, engine: Engine, two_people: tuple[History, History], tmp_path: Path
) -> None:
    mine, _ = two_people
    with engine.begin() as conn:
        conn.execute(
            update(t.debtors)
            .where(t.debtors.c.id == mine.case.debtor_id)
            .values(name='=HYPERLINK("http://evil.example","赵六")')
        )
    out = tmp_path / "export.zip"
    assert cli("privacy", "export", str(mine.case.debtor_id), "--out", str(out)).exit_code == 0

    sheet = _unzip(out.read_bytes())["csv/debtors.csv"].decode("utf-8-sig")
    (debtor,) = csv.DictReader(io.StringIO(sheet))
    assert debtor["name"] == '\'=HYPERLINK("http://evil.example","赵六")'
    assert debtor["id"] == str(mine.case.debtor_id)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "-2"),  # a number written as text stays a number
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("张三", "张三"),
        (-2, "-2"),
        (None, '""'),  # an empty cell, quoted so the row is not empty
        ({"a": "=b"}, '"{""a"": ""=b""}"'),  # JSON, quoted as CSV quotes it
    ],
)
def test_a_csv_cell_that_a_spreadsheet_would_run_is_written_as_text(cell: object, shown: str) -> None:
    assert to_csv([{"cell": cell}], ["cell"]).splitlines()[1] == shown


def test_each_export_is_audited_with_what_it_held(
    floor: Floor, engine: Engine, two_people: tuple[History, History], tmp_path: Path
) -> None:
    mine, _ = two_people
    assert cli("privacy", "export", str(mine.case.debtor_id), "--out", str(tmp_path / "x.zip")).exit_code == 0
    ev = t.audit_events.c
    (event,) = rows(engine, t.audit_events, ev.action == "privacy.exported")
    assert (event.entity, event.entity_id, event.user_id) == ("debtor", mine.case.debtor_id, None)
    assert event.detail["counts"]["interactions"] == 1 and event.detail["counts"]["messages"] == 2


def test_only_an_administrator_downloads_an_export(
    floor: Floor, engine: Engine, db_env: str, two_people: tuple[History, History]
) -> None:
    mine, _ = two_people
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    app: FastAPI = create_app(db_env)
    url = f"/api/v1/privacy/debtors/{mine.case.debtor_id}/export"

    answer = login_client(app, "ada").get(url)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["cache-control"] == "no-store"
    assert "attachment" in answer.headers["content-disposition"]
    assert json.loads(_unzip(answer.content)["subject_access.json"])["debtor_id"] == mine.case.debtor_id
    for persona in ("alice", "sue", "vic"):
        assert login_client(app, persona).get(url).status_code == 403
    assert Browser(app).get(url).status_code == 401
    assert login_client(app, "ada").get("/api/v1/privacy/debtors/999999/export").status_code == 404
    exported = rows(engine, t.audit_events, t.audit_events.c.action == "privacy.exported")
    assert len(exported) == 1 and exported[0].user_id is not None


def test_the_export_holds_every_reply_matched_to_the_person_and_names_no_one_else(
    floor: Floor, engine: Engine, tmp_path: Path
) -> None:
    mine, other = floor.cases[0], floor.cases[1]
    shared = "+8613912340000"  # a household's one phone: both debtors have it
    with engine.begin() as conn:
        for case in (mine, other):
            point = {"debtor_id": case.debtor_id, "kind": "mobile", "value": shared}
            conn.execute(insert(t.contact_points).values(**point))

    def reply(channel: str, sender: str, text: str, ref: str) -> int:
        at = AT + timedelta(minutes=int(ref[1:]))
        message = Inbound(channel, sender, "10690000", text, at, "http", ref)
        return receive(floor.uow, message, now=at).inbound_id

    own_sms = reply("sms", "+8613800000001", "I will pay on Friday", "r1")
    own_mail = reply("email", "Debtor One <DEBTOR1@example.com>", "call me after six", "r2")
    from_home = reply("sms", shared, "the phone at home", "r3")
    reply("sms", "+8613800000002", "Wangwu writes", "r4")  # the other debtor's own number
    reply("sms", "+8613977778888", "a stranger", "r5")  # nobody's

    done = export_subject(floor.uow, None, mine.debtor_id, now=AT + timedelta(days=1))

    files = _unzip(done.content)
    held = json.loads(files["subject_access.json"])
    got = {m["id"]: m for m in held["inbound_messages"]}
    assert list(got) == [own_sms, own_mail, from_home] and done.counts["inbound_messages"] == 3
    assert [got[i]["text"] for i in got] == ["I will pay on Friday", "call me after six", "the phone at home"]
    assert got[from_home]["result"]["debtor_ids"] == [mine.debtor_id]
    assert set(got[from_home]["result"]["case_ids"]) <= {mine.id}
    assert "csv/inbound_messages.csv" in files
    sheet = files["csv/inbound_messages.csv"].decode("utf-8-sig")
    assert "call me after six" in sheet and "Wangwu writes" not in sheet
    assert f'"debtor_id": {other.debtor_id}' not in files["subject_access.json"].decode()
    assert {d for m in held["inbound_messages"] for d in m["result"]["debtor_ids"]} == {mine.debtor_id}
