"""The money terms form (web/ui/money_terms.py): plain fields as typed become the terms' stored form,
and what cannot be taken is named in the form's words."""

from __future__ import annotations

import pytest

from huikuan.domain.commission import parse_terms
from huikuan.errors import InvalidInput
from huikuan.web.ui.money_terms import TermsForm, percent, raw_terms

BLANK = {
    "rate": "",
    "source": "",
    "product": "",
    "min_age": "",
    "max_age": "",
    "min_balance": "",
    "max_balance": "",
}


def _form(**changes: object) -> TermsForm:
    fields: dict[str, object] = {
        "starts_on": "2026-12-01",
        "route": "trust",
        "remittance": "gross",
        "order": "principal,interest,fees",
        "flat_fee": "5",
        "cap": "",
        "direct_commission": False,
        "tiers": (
            {
                **BLANK,
                "rate": "12.5",
                "source": "agency",
                "product": "loan",
                "max_age": "180",
                "max_balance": "10,000",
            },
            BLANK,
            {**BLANK, "rate": "30%"},
        ),
    }
    return TermsForm(**{**fields, **changes})  # type: ignore[arg-type]


def test_typed_fields_become_terms_in_minor_units_and_basis_points() -> None:
    raw = raw_terms(_form(), "CNY")
    assert raw["flat_fee"] == 500 and raw["cap_per_account"] is None and raw["direct_commission"] is False
    assert raw["order"] == ["principal", "interest", "fees"]
    assert raw["tiers"] == [
        {
            "rate_bp": 1250,
            "source": "agency",
            "product": "loan",
            "max_age_days": 180,
            "max_balance": 1_000_000,
        },
        {"rate_bp": 3000},
    ]
    terms = parse_terms(raw, pack="cn")
    assert terms.remittance == "gross" and terms.tiers[0].rate_bp == 1250


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"order": "fees,fees,interest"}, "Order of allocation"),
        ({"cap": "-1"}, "Cap per account: -1 is not an amount in CNY"),
        ({"flat_fee": "0.001"}, "Flat fee: 0.001 is not an amount in CNY"),
        ({"tiers": ({**BLANK, "rate": "100.5"},)}, "Tier 1: the rate is a percentage"),
        ({"tiers": ({**BLANK, "rate": "ten"},)}, "Tier 1: the rate is a percentage"),
        (
            {"tiers": (BLANK, {**BLANK, "rate": "5", "min_age": "a week"})},
            "Tier 2: the age is a whole number",
        ),
    ],
)
def test_what_cannot_be_taken_is_named_in_the_forms_words(changes: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        raw_terms(_form(**changes), "CNY")
    assert words in str(refused.value.translated("en"))


def test_a_rate_is_shown_in_percent_without_trailing_zeros() -> None:
    assert [percent(bp) for bp in (2000, 2500, 1250, 5, 0, 10000)] == [
        "20%",
        "25%",
        "12.5%",
        "0.05%",
        "0%",
        "100%",
    ]
