"""Every reason can be read in English and in Simplified Chinese."""

from __future__ import annotations

from huikuan.intake import RowError, SkippedRow, reason_in, skip_reason_in
from huikuan.intake.messages import _EN, _ZH, reason


def test_every_error_code_has_both_an_english_and_a_chinese_sentence() -> None:
    assert set(_EN) == set(_ZH)


def test_a_duplicate_names_the_first_row_in_both_languages() -> None:
    error = RowError(
        10, "external_ref", "HT1", "duplicate_ref", reason("duplicate_ref", "external_ref", "HT1", "4"), "4"
    )
    assert error.reason == "Account number 'HT1' appears already in row 4."
    assert reason_in(error, "zh_CN") == "账号“HT1”已在第4行出现过。"
    assert reason_in(error, "zh-CN") == reason_in(error, "zh_CN")
    assert reason_in(error, "en") == error.reason


def test_numbered_contacts_are_named_with_their_number() -> None:
    text = reason("invalid_phone", "contact2_phone", "110", "110", "zh_CN")
    assert text == "紧急联系人2电话“110”不是有效的电话号码。"


def test_skipped_rows_say_why_in_both_languages() -> None:
    assert skip_reason_in(SkippedRow(12, "totals"), "zh_CN") == "合计行"
    assert skip_reason_in(SkippedRow(12, "totals"), "en") == "the row is a totals row"


def test_an_error_rebuilt_without_its_detail_still_reads_well() -> None:
    rebuilt = RowError(
        10, "external_ref", "HT1", "duplicate_ref", "Account number 'HT1' appears already in row 4."
    )
    assert reason_in(rebuilt, "en") == "Account number 'HT1' appears already in row 4."
    assert reason_in(rebuilt, "zh_CN") == "账号“HT1”在文件中重复出现。"


def test_errors_found_against_the_database_have_chinese_sentences_too() -> None:
    error = RowError(3, "external_ref", "A9", "unknown_account", "no account A9 of this creditor")
    assert reason_in(error, "zh_CN") == "账号“A9”不是该委托方的账户。"
    assert reason_in(error, "en") == "no account A9 of this creditor"
    odd = RowError(3, "balance", "x", "some_new_code", "a sentence")
    assert reason_in(odd, "zh_CN") == "a sentence"
