"""Every file of the placement corpus gives exactly the result written beside it.

The corpus (tests/data/placements/, written by make_corpus.py) holds one file per problem a
creditor's file may have, good files of every encoding and delimiter, and a messy GBK flagship.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from huikuan.intake import PLACEMENT_SCHEMA, PlacementFileError, parse_placement, reason_in
from huikuan.intake.messages import _ZH

CORPUS = Path(__file__).resolve().parents[2] / "data" / "placements"
CASES = sorted(CORPUS.glob("*.expected.json"))


def _plain(value: Any) -> Any:
    """A frame value as JSON would write it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _parse(expected: dict[str, Any]) -> Any:
    options = expected["options"]
    return parse_placement(
        CORPUS / expected["file"],
        region=options["region"],
        currency=options["currency"],
        as_of=date.fromisoformat(options["as_of"]),
        mapping=options.get("mapping"),
    )


def test_the_corpus_has_a_file_for_every_problem_of_the_format() -> None:
    names = {p.name.removesuffix(".expected.json") for p in CASES}
    assert {
        "bad_amount",
        "negative_balance",
        "too_many_decimals",
        "bad_date",
        "impossible_date",
        "invalid_phone",
        "bad_national_id",
        "unknown_product",
        "unknown_currency",
        "blank_required",
        "duplicate_ref",
        "missing_required_column",
        "undecodable",
        "totals_row",
        "repeated_header",
        "trailing_blank_rows",
        "title_row",
        "messy_gbk",
    } <= names
    for case in CASES:
        assert (CORPUS / json.loads(case.read_text(encoding="utf-8"))["file"]).exists()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_each_corpus_file_gives_exactly_the_expected_result(case: Path) -> None:
    expected = json.loads(case.read_text(encoding="utf-8"))

    if "file_error" in expected:
        wanted = expected["file_error"]
        with pytest.raises(PlacementFileError) as raised:
            _parse(expected)
        assert raised.value.code == wanted["code"]
        for fragment in wanted.get("message_contains", []):
            assert fragment in str(raised.value)
        if "missing" in wanted:
            assert list(raised.value.missing) == wanted["missing"]
        return

    parsed = _parse(expected)
    errors = [{"row": e.row, "column": e.column, "value": e.value, "code": e.code} for e in parsed.errors]
    assert errors == expected["errors"]
    assert [{"row": s.row, "reason": s.reason} for s in parsed.skipped] == expected["skipped"]
    assert parsed.rejected_rows == len({e["row"] for e in expected["errors"]})
    assert parsed.rejected["row"].to_list() == sorted({e["row"] for e in expected["errors"]})
    assert dict(parsed.rows.schema) == PLACEMENT_SCHEMA

    for key, attribute in (
        ("encoding_detected", "encoding"),
        ("delimiter", "delimiter"),
        ("header_row", "header_row"),
        ("rows_read", "rows_read"),
        ("rejected_rows", "rejected_rows"),
        ("ignored_columns", "ignored_columns"),
        ("columns", "columns"),
    ):
        if key in expected:
            assert getattr(parsed, attribute) == expected[key], key
    if "good_rows" in expected:
        assert parsed.rows.height == expected["good_rows"]
    # Every record is accounted for: good, rejected or skipped.
    assert parsed.rows.height + parsed.rejected_rows + len(parsed.skipped) == parsed.rows_read

    actual = {row["row"]: _plain(row) for row in parsed.rows.to_dicts()}
    for wanted_row in expected.get("rows", []):
        got = actual[wanted_row["row"]]
        if expected.get("rows_complete"):
            assert got == wanted_row
        else:
            assert {k: got[k] for k in wanted_row} == wanted_row
    if expected.get("rows_complete"):
        assert len(actual) == len(expected["rows"])

    for error in parsed.errors:
        assert error.code in _ZH
        assert error.reason and reason_in(error, "zh_CN") != error.reason
