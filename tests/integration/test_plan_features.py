"""The plan's features read from the database: a hand-built portfolio (tests/support/book.py), every
figure checked by hand."""

from __future__ import annotations

from tests.support.book import DAY, NOW, Book, check_hand_built, hand_built, utc

from huikuan.storage.portfolio import read_portfolio
from huikuan.strategy.features import answer_features, case_features


def test_features_match_a_hand_built_small_portfolio_exactly(engine):
    check_hand_built(engine)


def test_hour_of_week_is_the_debtors_local_hour_daylight_saving_included(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        urumqi = b.case(cn, b.debtor(cn, "X", zone="Asia/Urumqi"))
        london = b.case(cn, b.debtor(cn, "Y", zone="Europe/London", country="GB"))
        kathmandu = b.case(cn, b.debtor(cn, "Z", zone="Asia/Kathmandu", country="NP"))
        for case in (urumqi, london, kathmandu):
            b.account(case, 100)
        b.contact(urumqi, utc("2026-03-16T02:00:00"))  # Monday 08:00 at UTC+6
        b.contact(london, utc("2026-03-29T00:30:00"))  # Sunday 00:30 GMT, before the clocks go forward
        b.contact(london, utc("2026-03-29T01:30:00"))  # Sunday 02:30 BST, after
        b.contact(kathmandu, utc("2026-03-16T04:10:00"))  # Monday 09:55 at UTC+5:45
        b.contact(kathmandu, utc("2026-03-16T04:20:00"))  # Monday 10:05
    with engine.connect() as conn:
        answers = answer_features(read_portfolio(conn, DAY, utc("2026-04-01T00:00:00")))
    by_case = {d: sorted(h for dd, h, _n, _a in answers.rows() if dd == d) for d in answers["debtor_id"]}
    assert list(by_case.values()) == [[8], [6 * 24 + 0, 6 * 24 + 2], [9, 10]]


def test_a_creditor_filter_plans_only_that_creditors_cases(engine):
    with engine.begin() as conn:
        ids = hand_built(conn)
    with engine.connect() as conn:
        only_us = case_features(read_portfolio(conn, DAY, NOW, [ids["us"]]))
        nobody = case_features(read_portfolio(conn, DAY, NOW, []))
    assert only_us.get_column("case_id").to_list() == [ids["b"]] and nobody.height == 0
