"""The keys a debtor is found by (domain/search_keys.py) and how a query is read (domain/search_query.py)."""

from __future__ import annotations

import pytest

from huikuan.domain.search_keys import (
    last_four,
    name_key,
    name_pinyin,
    national_digits,
    pinyin_text,
    typed_phone_digits,
)
from huikuan.domain.search_query import QueryKind, read_query


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("张三", "张三"),
        (" 张 三 ", "张三"),
        ("ＺＨＡＮＧ San", "zhangsan"),
        ("买买提·艾力", "买买提艾力"),
        ("Straße", "strasse"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_names_key_is_its_nfkc_case_folded_form_without_spaces(name: str | None, key: str | None) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("张三", "zhangsan"),
        ("李 娜", "lina"),
        ("吕布", "lvbu"),
        ("单雄信", "shanxiongxin"),  # 单 read as a surname
        ("曾国藩", "zengguofan"),
        ("John Smith", None),  # no Chinese character: the name's own key serves
    ],
)
def test_a_chinese_name_has_its_pinyin_without_tones(name: str, pinyin: str | None) -> None:
    assert name_pinyin(name) == pinyin


def test_a_typed_pinyin_keeps_only_its_letters() -> None:
    assert pinyin_text("Zhāng Sān") == "zhangsan"
    assert pinyin_text("lü bu") == "lvbu"


@pytest.mark.parametrize(
    ("stored", "digits"),
    [
        ("+8613812341234", "13812341234"),
        ("+861062345678", "1062345678"),
        ("+12025550123", "2025550123"),
        ("+442079460958", "2079460958"),
        ("12345", "12345"),
        ("", None),
    ],
)
def test_a_stored_phones_national_digits_drop_its_calling_code(stored: str, digits: str | None) -> None:
    assert national_digits(stored) == digits


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+86 138-1234-1234", "13812341234"),
        ("0086 13812341234", "13812341234"),
        ("138 1234 1234", "13812341234"),
        ("010-6234 5678", "1062345678"),
        ("１２３４", "1234"),
        ("1234", "1234"),
    ],
)
def test_a_typed_phone_gives_the_digits_its_stored_form_ends_in(typed: str, digits: str) -> None:
    assert typed_phone_digits(typed) == digits


def test_the_last_four_digits_need_four() -> None:
    assert last_four("13812341234") == "1234"
    assert last_four("123") is None
    assert last_four(None) is None


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("张三", QueryKind.NAME),
        ("zhang san", QueryKind.NAME),
        ("张三 1234", QueryKind.NAME_ID),
        ("张三123X", QueryKind.NAME_ID),
        ("Zhang San 1234", QueryKind.NAME_ID),
        ("110101198001011234", QueryKind.NATIONAL_ID),
        ("11010119800101123x", QueryKind.NATIONAL_ID),
        ("13812341234", QueryKind.NUMBER),
        ("+86 (138) 1234-1234", QueryKind.NUMBER),
        ("1234", QueryKind.NUMBER),
        ("LN-0001", QueryKind.REFERENCE),
        ("E12345678", QueryKind.REFERENCE),
    ],
)
def test_a_query_is_read_as_its_kind(typed: str, kind: QueryKind) -> None:
    query = read_query(typed)
    assert query is not None and query.kind is kind


def test_a_name_and_the_ids_last_four_are_read_apart() -> None:
    query = read_query("张 三 123x")
    assert query is not None and (query.name, query.tail) == ("张三", "123X")


def test_a_blank_query_is_no_query() -> None:
    assert read_query("  \u3000 ") is None
