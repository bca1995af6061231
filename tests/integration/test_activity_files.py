"""Each creditor's daily activity file: every contact, message sent, promise made or changed and payment of
one floor day on its accounts (nothing of another day or another creditor), in its own headers when it has
a mapping, formula-safe and with the debtors' numbers masked; written each night by the `activity-files`
job, kept in the document store, and read by the creditor's viewer (its own only) and administrators."""

from __future__ import annotations

import csv
import io
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from tests.support.floor import MORNING, PASSWORD, TODAY, Floor
from tests.support.messaging import use_settings
from tests.support.web import bearer, login_client
from typer.testing import CliRunner

from huikuan.cli import app as cli_app
from huikuan.errors import InvalidInput
from huikuan.services.activity_files import activity_csv, activity_files
from huikuan.services.activity_mapping import COLUMNS, parse_mapping, set_mapping
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

HOUR = timedelta(hours=1)
EVIL = "=cmd|' /C calc'!A0"


def _creditor(floor: Floor, code: str) -> int:
    c = t.creditors.c
    return int(floor.uow.session.execute(select(c.id).where(c.code == code)).scalar_one())


def _contact(floor: Floor, case_id: int, point_id: int, at: datetime, outcome: str = "promise") -> None:
    floor.uow.session.execute(
        insert(t.interactions).values(
            case_id=case_id,
            debtor_id=floor.uow.session.execute(
                select(t.cases.c.debtor_id).where(t.cases.c.id == case_id)
            ).scalar_one(),
            contact_point_id=point_id,
            user_id=floor.users["alice"],
            at=at,
            channel="call",
            direction="out",
            outcome=outcome,
            notes="",
            duration_s=60,
        )
    )


def _promise(floor: Floor, case_id: int, made: datetime, resolved: datetime | None, status: str) -> None:
    floor.uow.session.execute(
        insert(t.promises).values(
            case_id=case_id,
            amount=50_000,
            currency="CNY",
            due_date=TODAY + timedelta(days=7),
            created_at=made,
            created_by=floor.users["alice"],
            status=status,
            paid_amount=0,
            resolved_at=resolved,
        )
    )


def _day(floor: Floor) -> None:
    """TODAY on the floor (Beijing), for BANK: a call, an SMS, a promise made, a promise kept and a
    payment; around it what the file must leave out: yesterday's call, an SMS still queued, an older
    promise still pending, SHOP's call and payment."""
    a, b, _p = floor.cases
    shop = floor.other_creditor_case
    assert shop is not None
    _contact(floor, a.id, a.mobile_id, MORNING)
    _contact(floor, a.id, a.mobile_id, MORNING - timedelta(days=1), outcome="no_answer")
    _contact(floor, shop.id, shop.mobile_id, MORNING)
    for case_id, sent in ((b.id, MORNING + HOUR), (b.id, None)):
        floor.uow.session.execute(
            insert(t.messages).values(
                case_id=case_id,
                channel="sms",
                to="+8613800000002",
                body="reminder",
                template="reminder",
                status="sent" if sent else "queued",
                created_at=MORNING,
                sent_at=sent,
            )
        )
    _promise(floor, a.id, MORNING + 2 * HOUR, None, "pending")
    _promise(floor, b.id, MORNING - timedelta(days=3), MORNING + 3 * HOUR, "kept")
    _promise(floor, b.id, MORNING - timedelta(days=3), None, "pending")
    for creditor, account, case_id, ref in (
        ("BANK", a.account_ids[0], a.id, EVIL),
        ("SHOP", shop.account_ids[0], shop.id, "SHOP-PAY-1"),
    ):
        floor.uow.session.execute(
            insert(t.payments).values(
                creditor_id=_creditor(floor, creditor),
                external_ref=ref,
                account_id=account,
                case_id=case_id,
                amount=12_345,
                currency="CNY",
                paid_at=MORNING + 4 * HOUR,
                method="bank",
                source="direct",
                route="creditor",
                status="posted",
            )
        )
    floor.uow.commit()


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def docs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    return tmp_path / "docs"


def test_the_file_holds_the_days_contacts_messages_promises_and_payments_of_the_creditor_only(
    floor: Floor, docs: Path
) -> None:
    _day(floor)
    a, b, _p = floor.cases
    data, count = activity_csv(floor.uow, _creditor(floor, "BANK"), TODAY)
    rows = _rows(data)
    assert count == len(rows) == 5
    assert [(r["record"], r["at"], r["case"], r["outcome"]) for r in rows] == [
        ("contact", "2026-11-20 10:00:00", str(a.id), "promise"),
        ("message", "2026-11-20 11:00:00", str(b.id), "sent"),
        ("promise", "2026-11-20 12:00:00", str(a.id), "pending"),
        ("promise", "2026-11-20 13:00:00", str(b.id), "kept"),  # made before, kept today
        ("payment", "2026-11-20 14:00:00", str(a.id), "posted"),
    ]
    contact, message, made, _kept, payment = rows
    # Masked as on screen; a leading + is kept from being read as a formula, like any cell.
    assert contact["contact"] == "'+86 138****0001" and message["contact"] == "'+86 138****0002"
    bank = _creditor(floor, "BANK")
    assert contact["account_ref"] == f"HT-{bank}-001-0;HT-{bank}-001-1"  # the case's accounts
    assert (made["amount"], made["currency"], made["due_date"]) == ("500.00", "CNY", "2026-11-27")
    assert (payment["amount"], payment["reference"]) == ("123.45", "'" + EVIL)  # never a formula
    assert payment["account_ref"] == f"HT-{bank}-001-0"  # the account paid
    text = data.decode("utf-8-sig")
    assert "13800000001" not in text and "13800000002" not in text and "SHOP-PAY-1" not in text


def test_the_creditors_mapping_names_the_columns_its_own_way(floor: Floor, docs: Path) -> None:
    bank = _creditor(floor, "BANK")
    set_mapping(floor.uow, None, bank, parse_mapping("record=类型, account_ref=合同编号\nat=时间"))
    first = activity_csv(floor.uow, bank, TODAY)[0].decode("utf-8-sig").splitlines()[0].split(",")
    assert first[:4] == ["类型", "时间", "case", "合同编号"]  # the others keep our names
    assert len(first) == len(COLUMNS)
    e = t.audit_events.c
    assert floor.uow.session.execute(
        select(e.detail).where(e.action == "creditor.activity_mapping_set")
    ).scalar_one() == {"columns": ["account_ref", "at", "record"]}
    with pytest.raises(InvalidInput):
        parse_mapping("phone_number=手机")


def test_the_nightly_job_writes_yesterdays_file_of_each_creditor_once_and_a_private_copy(
    floor: Floor, docs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _day(floor)
    out = tmp_path / "activity"
    use_settings(monkeypatch, documents_dir=str(docs), activity_dir=str(out))
    night = MORNING + timedelta(hours=18)  # 04:00 the next day in Beijing
    assert activity_files(floor.uow, night) == {"files": 2, "rows": 7}
    assert activity_files(floor.uow, night + HOUR) == {"files": 0, "rows": 0}
    d = t.documents.c
    names = floor.uow.session.execute(select(d.filename).where(d.kind == "activity").order_by(d.filename))
    assert names.scalars().all() == ["activity-BANK-2026-11-20.csv", "activity-SHOP-2026-11-20.csv"]
    copy = out / "activity-BANK-2026-11-20.csv"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and len(_rows(copy.read_bytes())) == 5


def test_the_command_line_writes_a_days_file_through_the_same_service(
    floor: Floor,
    db_env: str,
    docs: Path,
    tmp_path: Path,  # noqa: ARG001 - the CLI's database
) -> None:
    _day(floor)
    out = tmp_path / "bank.csv"
    done = CliRunner().invoke(cli_app, ["activity-file", "BANK", "--day", "2026-11-20", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "5 rows" in done.output and len(_rows(out.read_bytes())) == 5
    mapped = CliRunner().invoke(cli_app, ["activity-mapping", "BANK", "record=类型"])
    assert mapped.exit_code == 0 and '"record": "类型"' in mapped.output


@pytest.fixture
def app(floor: Floor, db_env: str, docs: Path) -> FastAPI:  # noqa: ARG001 - the store's folder first
    _day(floor)
    activity_files(floor.uow, MORNING + timedelta(hours=18))
    add_user(floor.uow, "sam", PASSWORD, role="creditor_viewer", creditor_code="SHOP")
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return create_app(db_env)


def _file_id(floor: Floor, code: str) -> int:
    d = t.documents.c
    name = f"activity-{code}-2026-11-20.csv"
    return int(floor.uow.session.execute(select(d.id).where(d.filename == name)).scalar_one())


def test_the_viewer_downloads_its_own_creditors_files_and_never_anothers(app: FastAPI, floor: Floor) -> None:
    bank, shop = _file_id(floor, "BANK"), _file_id(floor, "SHOP")
    vic = login_client(app, "vic")
    page = vic.get("/exports/activity")
    assert f'href="/exports/activity/{bank}"' in page.text and f"/exports/activity/{shop}" not in page.text
    got = vic.get(f"/exports/activity/{bank}")
    assert got.status_code == 200 and len(_rows(got.content)) == 5
    assert vic.get(f"/exports/activity/{shop}").status_code == 404
    assert login_client(app, "sam").get(f"/exports/activity/{bank}").status_code == 404
    api = TestClient(app)
    assert api.get(f"/api/v1/exports/activity/{bank}", headers=bearer(app, "sam")).status_code == 404
    listed = api.get("/api/v1/exports/activity", headers=bearer(app, "sam")).json()["items"]
    assert [item["filename"] for item in listed] == ["activity-SHOP-2026-11-20.csv"]
    floor.uow.rollback()  # a fresh read: the app wrote on its own connections
    e = t.audit_events.c
    downloads = floor.uow.session.execute(
        select(e.user_id, e.entity_id).where(e.action == "document.downloaded")
    ).all()
    assert [tuple(row) for row in downloads] == [(floor.users["vic"], _creditor(floor, "BANK"))]


def test_administrators_read_every_creditors_files_and_the_floor_none(app: FastAPI, floor: Floor) -> None:
    ada = login_client(app, "ada").get("/exports/activity")
    assert "activity-BANK-2026-11-20.csv" in ada.text and "activity-SHOP-2026-11-20.csv" in ada.text
    assert login_client(app, "sue").get("/exports/activity").status_code == 403
    assert login_client(app, "alice").get(f"/exports/activity/{_file_id(floor, 'BANK')}").status_code == 403


def test_an_administrator_sets_the_creditors_headers_on_its_page_and_a_bad_line_is_shown(
    app: FastAPI, floor: Floor
) -> None:
    bank = _creditor(floor, "BANK")
    ada = login_client(app, "ada")
    page = ada.get(f"/admin/creditors/{bank}")
    assert 'data-testid="activity-mapping-form"' in page.text
    ada.refresh_csrf(f"/admin/creditors/{bank}")
    saved = ada.post(
        f"/admin/creditors/{bank}/activity-mapping",
        data={"mapping": "record=类型\nat=时间"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "record=类型\nat=时间" in ada.get(f"/admin/creditors/{bank}").text
    wrong = ada.post(f"/admin/creditors/{bank}/activity-mapping", data={"mapping": "phone=手机"})
    assert wrong.status_code == 422 and 'data-testid="activity-mapping-error"' in wrong.text
    floor.uow.rollback()
    first = activity_csv(floor.uow, bank, TODAY)[0].decode("utf-8-sig").splitlines()[0]
    assert first.startswith("类型,时间,case")
    sue = login_client(app, "sue").get(f"/admin/creditors/{bank}")
    assert 'data-testid="activity-mapping-current"' in sue.text and "activity-mapping-form" not in sue.text
