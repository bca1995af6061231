"""The gate applied to the daily plan: masks of local hours per case and action, from the real gate."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy import Engine
from tests.support.book import Book

from huikuan.compliance.model import Channel, Direction, EventOutcome, Role
from huikuan.services.gate_inputs import allowed_frame, debtor_facts, gate_history, reference_allowed
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.strategy.gating import plan_violations
from huikuan.strategy.hour_masks import day_hours

DAY = date(2026, 3, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYTIME = sum(1 << h for h in range(8, 21))  # 08:00-20:59, the cn pack's hours
STRICT_CN = {
    "rules": {
        "call-frequency": {"enabled": True, "max_calls": 3},
        "post-conversation": {"enabled": True},
        "designated-inconvenient-time": {"enabled": True},
        "cease": {"enabled": True},
        "dispute": {"enabled": True},
        "attorney": {"enabled": True},
        "channel-opt-out": {"enabled": True},
        "daily-call-cap": {"max_connected": 2},
    }
}


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def masks(engine: Engine, now: datetime) -> dict[tuple[int, str], tuple[int, str | None]]:
    with engine.connect() as conn:
        frame = allowed_frame(conn, read_portfolio(conn, DAY, now))
    return {(c, a): (m, r) for c, a, m, r in frame.iter_rows()}


def test_a_disputed_or_ceased_debtor_gets_mask_0_with_the_rule_named(engine):
    with engine.begin() as conn:
        b = Book(conn)
        us = b.creditor("US", pack="us-reg-f", zone="America/New_York", region="US", currency="USD")
        strict = b.creditor("CN-STRICT", overrides=STRICT_CN)
        plain = b.creditor("CN")
        cases = {}
        for name, creditor, flags in (
            ("us_disputed", us, {"disputed": True}),
            ("us_ceased", us, {"cease": True}),
            ("us_deceased", us, {"deceased": True}),
            ("cn_disputed", strict, {"disputed": True}),
            ("cn_ceased", strict, {"cease": True}),
            ("cn_default_disputed", plain, {"disputed": True}),
        ):
            zone, country, region = (
                ("America/New_York", "US", "NY")
                if creditor == us
                else (
                    "Asia/Shanghai",
                    "CN",
                    "四川省",  # Beijing time only (Xinjiang would add UTC+6)
                )
            )
            debtor = b.debtor(creditor, name, zone=zone, country=country, region=region, **flags)
            cases[name] = b.case(creditor, debtor)
            b.account(cases[name], 10_000)
        opted = b.case(strict, b.debtor(strict, "opted", region="四川省", opt_out=["sms", "call"]))
        b.account(opted, 10_000)
    got = masks(engine, local(DAY, 7))
    expected_rule = {
        "us_disputed": "dispute",
        "us_ceased": "cease",
        "us_deceased": "deceased",
        "cn_disputed": "dispute",
        "cn_ceased": "cease",
    }
    for name, rule in expected_rule.items():
        for action in ("call", "sms", "email", "wechat", "letter", "visit"):
            assert got[(cases[name], action)] == (0, rule), (name, action)
    assert got[(cases["cn_default_disputed"], "call")] == (0, "dispute")
    assert got[(opted, "sms")] == (0, "channel-opt-out") and got[(opted, "call")] == (0, "channel-opt-out")
    assert got[(opted, "wechat")] == (DAYTIME, None)


def test_a_debtor_called_3_times_today_has_no_call_hours_left_but_sms_is_allowed(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        busy = b.case(cn, b.debtor(cn, "busy", region="四川省"))
        quiet = b.case(cn, b.debtor(cn, "quiet", region="四川省"))
        for case in (busy, quiet):
            b.account(case, 10_000)
        for hour, outcome in ((9, "promise"), (10, "callback"), (11, "refuses")):
            b.contact(busy, local(DAY, hour, 5), outcome=outcome)
        b.contact(quiet, local(DAY, 9, 5), outcome="promise")
        b.contact(quiet, local(DAY, 10, 5), outcome="no_answer")
    got = masks(engine, local(DAY, 13, 30))
    afternoon = sum(1 << h for h in range(13, 21))
    assert got[(busy, "call")] == (0, "daily-call-cap")
    assert got[(busy, "sms")] == (afternoon, None)
    assert got[(quiet, "call")] == (afternoon, None)


def test_hours_over_when_the_plan_is_made_are_not_allowed(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        case = b.case(cn, b.debtor(cn, "late", region="四川省"))
        b.account(case, 10_000)
    assert masks(engine, local(DAY, 20, 30))[(case, "call")] == (1 << 20, None)
    assert masks(engine, local(DAY, 21, 30))[(case, "call")] == (0, "contact-hours")
    assert masks(engine, local(DAY + timedelta(days=1), 1))[(case, "call")] == (0, None)


def test_the_day_of_a_clock_change_has_its_own_hours():
    spring = day_hours(date(2026, 3, 8), "America/New_York", datetime(2026, 3, 1, tzinfo=UTC))
    autumn = day_hours(date(2026, 11, 1), "America/New_York", datetime(2026, 10, 1, tzinfo=UTC))
    assert [h for h, _s, _e in spring] == [h for h in range(24) if h != 2]
    assert len(autumn) == 24
    one = next(x for x in autumn if x[0] == 1)
    assert one[2] - one[1] == timedelta(hours=2, seconds=-1)  # 01:00 comes twice


def _random_portfolio(engine: Engine, seed: int, now: datetime) -> None:
    rng = random.Random(seed)
    zones = ["Asia/Shanghai", "Asia/Urumqi", "America/New_York", "America/Los_Angeles", None, "Not/AZone"]
    phones = ["+8613800138000", "+8613912345678", "+12125550123", "+14155550123", "+442079460000", "12345"]
    places = [("CN", "四川省"), ("CN", "新疆维吾尔自治区"), ("US", "CA"), ("US", "NY"), (None, None)]
    spans = [
        [{"start": "12:15", "end": "13:40"}],
        [{"start": "20:00", "end": "09:00"}],
        [{"start": "x"}],
        [{"start": "10:00", "end": "10:30"}, {"start": "17:45", "end": "18:10"}],
        # Days of the week (DAY is a Monday): work hours on weekdays, Sunday night into Monday morning.
        [{"start": "09:00", "end": "18:00", "days": [1, 2, 3, 4, 5]}],
        [{"start": "22:00", "end": "10:15", "days": [7]}, {"start": "12:00", "end": "14:00", "days": [2]}],
    ]
    held = random.Random(seed + 1_000)  # its own draws: the portfolios of the other draws stay as they were
    with engine.begin() as conn:
        b = Book(conn)
        creditors = [
            b.creditor("CN"),
            b.creditor("US", pack="us-reg-f", zone="America/New_York", region="US", currency="USD"),
            b.creditor("CN-STRICT", overrides=STRICT_CN),
            b.creditor("UK", pack="uk-conc", zone="Europe/London", region="GB", currency="GBP"),
        ]
        for i in range(36):
            creditor = rng.choice(creditors)
            country, region = rng.choice(places)
            flags = {f: True for f in ("cease", "disputed", "attorney", "deceased") if rng.random() < 0.06}
            debtor = b.debtor(
                creditor,
                f"d{i}",
                zone=rng.choice(zones),
                country=country,
                region=region,
                opt_out=rng.sample(["call", "sms", "email", "letter"], k=rng.choice((0, 0, 0, 1, 2))),
                inconvenient=rng.choice(spans) if rng.random() < 0.15 else [],
                **flags,
            )
            for number in rng.sample(phones, k=rng.choice((0, 1, 1, 2))):
                b.point(debtor, "mobile" if number.startswith("+86") else "landline", number)
            if (
                held.random() < 0.2
            ):  # a hold (services/holds.py), ended or not, ending before, during or after
                b._insert(
                    t.holds,
                    debtor_id=debtor,
                    kind=held.choice(
                        ("hardship", "bankruptcy", "breathing_space", "attorney", "vulnerability")
                    ),
                    started_at=now - timedelta(days=3),
                    ends_at=held.choice(
                        (None, now - timedelta(hours=2), now + timedelta(hours=5), now + timedelta(days=9))
                    ),
                    ended_at=held.choice((None, None, None, now - timedelta(hours=1))),
                    source="import",
                )
            case = b.case(creditor, debtor)
            b.account(case, 10_000)
            if rng.random() < 0.3:
                b.account(case, 5_000)
            for _ in range(rng.choice((0, 1, 3, 5, 8))):
                at = now - timedelta(minutes=rng.randrange(1, 10 * 24 * 60))
                if rng.random() < 0.35:  # crowd today, to reach the caps
                    at = now - timedelta(minutes=rng.randrange(1, 12 * 60))
                channel = rng.choice(("call", "call", "call", "voicemail", "sms"))
                outcome = rng.choice(
                    (
                        "no_answer",
                        "promise",
                        "callback",
                        "consent",
                        "not_connected",
                        "busy",
                        "third_party",
                        "refused_by_gate",
                        "delivered",
                    )
                )
                direction = "inbound" if rng.random() < 0.15 else "outbound"
                b.contact(case, at, channel, outcome, direction=direction)


@pytest.mark.parametrize("seed", range(6))
def test_the_grouped_path_gives_exactly_the_masks_of_asking_the_gate_case_by_case(engine, seed):
    now = [
        local(DAY - timedelta(days=1), 22),
        local(DAY, 10, 37),
        datetime(2026, 3, 16, 17, 5, tzinfo=UTC),
        local(DAY, 3, 0),
    ][seed % 4]
    _random_portfolio(engine, seed, now)
    with engine.connect() as conn:
        portfolio = read_portfolio(conn, DAY, now)
        fast = allowed_frame(conn, portfolio)
        slow = reference_allowed(conn, portfolio)
    assert fast.height == 36 * 6
    assert fast.sort("case_id", "action").to_dicts() == slow.to_dicts()
    assert fast.filter(pl.col("hour_mask") == 0).height > 0  # the gate had work to do


def test_gate_history_is_the_stored_interactions_by_party_and_debt(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        debtor = b.debtor(cn, "h")
        case = b.case(cn, debtor)
        first, second = b.account(case, 100), b.account(case, 200)
        b.contact(case, local(DAY, 9), outcome="promise")
        b.contact(case, local(DAY, 8), outcome="no_answer")
        b.contact(case, local(DAY, 10), outcome="refused_by_gate")
        b.contact(case, local(DAY, 11), "sms", "delivered")
    with engine.connect() as conn:
        history = gate_history(conn, [debtor])
        facts = debtor_facts(conn, [debtor])
    events = history[f"D{debtor}"]
    assert [(e.at, e.channel, e.direction, e.outcome, e.party_role) for e in events] == [
        (local(DAY, 8), Channel.CALL, Direction.OUTBOUND, EventOutcome.NO_ANSWER, Role.DEBTOR),
        (local(DAY, 9), Channel.CALL, Direction.OUTBOUND, EventOutcome.CONVERSATION, Role.DEBTOR),
        (local(DAY, 11), Channel.SMS, Direction.OUTBOUND, EventOutcome.DELIVERED, Role.DEBTOR),
    ]
    assert {e.debt_ids for e in events} == {(f"A{first}", f"A{second}")}
    assert facts[debtor].time_zone == "Asia/Shanghai" and facts[debtor].phones == ()


def test_debtor_facts_read_flags_opt_outs_and_designated_times_failing_closed(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        debtor = b.debtor(
            cn,
            "f",
            zone="Mars/Olympus",
            region="四川省",
            opt_out=["sms", "pigeon"],
            inconvenient=[{"start": "12:00", "end": "13:30"}, {"start": "noon"}],
            cease=True,
        )
        b.point(debtor, "mobile", "+8613800138000")
        b.point(debtor, "landline", "+861062345678")
        b.point(debtor, "email", "f@example.com")
    with engine.connect() as conn:
        facts = debtor_facts(conn, [debtor])[debtor]
    assert facts.phones == ("+861062345678", "+8613800138000")
    assert facts.time_zone is None and facts.address is not None and facts.address.region == "四川省"
    assert facts.flags.cease and not facts.flags.disputed and facts.flags.opt_out == {Channel.SMS}
    spans = [(x.start, x.end) for x in facts.inconvenient_times]
    assert spans == [(time(12), time(13, 30)), (time(0), time(0))]  # unreadable: the whole day


def test_a_planned_contact_outside_its_hours_is_a_violation():
    cases = pl.DataFrame({"case_id": [1, 2, 3], "time_zone": ["Asia/Shanghai"] * 3})
    allowed = pl.DataFrame(
        {
            "case_id": [1, 2, 3],
            "action": ["call", "call", "letter"],
            "hour_mask": [1 << 10, 1 << 10, 0],
            "rule": [None, None, "cease"],
        }
    )
    plan = pl.DataFrame(
        {
            "case_id": [1, 2, 3],
            "action": ["call", "call", "letter"],
            "slot_start": [local(DAY, 10, 15), local(DAY, 11), None],
        },
        schema_overrides={"slot_start": pl.Datetime("us", "UTC")},
    )
    bad = plan_violations(plan, allowed, cases, DAY)
    assert bad.get_column("case_id").to_list() == [2, 3]
    tomorrow = plan.with_columns(pl.lit(local(DAY + timedelta(days=1), 10)).alias("slot_start")).head(1)
    assert plan_violations(tomorrow, allowed, cases, DAY).height == 1
    assert plan_violations(plan.head(1), allowed, cases, DAY, now=local(DAY, 10, 30)).height == 1  # past
