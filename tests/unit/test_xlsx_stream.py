"""The streamed XLSX writer: what Excel-compatible readers (openpyxl) read back, and its sheet split."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from huikuan.xlsx_stream import XlsxStream, column_letters


def rows(n: int, start: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ref": [f"R{i}" for i in range(start, start + n)],
            "amount": [f"{i}.50" for i in range(start, start + n)],
        }
    )


def read(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_rows_go_on_to_a_new_sheet_past_the_split_size_each_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    with XlsxStream(path, "Detail", ["Ref", "Amount"], numbers=frozenset({1}), split_rows=3) as book:
        book.append(rows(2))
        book.append(rows(5, start=2))  # crosses two sheet boundaries within one chunk

    got = read(path)
    assert (book.rows, book.sheets) == (7, 3)
    assert list(got) == ["Detail", "Detail 2", "Detail 3"]
    assert got["Detail"] == [("Ref", "Amount"), ("R0", 0.5), ("R1", 1.5), ("R2", 2.5)]
    assert got["Detail 2"] == [("Ref", "Amount"), ("R3", 3.5), ("R4", 4.5), ("R5", 5.5)]
    assert got["Detail 3"] == [("Ref", "Amount"), ("R6", 6.5)]


def test_text_is_escaped_stripped_of_what_xml_forbids_and_never_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    frame = pl.DataFrame({"ref": ["<a & b>", "bell\x07", None, "=1+1"], "amount": ["-1.00", "", "2", "3"]})
    with XlsxStream(path, "明细", ["参考", "金额"], numbers=frozenset({1})) as book:
        book.append(frame)

    assert read(path)["明细"] == [("参考", "金额"), ("<a & b>", -1), ("bell",), ("", 2), ("'=1+1", 3)]


def test_an_empty_workbook_has_its_header_sheet(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    XlsxStream(path, "Detail", ["Ref"]).close()

    assert read(path) == {"Detail": [("Ref",)]}


def test_column_letters_run_past_z() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]
