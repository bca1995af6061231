"""Payment files: each payment once, in minor units, at a moment in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from huikuan.intake import PAYMENT_SCHEMA, PlacementFileError, parse_payments


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "payments.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_payment_file_gives_utc_moments_and_minor_units(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "还款流水号,合同号,还款金额,还款时间,还款方式\n"
        'P1,A001,"1,000.00",2026-03-01,微信\n'
        "P2,A002,88.8,2026-03-01 10:22:00,支付宝\n",
        "gbk",
    )
    parsed = parse_payments(path, region="CN", currency="CNY", tz="Asia/Shanghai")
    assert parsed.encoding == "gb18030"
    assert parsed.errors == []
    assert dict(parsed.rows.schema) == PAYMENT_SCHEMA
    assert parsed.rows.to_dicts() == [
        {
            "row": 2,
            "payment_ref": "P1",
            "external_ref": "A001",
            "amount": 100000,
            "currency": "CNY",
            "paid_at": datetime(2026, 2, 28, 16, 0, tzinfo=UTC),
            "method": "微信",
        },
        {
            "row": 3,
            "payment_ref": "P2",
            "external_ref": "A002",
            "amount": 8880,
            "currency": "CNY",
            "paid_at": datetime(2026, 3, 1, 2, 22, tzinfo=UTC),
            "method": "支付宝",
        },
    ]


def test_the_same_payment_twice_is_skipped_and_a_different_one_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "流水号,账号,金额,交易日期\n"
        "P1,A001,100,2026-03-01\n"
        "P1,A001,100.00,2026/3/1\n"
        "P1,A001,200,2026-03-01\n",
    )
    parsed = parse_payments(path, region="CN", currency="CNY", tz="Asia/Shanghai")
    assert [(s.row, s.reason) for s in parsed.skipped] == [(3, "duplicate_in_file")]
    assert [(e.row, e.column, e.code, e.detail) for e in parsed.errors] == [
        (4, "payment_ref", "duplicate_payment_ref", "2")
    ]
    assert parsed.rows["row"].to_list() == [2]


def test_a_payment_must_be_more_than_zero_and_dated(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "reference,loan_id,amount,paid_at\nR1,L1,0,2026-03-01\nR2,L1,-5,2026-03-01\nR3,L1,5,\nR4,,5,yesterday\n",
    )
    parsed = parse_payments(path, region="US", currency="USD", tz="America/New_York")
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [
        (2, "amount", "zero_amount"),
        (3, "amount", "negative_amount"),
        (4, "paid_at", "required"),
        (5, "external_ref", "required"),
        (5, "paid_at", "invalid_date"),
    ]
    assert parsed.rejected_rows == 4


def test_a_payment_file_without_amounts_is_refused_whole(tmp_path: Path) -> None:
    path = _write(tmp_path, "流水号,合同号,还款日期\nP1,A1,2026-03-01\n")
    with pytest.raises(PlacementFileError) as raised:
        parse_payments(path, region="CN", currency="CNY", tz="Asia/Shanghai")
    assert raised.value.code == "missing_columns"
    assert list(raised.value.missing) == ["amount"]
