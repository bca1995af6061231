"""What of a national ID may be shown: a PRC ID only its region, any other ID its last characters."""

from __future__ import annotations

from datetime import date

import pytest

from huikuan.domain.national_id import (
    age_on,
    is_prc_id,
    mask_national_id,
    normalise_national_id,
    prc_birth_date,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010119800101123X", "110101************"),  # 18 characters: the region only
        ("110101198001011234", "110101************"),
        ("11010119800101123x", "110101************"),  # typed with a lower-case x
        (" 110101 19800101 123X ", "110101************"),  # and with spaces
        ("110101800101123", "110101*********"),  # the old 15-digit form: the region only
        ("1101011980010112", "110101**********"),  # a long number like an ID is masked like one
    ],
)
def test_a_prc_id_keeps_only_its_first_six_digits(value: str, masked: str) -> None:
    assert mask_national_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("E12345678", "E******78"),  # a passport, as before
        ("A123456(7)", "A*******7)"),  # a Hong Kong ID, as before
        ("G1234567890123", "G12345****0123"),  # a long ID of another kind keeps its last four
        ("X12", "***"),
    ],
)
def test_another_kind_of_id_keeps_its_last_characters_as_before(value: str, masked: str) -> None:
    assert mask_national_id(value) == masked


def test_no_id_masks_to_nothing() -> None:
    assert mask_national_id(None) == "" and mask_national_id("") == ""


def test_an_id_is_compared_without_spaces_in_upper_case_and_with_full_width_digits_folded() -> None:
    assert normalise_national_id("１１０１０１ 19800101\u3000123x") == "11010119800101123X"


def test_a_prc_id_holds_a_birth_date_and_another_id_none() -> None:
    assert is_prc_id("11010119800101123x") and is_prc_id("110101800101123")
    assert not is_prc_id("E12345678") and not is_prc_id("1101011980010112")
    assert prc_birth_date("11010119800101123X") == date(1980, 1, 1)
    assert prc_birth_date("110101800229123") == date(1980, 2, 29)
    assert prc_birth_date("11010119801301123X") is None  # no 13th month
    assert prc_birth_date("E12345678") is None and prc_birth_date(None) is None


def test_the_age_is_counted_in_whole_years_to_the_birthday() -> None:
    born = date(1980, 7, 19)
    assert age_on(born, date(2026, 7, 18)) == 45
    assert age_on(born, date(2026, 7, 19)) == 46
    assert age_on(None, date(2026, 7, 19)) is None
