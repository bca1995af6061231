"""Placement files come as xlsx, Parquet and CSV of every kind; each is read the same way."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from huikuan.intake import PLACEMENT_SCHEMA, MappingError, PlacementFileError, load_mapping, parse_placement
from huikuan.intake.placement import ParsedPlacement

AS_OF = date(2026, 3, 10)


def _parse(path: Path, *, mapping: dict[str, str] | None = None, sheet: str | None = None) -> ParsedPlacement:
    return parse_placement(path, region="CN", currency="CNY", as_of=AS_OF, mapping=mapping, sheet=sheet)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_an_xlsx_with_native_dates_and_numbers_is_read_from_its_first_sheet(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "placement.xlsx",
        {
            "委托清单": [
                ["2026年3月委托清单"],
                [],
                ["合同号", "姓名", "手机号", "欠款金额", "逾期日期", "最后还款日"],
                ["A001", "张伟", 13812345678, 1234.5, datetime(2026, 1, 15), 46000],
                ["A002", "李娜", "13900001111", "2,000.00", "2026/2/1", None],
                ["合计", None, None, 3234.5, None, None],
            ],
            "说明": [["这一页不是数据"]],
        },
    )
    parsed = _parse(path)
    assert parsed.encoding == "xlsx"
    assert parsed.delimiter is None
    assert parsed.header_row == 3
    assert parsed.errors == []
    assert [(s.row, s.reason) for s in parsed.skipped] == [(6, "totals")]
    assert dict(parsed.rows.schema) == PLACEMENT_SCHEMA
    rows = parsed.rows.select("row", "phones", "balance", "overdue_since", "last_payment_date").to_dicts()
    assert rows == [
        {
            "row": 4,
            "phones": ["+8613812345678"],
            "balance": 123450,
            "overdue_since": date(2026, 1, 15),
            "last_payment_date": date(2025, 12, 9),
        },
        {
            "row": 5,
            "phones": ["+8613900001111"],
            "balance": 200000,
            "overdue_since": date(2026, 2, 1),
            "last_payment_date": None,
        },
    ]


def test_an_xlsx_sheet_can_be_named_and_errors_carry_excel_row_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "placement.xlsx",
        {
            "封面": [["某某银行"]],
            "明细": [
                ["合同号", "姓名", "欠款金额"],
                ["A001", "张伟", 100],
                [],
                ["A002", "李娜", -5],
            ],
        },
    )
    parsed = _parse(path, sheet="明细")
    assert [(e.row, e.column, e.value, e.code) for e in parsed.errors] == [
        (4, "balance", "-5", "negative_amount")
    ]
    assert [(s.row, s.reason) for s in parsed.skipped] == [(3, "blank")]
    assert parsed.rows_read == 3


def test_an_unknown_sheet_is_a_file_error_that_lists_the_sheets(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "p.xlsx", {"明细": [["合同号", "姓名", "欠款金额"]]})
    with pytest.raises(PlacementFileError) as raised:
        _parse(path, sheet="Sheet9")
    assert raised.value.code == "unknown_sheet"
    assert "Sheet9" in str(raised.value) and "明细" in str(raised.value)


def test_an_unreadable_xlsx_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive at all")
    with pytest.raises(PlacementFileError) as raised:
        _parse(path)
    assert raised.value.code == "unreadable_xlsx"


def test_an_old_xls_workbook_is_refused_with_a_way_out(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(PlacementFileError) as raised:
        _parse(path)
    assert raised.value.code == "unsupported_format"
    assert "xlsx" in str(raised.value)


def test_a_parquet_file_is_read_with_its_column_names_as_headers(tmp_path: Path) -> None:
    path = tmp_path / "placement.parquet"
    pl.DataFrame(
        {
            "loan_id": ["L1", "L2", "L3"],
            "name": ["Zhang Wei", "Li Na", "Wang Qiang"],
            "balance": [1234.5, 10.0, -1.0],
            "overdue_since": [date(2026, 1, 1), date(2026, 2, 1), None],
            "dpd": [None, None, 40],
        }
    ).write_parquet(path)
    parsed = _parse(path)
    assert parsed.encoding == "parquet"
    assert parsed.header_row == 1
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(4, "balance", "negative_amount")]
    assert parsed.rows.select("row", "balance", "overdue_since").to_dicts() == [
        {"row": 2, "balance": 123450, "overdue_since": date(2026, 1, 1)},
        {"row": 3, "balance": 1000, "overdue_since": date(2026, 2, 1)},
    ]


def test_a_creditors_mapping_file_names_its_own_headers(tmp_path: Path) -> None:
    mapping_path = tmp_path / "creditor.toml"
    mapping_path.write_text(
        '"客户编号" = "external_ref"\n"客户" = "debtor_name"\n"欠款" = "balance"\n"内部备注" = "ignore"\n',
        encoding="utf-8",
    )
    data = tmp_path / "p.csv"
    data.write_text("客户编号,客户,欠款,内部备注\nK1,陈静,88.8,vip\n", encoding="utf-8")
    mapping = load_mapping(mapping_path)
    assert mapping == {
        "客户编号": "external_ref",
        "客户": "debtor_name",
        "欠款": "balance",
        "内部备注": "ignore",
    }
    parsed = _parse(data, mapping=mapping)
    assert parsed.columns == {"客户编号": "external_ref", "客户": "debtor_name", "欠款": "balance"}
    assert parsed.ignored_columns == ["内部备注"]
    assert parsed.rows.select("external_ref", "balance").to_dicts() == [
        {"external_ref": "K1", "balance": 8880}
    ]


def test_a_mapping_to_an_unknown_field_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "creditor.toml"
    path.write_text('"客户编号" = "acount_ref"\n', encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    assert "acount_ref" in str(raised.value) and "客户编号" in str(raised.value)


def test_a_mapping_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "creditor.toml"
    path.write_text("客户编号 => external_ref\n", encoding="utf-8")
    with pytest.raises(MappingError):
        load_mapping(path)


def test_a_mapping_given_in_code_is_checked_too(tmp_path: Path) -> None:
    data = tmp_path / "p.csv"
    data.write_text("合同号,姓名,欠款金额\nA1,张伟,1\n", encoding="utf-8")
    with pytest.raises(MappingError):
        _parse(data, mapping={"合同号": "nonsense"})


def test_a_sheet_named_for_a_csv_is_a_mistake_said_so(tmp_path: Path) -> None:
    data = tmp_path / "p.csv"
    data.write_text("合同号,姓名,欠款金额\nA1,张伟,1\n", encoding="utf-8")
    with pytest.raises(PlacementFileError) as raised:
        _parse(data, sheet="Sheet1")
    assert raised.value.code == "unknown_sheet"


def test_a_large_utf8_file_with_gbk_bytes_far_down_is_read_as_gb18030(tmp_path: Path) -> None:
    # The header is found in the first MiB; the bad bytes sit past it and must still be noticed.
    head = "合同号,姓名,欠款金额\n".encode("gbk")
    rows = b"".join(f"A{i:07d},Name,1\n".encode() for i in range(80_000))
    data = tmp_path / "big.csv"
    data.write_bytes(head + rows + "B0000001,张伟,2\n".encode("gbk"))
    parsed = _parse(data)
    assert parsed.encoding == "gb18030"
    assert parsed.rows.height == 80_001
    assert parsed.rows["debtor_name"][-1] == "张伟"


def test_an_ascii_header_with_gbk_data_past_the_first_mib_is_not_taken_for_utf8(tmp_path: Path) -> None:
    rows = b"".join(f"A{i:07d},Name,1\n".encode() for i in range(80_000))
    data = tmp_path / "big.csv"
    data.write_bytes(b"account_no,name,balance\n" + rows + "B0000001,张伟,2\n".encode("gbk"))
    parsed = _parse(data)
    assert parsed.encoding == "gb18030"
    assert parsed.rows["debtor_name"][-1] == "张伟"


def test_crlf_and_lf_files_number_rows_the_same(tmp_path: Path) -> None:
    text = "合同号,姓名,欠款金额\n\nA1,张伟,-1\n"
    for name, newline in (("lf.csv", "\n"), ("crlf.csv", "\r\n")):
        path = tmp_path / name
        path.write_bytes(text.replace("\n", newline).encode())
        parsed = _parse(path)
        assert [(e.row, e.code) for e in parsed.errors] == [(3, "negative_amount")]
        assert [(s.row, s.reason) for s in parsed.skipped] == [(2, "blank")]


def test_an_empty_table_under_a_header_gives_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("合同号,姓名,欠款金额\n", encoding="utf-8")
    parsed = _parse(path)
    assert parsed.rows_read == 0
    assert parsed.rows.height == 0
    assert dict(parsed.rows.schema) == PLACEMENT_SCHEMA


def test_bad_creditor_settings_are_refused_before_reading(tmp_path: Path) -> None:
    from huikuan.errors import InvalidInput

    path = tmp_path / "p.csv"
    path.write_text("合同号,姓名,欠款金额\nA1,张伟,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        parse_placement(path, region="XX", currency="CNY", as_of=AS_OF)
    with pytest.raises(InvalidInput):
        parse_placement(path, region="CN", currency="RMBX", as_of=AS_OF)


def test_a_utf16_tab_file_as_excel_saves_unicode_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("合同号\t姓名\t欠款金额\r\nA1\t张伟\t12.5\r\n".encode("utf-16"))
    parsed = _parse(path)
    assert (parsed.encoding, parsed.delimiter) == ("utf-16", "\t")
    assert parsed.rows.select("external_ref", "balance").to_dicts() == [
        {"external_ref": "A1", "balance": 1250}
    ]


def test_rejected_rows_come_back_with_their_cells_as_written(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("合同号,姓名,欠款金额,row\nA1,张伟,-1,x\nA2,李娜,2,y\n", encoding="utf-8")
    parsed = _parse(path)
    assert parsed.rejected.to_dicts() == [
        {"row": 2, "合同号": "A1", "姓名": "张伟", "欠款金额": "-1", "row (D)": "x"}
    ]
