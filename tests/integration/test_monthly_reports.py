"""The monthly report per creditor: a PDF of the month's figures (the same as GET /api/v1/reports/kpis for
that creditor and month, nothing of another creditor, no personal data), kept once per creditor and
month; the `monthly-reports` job makes it after the month's snapshot for each creditor with recipients
and e-mails it with the PDF attached (kept and counted not sent without a mail server), once; its
creditor's viewer and administrators download it, anyone else's viewer finds nothing."""

from __future__ import annotations

import io
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import select
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import smtp_server, use_settings
from tests.support.reports import DECEMBER_RUN, OCTOBER_RUN, november, october
from tests.support.web import login_client
from typer.testing import CliRunner

from huikuan.cli import app as cli_app
from huikuan.errors import InvalidInput
from huikuan.services.access import get_viewer
from huikuan.services.monthly_job import monthly_reports
from huikuan.services.monthly_pdf import amount, percent
from huikuan.services.monthly_report import creditor_row, make_report, month_figures
from huikuan.services.report_kpis import KpiQuery, kpis
from huikuan.services.report_recipients import parse_recipients, set_recipients
from huikuan.services.reports import refresh
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

NOVEMBER = "2026-11"
NOTHING = {"made": 0, "sent": 0, "not_sent": 0}


@pytest.fixture
def worked(floor: Floor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Floor:
    """October's and November's work with the reports job after each month (tests/support/reports.py),
    the documents in a folder of the test's own, no mail server, and ada, an administrator."""
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"), smtp_host="")
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    november(floor)
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    return floor


def _creditor_id(floor: Floor, code: str) -> int:
    return int(creditor_row(floor.uow, code).id)


def _ada(floor: Floor) -> int:
    u = t.users.c
    return int(floor.uow.session.execute(select(u.id).where(u.username == "ada")).scalar_one())


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _reports(floor: Floor) -> list[str]:
    floor.uow.rollback()
    d = t.documents.c
    rows = floor.uow.session.execute(select(d.filename).where(d.kind == "monthly_report").order_by(d.id))
    return list(rows.scalars())


def test_the_report_holds_the_months_measures_of_the_kpis_for_its_creditor_and_nothing_else(
    worked: Floor,
) -> None:
    floor = worked
    bank = creditor_row(floor.uow, "BANK")
    ada = get_viewer(floor.uow, _ada(floor))
    ask = KpiQuery(creditor="BANK", first=date(2026, 11, 1), last=date(2026, 11, 30))
    answer = kpis(floor.uow, ada, ask)
    figures = month_figures(floor.uow, bank, NOVEMBER)
    assert figures["measures"] == answer["measures"] and figures["vintages"] == answer["vintages"]
    made = make_report(floor.uow, bank, NOVEMBER, DECEMBER_RUN)
    text = _text(made.data)
    measures = answer["measures"]
    assert made.locale == "zh_CN" and "月度报告" in text and "某银行" in text and "2026-11" in text
    assert measures["counts"]["attempts"] > 0 and measures["money"]  # the month is not empty
    for name in ("contact_rate", "right_party_contact_rate"):
        assert percent(measures["rates"][name]["value"]) in text
    for got in measures["money"]:
        assert amount(got["net_collected"], got["currency"]) in text
    placed = figures["portfolio"][0]
    assert placed["placed"] > 0 and amount(placed["placed"], placed["currency"]) in text
    names = floor.uow.session.execute(select(t.debtors.c.name)).scalars().all()
    assert not [name for name in names if name in text]  # no debtor is named
    assert "某商城" not in text and "SHOP" not in text


def test_the_report_of_a_month_not_yet_snapshotted_is_refused_and_a_rerun_replaces_it(worked: Floor) -> None:
    floor = worked
    bank = creditor_row(floor.uow, "BANK")
    with pytest.raises(InvalidInput):
        make_report(floor.uow, bank, "2026-12", DECEMBER_RUN)
    make_report(floor.uow, bank, NOVEMBER, DECEMBER_RUN)
    make_report(floor.uow, bank, NOVEMBER, DECEMBER_RUN)
    assert _reports(floor) == ["monthly-report-BANK-2026-11.pdf"]


def test_recipients_are_addresses_and_nothing_else() -> None:
    assert parse_recipients("A@Bank.example, b@bank.example\na@bank.example") == [
        "a@bank.example",
        "b@bank.example",
    ]
    with pytest.raises(InvalidInput):
        parse_recipients("a@bank.example, not an address")


def _mails(raw: list[bytes]) -> list[EmailMessage]:
    out = []
    for data in raw:
        mail = message_from_bytes(data, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        out.append(mail)
    return out


def test_the_job_mails_each_creditor_with_recipients_its_report_attached_once(
    worked: Floor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    floor = worked
    set_recipients(floor.uow, None, _creditor_id(floor, "BANK"), ["reports@bank.example"])
    with smtp_server() as (box, port):
        use_settings(
            monkeypatch,
            documents_dir=str(tmp_path / "docs"),
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            mail_from="reports@hk.example",
        )
        assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 1, "sent": 1, "not_sent": 0}
        assert monthly_reports(floor.uow, DECEMBER_RUN) == NOTHING
    assert box.recipients == [["reports@bank.example"]]
    (mail,) = _mails(box.messages)
    assert "2026-11" in str(mail["Subject"]) and "BANK" in str(mail["Subject"])
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "monthly-report-BANK-2026-11.pdf"
    pdf: Any = attached.get_content()
    assert "某银行" in _text(pdf)
    assert _reports(floor) == ["monthly-report-BANK-2026-11.pdf"]  # SHOP has no recipients


def test_without_a_mail_server_the_job_keeps_the_report_and_counts_it_not_sent(worked: Floor) -> None:
    floor = worked
    set_recipients(floor.uow, None, _creditor_id(floor, "SHOP"), ["reports@shop.example"])
    assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 1, "sent": 0, "not_sent": 1}
    assert _reports(floor) == ["monthly-report-SHOP-2026-11.pdf"]


def test_the_job_waits_for_the_months_snapshot(
    floor: Floor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"), smtp_host="")
    october(floor)
    set_recipients(floor.uow, None, _creditor_id(floor, "BANK"), ["reports@bank.example"])
    assert monthly_reports(floor.uow, OCTOBER_RUN) == NOTHING  # the reports job has not run yet
    refresh(floor.uow, OCTOBER_RUN)
    assert monthly_reports(floor.uow, OCTOBER_RUN)["made"] == 1


@pytest.fixture
def app(worked: Floor, db_env: str) -> FastAPI:
    for code in ("BANK", "SHOP"):
        make_report(worked.uow, creditor_row(worked.uow, code), NOVEMBER, DECEMBER_RUN)
    add_user(worked.uow, "sam", PASSWORD, role="creditor_viewer", creditor_code="SHOP")
    worked.uow.commit()
    return create_app(db_env)


def _report_id(floor: Floor, code: str) -> int:
    d = t.documents.c
    name = f"monthly-report-{code}-{NOVEMBER}.pdf"
    return int(floor.uow.session.execute(select(d.id).where(d.filename == name)).scalar_one())


def test_the_viewer_downloads_its_own_creditors_reports_from_the_portal_and_never_anothers(
    app: FastAPI, worked: Floor
) -> None:
    floor = worked
    bank, shop = _report_id(floor, "BANK"), _report_id(floor, "SHOP")
    vic = login_client(app, "vic")
    page = vic.get("/portfolio")
    assert f'href="/portfolio/monthly-reports/{bank}"' in page.text
    assert f"/portfolio/monthly-reports/{shop}" not in page.text
    got = vic.get(f"/portfolio/monthly-reports/{bank}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert "某银行" in _text(got.content)
    assert vic.get(f"/portfolio/monthly-reports/{shop}").status_code == 404
    assert login_client(app, "sam").get(f"/portfolio/monthly-reports/{bank}").status_code == 404
    assert login_client(app, "ada").get(f"/portfolio/monthly-reports/{shop}").status_code == 200
    assert login_client(app, "sue").get(f"/portfolio/monthly-reports/{bank}").status_code == 403
    floor.uow.rollback()
    e = t.audit_events.c
    downloads = floor.uow.session.execute(
        select(e.user_id, e.entity_id, e.detail).where(e.action == "document.downloaded").order_by(e.id)
    ).all()
    assert [(row.user_id, row.detail["document_id"]) for row in downloads] == [
        (floor.users["vic"], bank),
        (_ada(floor), shop),
    ]


def test_an_administrator_sets_the_recipients_on_the_creditors_page_audited_by_field(
    app: FastAPI, worked: Floor
) -> None:
    floor = worked
    bank = _creditor_id(floor, "BANK")
    ada = login_client(app, "ada")
    page = ada.get(f"/admin/creditors/{bank}")
    assert 'data-testid="report-recipients-form"' in page.text
    assert f'href="/portfolio/monthly-reports/{_report_id(floor, "BANK")}"' in page.text
    ada.refresh_csrf(f"/admin/creditors/{bank}")
    bad = ada.post(f"/admin/creditors/{bank}/report-recipients", data={"emails": "nobody"})
    assert bad.status_code == 422 and 'data-testid="report-recipients-error"' in bad.text
    saved = ada.post(
        f"/admin/creditors/{bank}/report-recipients",
        data={"emails": "Reports@Bank.example\nrisk@bank.example"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    floor.uow.rollback()
    r, e = t.report_recipients.c, t.audit_events.c
    assert floor.uow.session.execute(select(r.emails).where(r.creditor_id == bank)).scalar_one() == [
        "reports@bank.example",
        "risk@bank.example",
    ]
    detail = floor.uow.session.execute(
        select(e.detail).where(e.action == "creditor.update", e.entity_id == bank)
    ).scalar_one()
    assert detail == {"changed": ["report_recipients"], "recipients": 2}


def test_the_command_line_makes_the_report_and_sets_the_recipients(
    worked: Floor,
    db_env: str,
    tmp_path: Path,  # noqa: ARG001 - the CLI's database
) -> None:
    out = tmp_path / "bank.pdf"
    done = CliRunner().invoke(cli_app, ["monthly-report", "BANK", "--month", NOVEMBER, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "某银行" in _text(out.read_bytes())
    unsent = CliRunner().invoke(cli_app, ["monthly-report", "BANK", "--month", NOVEMBER, "--send"])
    assert unsent.exit_code == 1  # no recipients, no mail server: kept, not sent
    assert _reports(worked) == ["monthly-report-BANK-2026-11.pdf"]
    shown = CliRunner().invoke(cli_app, ["monthly-report-recipients", "BANK", "a@bank.example"])
    assert shown.exit_code == 0 and '["a@bank.example"]' in shown.output


def _smtp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: int) -> None:
    use_settings(
        monkeypatch,
        documents_dir=str(tmp_path / "docs"),
        smtp_host="127.0.0.1",
        smtp_port=str(port),
        mail_from="reports@hk.example",
    )


def _sends(floor: Floor) -> list[tuple[str, int, bool]]:
    floor.uow.rollback()
    s = t.monthly_report_sends.c
    rows = floor.uow.session.execute(select(s.email, s.attempts, s.sent_at).order_by(s.email))
    return [(email, attempts, sent_at is not None) for email, attempts, sent_at in rows]


def test_a_report_not_sent_for_want_of_a_mail_server_is_sent_by_the_next_run_and_never_again(
    worked: Floor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    floor = worked
    set_recipients(floor.uow, None, _creditor_id(floor, "BANK"), ["reports@bank.example"])
    assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 1, "sent": 0, "not_sent": 1}
    assert _sends(floor) == [("reports@bank.example", 1, False)]
    with smtp_server() as (box, port):
        _smtp(monkeypatch, tmp_path, port)
        assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 0, "sent": 1, "not_sent": 0}
        assert monthly_reports(floor.uow, DECEMBER_RUN) == NOTHING
    assert box.recipients == [["reports@bank.example"]]
    (mail,) = _mails(box.messages)
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "monthly-report-BANK-2026-11.pdf"
    pdf: Any = attached.get_content()
    assert "某银行" in _text(pdf)  # the kept report, read back from the document store
    assert _sends(floor) == [("reports@bank.example", 2, True)]
    assert _reports(floor) == ["monthly-report-BANK-2026-11.pdf"]  # made once


def test_a_report_the_mail_server_refused_is_tried_again_and_a_sent_one_is_not_sent_twice(
    worked: Floor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    floor = worked
    set_recipients(floor.uow, None, _creditor_id(floor, "BANK"), ["reports@bank.example"])
    with smtp_server(refuse="550 5.1.1 no such user") as (_refusing, port):
        _smtp(monkeypatch, tmp_path, port)
        assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 1, "sent": 0, "not_sent": 1}
    assert _sends(floor) == [("reports@bank.example", 1, False)]
    with smtp_server() as (box, port):
        _smtp(monkeypatch, tmp_path, port)
        assert monthly_reports(floor.uow, DECEMBER_RUN) == {"made": 0, "sent": 1, "not_sent": 0}
        set_recipients(
            floor.uow, None, _creditor_id(floor, "BANK"), ["reports@bank.example", "later@bank.example"]
        )
        assert monthly_reports(floor.uow, DECEMBER_RUN) == NOTHING  # sent: never again
    assert box.recipients == [["reports@bank.example"]]
    assert _sends(floor) == [("reports@bank.example", 2, True)]
