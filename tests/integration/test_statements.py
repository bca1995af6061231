"""A creditor's monthly statement: its totals tie to the journal, it remits what is payable, and once
issued it is frozen (a later correction falls into the next month). Runs on SQLite and PostgreSQL.

The floor's BANK (Beijing) collects here at 10% commission; its accounts' journal is opened first.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.money import covered_by_book, creditor_id, pay, reverse, terms

from huikuan.domain.ledger import Book, Route
from huikuan.errors import Conflict
from huikuan.services.ledger import check_ledger
from huikuan.services.statements import recomputed_totals, run_statement
from huikuan.storage import tables as t
from huikuan.storage.ledger import book_balances
from huikuan.storage.uow import UnitOfWork

NOV = lambda day, hour=4: datetime(2026, 11, day, hour, tzinfo=UTC)  # noqa: E731
AFTER_NOVEMBER = datetime(2026, 12, 3, 2, tzinfo=UTC)


@pytest.fixture
def bank(floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "documents"))
    return creditor_id(floor.uow, "BANK")


def a_month_of_payments(floor: Floor) -> dict[str, int]:
    """November: two payments into trust (one bounces), one into the creditor's own account, one direct."""
    uow, cases = floor.uow, floor.cases
    first = pay(uow, cases[0].id, 100_000, "T-1", NOV(5))
    bounced = pay(uow, cases[1].id, 50_000, "T-2", NOV(10))
    pay(uow, cases[0].id, 30_000, "M-1", NOV(15), route=Route.CREDITOR)
    pay(uow, cases[2].id, 20_000, "D-1", NOV(12), source="direct")
    reverse(uow, bounced, NOV(20))
    return {"first": first, "bounced": bounced}


def test_a_net_statement_ties_to_the_ledger_and_leaves_nothing_payable(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    uow = floor.uow
    terms(uow, bank, route="trust", remittance="net")
    a_month_of_payments(floor)

    done = run_statement(uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER)

    got = done.totals["CNY"]
    assert (got["collected_trust"], got["reversed_trust"], got["commission_trust"]) == (
        150_000,
        50_000,
        10_000,
    )
    assert (got["collected_creditor"], got["commission_creditor"]) == (30_000, 3_000)
    assert (got["collected_direct"], got["commission_direct"]) == (20_000, 2_000)
    assert got["commission_deducted"] == 10_000
    assert got["remittance"] == 150_000 - 50_000 - 10_000
    assert got["invoice"] == 3_000 + 2_000
    assert (got["payments"], got["reversals"]) == (4, 1)
    # The same figures, summed from the covered entries' lines book by book.
    books = covered_by_book(uow, done.id)
    assert books[Book.TRUST] == got["collected_trust"] - got["reversed_trust"]
    assert books[Book.PAYABLE] == got["remittance"]
    assert (
        books[Book.INCOME] == got["commission_trust"] + got["commission_creditor"] + got["commission_direct"]
    )
    assert books[Book.COMMISSION_DUE] == got["invoice"]
    assert -books[Book.PORTFOLIO] == sum(
        got[f"collected_{k}"] - got[f"reversed_{k}"] for k in ("trust", "creditor", "direct")
    )
    # The remittance paid out what was payable and took the commission out of trust.
    assert book_balances(uow.session.connection(), Book.PAYABLE, [bank]) == {}
    assert book_balances(uow.session.connection(), Book.TRUST, [bank]) == {}
    assert book_balances(uow.session.connection(), Book.AGENCY_CASH, [bank]) == {bank: 10_000}
    assert check_ledger(uow).ok
    assert done.as_dict()["collected"] == 200_000
    assert done.as_dict()["remittance"] == 90_000


def test_a_gross_statement_remits_everything_and_invoices_the_commission(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    uow = floor.uow
    terms(uow, bank, route="trust", remittance="gross")
    pay(uow, floor.cases[0].id, 100_000, "G-1", NOV(5))

    done = run_statement(uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER)

    got = done.totals["CNY"]
    assert (got["remittance"], got["commission_deducted"], got["invoice"]) == (100_000, 0, 10_000)
    assert done.remittance == "gross"
    assert done.files.invoice is not None
    assert "100.00" in "".join(pg.extract_text() for pg in PdfReader(done.files.invoice).pages)
    assert book_balances(uow.session.connection(), Book.PAYABLE, [bank]) == {}
    assert book_balances(uow.session.connection(), Book.COMMISSION_DUE, [bank]) == {bank: 10_000}
    assert check_ledger(uow).ok


def test_net_remittance_with_nothing_to_invoice_writes_no_invoice(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    terms(floor.uow, bank, route="trust", remittance="net")
    pay(floor.uow, floor.cases[0].id, 100_000, "N-1", NOV(5))

    done = run_statement(floor.uow, None, bank, "2026-11", tmp_path / "out", AFTER_NOVEMBER)

    assert done.files.invoice is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "statement-BANK-2026-11-detail.csv",
        "statement-BANK-2026-11-detail.xlsx",
        "statement-BANK-2026-11.pdf",
    ]


def test_an_issued_statement_is_frozen_and_a_later_correction_falls_into_the_next_month(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    uow = floor.uow
    terms(uow, bank, route="trust", remittance="net")
    paid = a_month_of_payments(floor)
    november = run_statement(uow, None, bank, "2026-11", tmp_path / "a", AFTER_NOVEMBER)
    december_5 = datetime(2026, 12, 5, 3, tzinfo=UTC)
    reverse(uow, paid["first"], december_5)  # bounced after the statement went out
    pay(uow, floor.cases[2].id, 20_000, "LATE-1", NOV(28), now=december_5)  # reported late, dated November

    again = run_statement(uow, None, bank, "2026-11", tmp_path / "b", december_5)
    december = run_statement(uow, None, bank, "2026-12", tmp_path / "c", datetime(2027, 1, 2, tzinfo=UTC))

    assert (again.id, again.issued_now, again.totals) == (november.id, False, november.totals)
    assert recomputed_totals(uow, november.id) == november.totals
    assert (tmp_path / "a" / "statement-BANK-2026-11-detail.csv").read_bytes() == (
        tmp_path / "b" / "statement-BANK-2026-11-detail.csv"
    ).read_bytes()
    got = december.totals["CNY"]
    assert (got["collected_trust"], got["reversed_trust"], got["commission_trust"]) == (
        20_000,
        100_000,
        -8_000,
    )
    assert got["remittance"] == 20_000 - 2_000 - (100_000 - 10_000)  # the creditor gives back what bounced
    assert book_balances(uow.session.connection(), Book.PAYABLE, [bank]) == {}
    assert check_ledger(uow).ok


def test_a_month_is_issued_only_once_over_and_never_after_a_later_one(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    with pytest.raises(Conflict, match="not over"):
        run_statement(floor.uow, None, bank, "2026-11", tmp_path, NOV(30, 15))  # 23:00 in Beijing
    run_statement(floor.uow, None, bank, "2026-12", tmp_path, datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(Conflict, match="2026-12"):
        run_statement(floor.uow, None, bank, "2026-11", tmp_path, datetime(2027, 1, 1, tzinfo=UTC))


def test_the_period_is_the_creditors_local_month(floor: Floor, bank: int, tmp_path: Path) -> None:
    # 2026-11-30 17:00 UTC is already 1 December in Beijing.
    pay(floor.uow, floor.cases[0].id, 10_000, "EDGE-1", datetime(2026, 11, 30, 17, tzinfo=UTC))

    done = run_statement(floor.uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER)

    assert done.totals == {}


def test_the_detail_has_a_row_per_payment_and_reversal_masked_and_without_formulas(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    uow = floor.uow
    terms(uow, bank, route="trust", remittance="net")
    a_month_of_payments(floor)
    pay(uow, floor.cases[2].id, 1_234, "=HYPERLINK(1)", NOV(25))

    done = run_statement(uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER, locale="en")

    with done.files.csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == done.files.rows == 6
    by_ref = {(r["Payment reference"], r["Kind"]): r for r in rows}
    bounced = by_ref[("T-2", "reversal")]
    assert (bounced["Amount"], bounced["Commission"], bounced["Route"]) == ("-500.00", "-50.00", "trust")
    assert by_ref[("T-2", "payment")]["Date"] == "2026-11-10"
    assert by_ref[("D-1", "payment")]["Source"] == "direct"
    assert by_ref[("T-1", "payment")]["Debtor"] == "测**"
    assert by_ref[("T-1", "payment")]["Account"].startswith("HT-")
    assert ("'=HYPERLINK(1)", "payment") in by_ref
    parts = by_ref[("T-1", "payment")]
    assert sum(float(parts[k]) for k in ("Fees", "Interest", "Principal")) == float(parts["Amount"])
    book = load_workbook(done.files.xlsx, read_only=True)
    sheet = book.worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert len(book.worksheets) == 1 and len(cells) == 7
    assert cells[0][0] == "Date"
    assert -500 in [row[6] for row in cells[1:]]
    assert "'=HYPERLINK(1)" in [row[2] for row in cells[1:]]


def test_the_detail_goes_on_to_a_new_sheet_past_the_split_size(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    a_month_of_payments(floor)

    done = run_statement(floor.uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER, split_rows=2)

    book = load_workbook(done.files.xlsx, read_only=True)
    assert done.files.sheets == 3 == len(book.worksheets)
    heights = [len(list(s.iter_rows(values_only=True))) for s in book.worksheets]
    assert heights == [3, 3, 2]  # each sheet with its header row


def test_the_statement_pdf_is_in_the_creditors_language_by_default(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    terms(floor.uow, bank, route="trust", remittance="net")
    pay(floor.uow, floor.cases[0].id, 100_000, "P-1", NOV(5))

    zh = run_statement(floor.uow, None, bank, "2026-11", tmp_path / "zh", AFTER_NOVEMBER)
    en = run_statement(floor.uow, None, bank, "2026-11", tmp_path / "en", AFTER_NOVEMBER, locale="en")

    zh_text = "".join(p.extract_text() for p in PdfReader(zh.files.pdf).pages)
    en_text = "".join(p.extract_text() for p in PdfReader(en.files.pdf).pages)
    assert "对账单" in zh_text and "900.00" in zh_text
    assert "Remittance to the creditor" in en_text and "900.00" in en_text


def test_the_files_are_kept_in_the_document_store_once_per_name(
    floor: Floor, bank: int, tmp_path: Path
) -> None:
    uow: UnitOfWork = floor.uow
    pay(uow, floor.cases[0].id, 100_000, "P-1", NOV(5), route=Route.CREDITOR)
    done = run_statement(uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER)
    run_statement(uow, None, bank, "2026-11", tmp_path, AFTER_NOVEMBER)

    d = t.documents.c
    kept = uow.session.execute(
        select(d.filename, d.kind).where(d.entity == "statement", d.entity_id == done.id).order_by(d.filename)
    ).all()
    assert [(r.filename, r.kind) for r in kept] == [
        ("statement-BANK-2026-11-detail.csv", "statement"),
        ("statement-BANK-2026-11-detail.xlsx", "statement"),
        ("statement-BANK-2026-11.pdf", "statement"),
    ]
