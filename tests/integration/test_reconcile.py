"""Reconciliation of a creditor's own payment file, the statements command line, and the statements page
(who sees what). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.support.factories import cli, cli_json
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.money import creditor_id, pay, reverse, terms
from tests.support.web import login_client

from huikuan.services.reconcile import reconcile
from huikuan.services.users import add_user
from huikuan.web.app import create_app

NOV = lambda day: datetime(2026, 11, day, 4, tzinfo=UTC)  # noqa: E731
HEADER = "还款流水号,合同号,还款金额,还款日期,还款方式"


@pytest.fixture
def bank(floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "documents"))
    return creditor_id(floor.uow, "BANK")


def the_creditors_file(tmp_path: Path, floor: Floor, rows: list[tuple[str, int, str, str]]) -> Path:
    """The creditor's file: (reference, case index, amount, day)."""
    path = tmp_path / "bank-payments.csv"
    bank = creditor_id(floor.uow, "BANK")
    lines = [
        HEADER,
        *(f"{ref},HT-{bank}-{case + 1:03d}-0,{amount},{day},银行转账" for ref, case, amount, day in rows),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def a_month(floor: Floor) -> None:
    uow, cases = floor.uow, floor.cases
    pay(uow, cases[0].id, 10_000, "R-SAME", NOV(3))
    pay(uow, cases[0].id, 20_000, "R-DIFF", NOV(4))
    pay(uow, cases[1].id, 5_000, "R-OURS", NOV(6), source="direct")
    bounced = pay(uow, cases[1].id, 7_000, "R-BOUNCED", NOV(7))
    reverse(uow, bounced, NOV(8))
    pay(uow, cases[2].id, 3_000, "R-LATER", datetime(2026, 12, 20, 4, tzinfo=UTC))  # outside the file's days


def test_the_creditors_file_is_matched_by_reference_into_four_kinds(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    a_month(floor)
    path = the_creditors_file(
        tmp_path,
        floor,
        [
            ("R-SAME", 0, "100.00", "2026-11-03"),
            ("R-DIFF", 0, "210.00", "2026-11-04"),
            ("R-THEIRS", 0, "50.00", "2026-11-05"),
            ("R-BOUNCED", 1, "70.00", "2026-11-30"),
        ],
    )

    done = reconcile(floor.uow, "BANK", path, tmp_path / "out")

    assert done.counts == {"matched": 1, "amount_differs": 1, "missing_here": 2, "missing_there": 1}
    assert done.span == ("2026-11-03", "2026-11-30")
    with done.csv.open(encoding="utf-8-sig") as fh:
        rows = {r["reference"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"R-DIFF", "R-THEIRS", "R-BOUNCED", "R-OURS"}
    assert (rows["R-DIFF"]["category"], rows["R-DIFF"]["amount_there"], rows["R-DIFF"]["amount_here"]) == (
        "amount_differs",
        "210.00",
        "200.00",
    )
    assert (rows["R-OURS"]["category"], rows["R-OURS"]["source_here"]) == ("missing_there", "direct")
    assert rows["R-BOUNCED"]["category"] == "missing_here"


def test_statements_run_on_the_command_line_gives_its_totals_in_json(
    floor: Floor, bank: int, db_env: str, tmp_path: Path
) -> None:
    terms(floor.uow, bank, route="trust", remittance="gross")
    a_month(floor)

    code, out = cli_json(
        "statements",
        "run",
        "--creditor",
        "BANK",
        "--month",
        "2026-11",
        "--out",
        str(tmp_path / "s"),
        "--now",
        "2026-12-02T00:00:00Z",
    )

    assert code == 0
    assert (out["collected"], out["reversed"], out["commission"], out["remittance"]) == (
        42_000,
        7_000,
        3_500,
        30_000,
    )
    assert out["invoice"] == 3_500
    assert Path(out["files"]["pdf"]).is_file() and Path(out["files"]["invoice"]).is_file()
    assert Path(out["files"]["csv"]).is_file() and Path(out["files"]["xlsx"]).is_file()
    code, listed = cli_json("statements", "list", "--creditor", "BANK")
    assert code == 0 and [s["period"] for s in listed] == ["2026-11"]
    code, early = cli_json(
        "statements",
        "run",
        "--creditor",
        "BANK",
        "--month",
        "2026-12",
        "--out",
        str(tmp_path / "t"),
        "--now",
        "2026-12-02T00:00:00Z",
    )
    assert code == 1 and "not over" in early["error"]


def test_statements_reconcile_on_the_command_line(
    floor: Floor, bank: int, db_env: str, tmp_path: Path
) -> None:
    a_month(floor)
    path = the_creditors_file(tmp_path, floor, [("R-SAME", 0, "100.00", "2026-11-03")])

    code, out = cli_json(
        "statements", "reconcile", "--creditor", "BANK", "--file", str(path), "--out", str(tmp_path / "r")
    )

    assert code == 0
    assert (out["matched"], out["amount_differs"], out["missing_here"], out["missing_there"]) == (1, 0, 0, 0)
    assert Path(out["csv"]).is_file()
    assert (
        cli(
            "statements", "reconcile", "--creditor", "NOPE", "--file", str(path), "--out", str(tmp_path)
        ).exit_code
        == 1
    )


def test_the_statements_page_shows_a_creditors_viewer_its_own_creditors_statements_only(
    floor: Floor, bank: int, db_env: str, tmp_path: Path
) -> None:
    from huikuan.services.statements import run_statement

    terms(floor.uow, bank, route="trust", remittance="gross")
    pay(floor.uow, floor.cases[0].id, 10_000, "W-1", NOV(3))
    mine = run_statement(floor.uow, None, bank, "2026-11", tmp_path / "a", datetime(2026, 12, 2, tzinfo=UTC))
    shop = creditor_id(floor.uow, "SHOP")
    theirs = run_statement(
        floor.uow, None, shop, "2026-11", tmp_path / "b", datetime(2026, 12, 2, tzinfo=UTC)
    )
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    app = create_app(db_env)
    vic, alice, ada = (login_client(app, name) for name in ("vic", "alice", "ada"))

    page = vic.get("/money/statements")
    assert page.status_code == 200
    assert (
        f'data-testid="statement-{mine.id}"' in page.text
        and f'data-testid="statement-{theirs.id}"' not in page.text
    )
    assert "statement-run" not in page.text and "reconcile-form" not in page.text
    pdf = vic.get(f"/money/statements/{mine.id}/download?file=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert vic.get(f"/money/statements/{mine.id}/download?file=invoice").status_code == 200
    assert vic.get(f"/money/statements/{theirs.id}/download?file=pdf").status_code == 404
    assert alice.get("/money/statements").status_code == 403
    assert alice.get(f"/money/statements/{mine.id}/download").status_code == 403
    admin_page = ada.get("/money/statements")
    assert f'data-testid="statement-{theirs.id}"' in admin_page.text and "statement-run" in admin_page.text
    xlsx = ada.get(f"/money/statements/{theirs.id}/download?file=xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_an_administrator_runs_a_month_and_reconciles_a_file_on_the_page(
    floor: Floor, bank: int, db_env: str, tmp_path: Path
) -> None:
    a_month(floor)
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    ada = login_client(create_app(db_env), "ada")

    ran = ada.post(
        "/money/statements/run", data={"creditor": "BANK", "month": "2026-11"}, follow_redirects=False
    )
    assert ran.status_code == 303
    assert "2026-11" in ada.get("/money/statements").text
    path = the_creditors_file(
        tmp_path, floor, [("R-SAME", 0, "100.00", "2026-11-03"), ("R-X", 0, "1.00", "2026-11-03")]
    )
    with path.open("rb") as fh:
        page = ada.post(
            "/money/statements/reconcile",
            data={"creditor": "BANK"},
            files={"file": ("bank.csv", fh, "text/csv")},
        )
    assert page.status_code == 200
    assert "1 matched, 0 with another amount, 1 missing here, 0 missing there" in page.text
