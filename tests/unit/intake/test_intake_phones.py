"""Phone numbers become E.164 and are marked mobile or landline; the fast path agrees with phonenumbers."""

from __future__ import annotations

import random

import phonenumbers
import polars as pl
import pytest

from huikuan.intake.phones import classify, fast_path, phones
from huikuan.intake.values import clean


def _read(*cells: str | None, region: str = "CN") -> list[tuple[list[str], list[str], str | None]]:
    found = phones([clean(pl.Series(cells, dtype=pl.String))], region)
    return list(zip(found.numbers.to_list(), found.kinds.to_list(), found.errors[0].to_list(), strict=True))


def test_a_chinese_mobile_in_any_spelling_is_one_e164_number() -> None:
    spellings = [
        "13812345678",
        "+86 138 1234 5678",
        "0086-13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
    ]
    assert _read(*spellings) == [(["+8613812345678"], ["mobile"], None)] * len(spellings)


@pytest.mark.parametrize("separator", [";", ",", "、", "/", " ", "；", "\n", " / "])
def test_several_numbers_in_a_cell_are_split_on_any_separator(separator: str) -> None:
    assert _read(f"13812345678{separator}010-88886666") == [
        (["+8613812345678", "+861088886666"], ["mobile", "landline"], None)
    ]


def test_a_number_written_twice_is_kept_once() -> None:
    assert _read("13812345678/138 1234 5678") == [(["+8613812345678"], ["mobile"], None)]


def test_a_number_that_cannot_be_valid_is_an_error_naming_it() -> None:
    found = phones([clean(pl.Series(["13812345678;12345", "1381234567"]))], "CN")
    assert found.errors[0].to_list() == ["invalid_phone", "invalid_phone"]
    assert found.details[0].to_list() == ["12345", "1381234567"]


def test_numbers_from_several_columns_merge_into_one_list() -> None:
    found = phones(
        [clean(pl.Series(["13812345678", None])), clean(pl.Series(["010-88886666", "13812345678"]))], "CN"
    )
    assert found.numbers.to_list() == [["+8613812345678", "+861088886666"], ["+8613812345678"]]
    assert found.kinds.to_list() == [["mobile", "landline"], ["mobile"]]


def test_a_blank_cell_has_no_numbers_and_no_error() -> None:
    assert _read(None) == [([], [], None)]


def test_numbers_abroad_and_other_regions_are_read_too() -> None:
    assert _read("+1 415 555 2671")[0][0] == ["+14155552671"]
    assert _read("07911 123456", "020 7946 0018", region="GB") == [
        (["+447911123456"], ["mobile"], None),
        (["+442079460018"], ["landline"], None),
    ]


REGIONS = [
    "CN",
    "US",
    "GB",
    "HK",
    "DE",
    "IN",
    "SG",
    "AU",
    "TW",
    "MO",
    "FR",
    "ID",
    "MY",
    "PH",
    "TH",
    "KR",
    "IT",
]


@pytest.mark.parametrize("region", REGIONS)
def test_the_fast_path_never_disagrees_with_phonenumbers(region: str) -> None:
    rng = random.Random(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    cc = str(metadata.country_code)
    examples = [
        phonenumbers.national_significant_number(n)
        for t in range(11)
        if (n := phonenumbers.example_number_for_type(region, t)) is not None
    ]
    samples = []
    for _ in range(1500):
        base = rng.choice(examples)
        keep = rng.randint(0, len(base))
        tail = "".join(rng.choice("0123456789") for _ in range(len(base) - keep + rng.choice([-1, 0, 0, 1])))
        nsn = base[:keep] + tail
        form = rng.choice(["bare", "bare", "plus", "00", "cc", "prefix"])
        samples.append(
            {"bare": nsn, "plus": f"+{cc}{nsn}", "00": f"00{cc}{nsn}", "cc": cc + nsn}.get(
                form, (metadata.national_prefix or "") + nsn
            )
        )
    settled = fast_path(pl.Series(samples), region)
    decided = 0
    for text, e164, kind in zip(samples, settled["e164"], settled["kind"], strict=True):
        if e164 is not None:
            decided += 1
            assert classify(text, region) == (e164, kind), text
    assert decided > 0
