"""A creditor's money terms and the commission a payment earns (domain/commission.py)."""

from __future__ import annotations

from datetime import date

import pytest

from huikuan.domain.commission import (
    BadTerms,
    Earning,
    Terms,
    TermsHistory,
    Tier,
    commission,
    default_terms,
    parse_terms,
    terms_dict,
)
from huikuan.domain.ledger import Part, Route

START = date(2026, 1, 1)


def _earning(amount: int = 10_000, **kw: object) -> Earning:
    values: dict[str, object] = {
        "source": "agency",
        "product": "credit_card",
        "age_days": 100,
        "placed_balance": 100_000,
    }
    values.update(kw)
    return Earning(amount=amount, **values)  # type: ignore[arg-type]


TIERED = Terms(
    starts_on=START,
    tiers=(
        Tier(rate_bp=1000, source="direct"),
        Tier(rate_bp=3000, product="auto_loan"),
        Tier(rate_bp=4000, min_age_days=365),
        Tier(rate_bp=2000, max_balance=50_000),
        Tier(rate_bp=2500),
    ),
)


@pytest.mark.parametrize(
    ("earning", "expected"),
    [
        (_earning(source="direct"), 1_000),
        (_earning(product="auto_loan"), 3_000),
        (_earning(age_days=400), 4_000),
        (_earning(placed_balance=49_999), 2_000),
        (_earning(placed_balance=50_000), 2_500),
        (_earning(), 2_500),
    ],
    ids=["direct payment", "product", "placement age", "balance band", "band upper bound excluded", "rest"],
)
def test_the_tier_is_chosen_by_source_product_age_and_balance_band(earning: Earning, expected: int) -> None:
    assert commission(TIERED, [earning]) == (expected,)


def test_the_first_matching_tier_wins_so_narrow_tiers_come_first() -> None:
    # Old and auto_loan: the product tier is listed first.
    assert commission(TIERED, [_earning(product="auto_loan", age_days=400)]) == (3_000,)


def test_commission_is_rounded_half_up_to_the_minor_unit() -> None:
    terms = Terms(starts_on=START, tiers=(Tier(rate_bp=2500),))
    assert commission(terms, [_earning(2), _earning(6), _earning(1)]) == (1, 2, 0)  # 0.5, 1.5, 0.25


def test_a_flat_fee_is_charged_once_per_payment_on_the_first_allocation_that_earns() -> None:
    terms = Terms(starts_on=START, tiers=(Tier(rate_bp=1000),), flat_fee=500)
    assert commission(terms, [_earning(0), _earning(1_000), _earning(1_000)]) == (0, 600, 100)


def test_an_accounts_commission_never_passes_its_cap() -> None:
    terms = Terms(starts_on=START, tiers=(Tier(rate_bp=5000),), cap_per_account=1_000)
    assert commission(terms, [_earning(1_000)]) == (500,)
    assert commission(terms, [_earning(1_000, earned_before=800)]) == (200,)
    assert commission(terms, [_earning(1_000, earned_before=1_000)]) == (0,)


def test_direct_payments_earn_nothing_when_the_terms_say_so() -> None:
    terms = Terms(starts_on=START, tiers=(Tier(rate_bp=2000),), direct_commission=False)
    assert commission(terms, [_earning(source="direct"), _earning(source="agency")]) == (0, 2_000)


def test_a_convenience_fee_is_refused_under_us_reg_f_and_allowed_elsewhere() -> None:
    raw = {"starts_on": "2026-01-01", "convenience_fee": 300}
    with pytest.raises(BadTerms, match="1006.22"):
        parse_terms(raw, pack="us-reg-f")
    assert parse_terms(raw, pack="cn").convenience_fee == 300


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "starts_on"),
        ({"route": "pocket"}, "route"),
        ({"remittance": "some"}, "remittance"),
        ({"order": ["fees", "fees", "principal"]}, "order"),
        ({"tiers": [{"rate_bp": 10_001}]}, "tiers[0].rate_bp"),
        ({"tiers": [{"rate_bp": 100, "source": "friend"}]}, "tiers[0].source"),
        ({"flat_fee": -1}, "flat_fee"),
    ],
)
def test_terms_that_cannot_be_used_name_the_field_at_fault(raw: dict[str, object], field: str) -> None:
    with pytest.raises(BadTerms) as caught:
        parse_terms({"starts_on": "2026-01-01", **raw} if raw else raw, pack="cn")
    assert str(caught.value).startswith(field + ":")


def test_terms_read_back_from_their_stored_form_are_the_same() -> None:
    terms = Terms(
        starts_on=START,
        route=Route.CREDITOR,
        remittance="gross",
        order=(Part.PRINCIPAL, Part.FEES, Part.INTEREST),
        tiers=(Tier(rate_bp=1500, source="agency", min_age_days=30, max_balance=90_000),),
        flat_fee=200,
        cap_per_account=5_000,
        direct_commission=False,
    )
    assert parse_terms(terms_dict(terms), pack="cn") == terms


def test_the_version_in_force_is_the_latest_that_started_on_or_before_the_day() -> None:
    january, march = Terms(starts_on=date(2026, 1, 1)), Terms(starts_on=date(2026, 3, 1), flat_fee=1)
    history = TermsHistory((march, january))
    fallback = default_terms("US", date(2025, 6, 1))
    assert history.on(date(2025, 12, 31), fallback) is fallback
    assert history.on(date(2026, 1, 1), fallback) is january
    assert history.on(date(2026, 2, 28), fallback) is january
    assert history.on(date(2026, 3, 1), fallback) is march


def test_the_default_terms_land_money_with_the_creditor_in_china_and_in_trust_elsewhere() -> None:
    assert default_terms("CN", START).route is Route.CREDITOR
    assert default_terms("US", START).route is Route.TRUST
    assert default_terms("US", START).tiers == ()
