"""Benchmark of the compliance gate: one decide() over a 50-event history, and decide_many() throughput.

Run: .venv/bin/python bench/compliance_bench.py [--quick] [--parties N] [--seed S]
Targets: median decide() <= 100 us; decide_many() >= 100,000 decisions/s over a portfolio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from huikuan.compliance import HistoryEvent, Request, decide, decide_many, load_pack
from huikuan.compliance.model import (
    Address,
    Channel,
    Debt,
    DebtorFacts,
    Direction,
    Flags,
    InconvenientTime,
    Outcome,
    Party,
    Purpose,
    Role,
)

# (pack, phones, address) profiles of a mixed portfolio; numbers vary per party within the area code.
PROFILES = [
    ("us-reg-f", "+1212555{:04d}", Address("US", "NY")),
    ("us-reg-f", "+1212555{:04d}", Address("US", "CA")),
    ("us-reg-f", "+1312555{:04d}", Address("US", "IL")),
    ("us-reg-f", "+1415555{:04d}", Address("US", "CA")),
    ("us-reg-f", "+1713555{:04d}", Address("US", "TX")),
    ("us-reg-f", "+1305555{:04d}", Address("US", "FL")),
    ("cn", "+86138{:08d}", Address("CN", "GD")),
    ("cn", "+86139{:08d}", Address("CN", "BJ")),
    ("cn", "+86135{:08d}", Address("CN", "XJ")),
    ("uk-conc", "+44207946{:04d}", Address("GB")),
]
OUTCOMES = [Outcome.NO_ANSWER] * 5 + [
    Outcome.CONVERSATION,
    Outcome.VOICEMAIL,
    Outcome.BUSY,
    Outcome.NOT_CONNECTED,
]
START = datetime(2026, 3, 2, tzinfo=UTC)


def history(rng: random.Random, party_id: str, debt_id: str, at: datetime, n: int) -> list[HistoryEvent]:
    """n events in the two weeks before `at`: mostly unanswered outbound calls, some conversations."""
    return [
        HistoryEvent(
            at=at - timedelta(minutes=rng.randrange(10, 14 * 24 * 60)),
            channel=Channel.CALL
            if rng.random() < 0.8
            else rng.choice([Channel.SMS, Channel.EMAIL, Channel.LETTER]),
            direction=Direction.OUTBOUND if rng.random() < 0.9 else Direction.INBOUND,
            party_id=party_id,
            outcome=rng.choice(OUTCOMES),
            party_role=Role.DEBTOR,
            debt_ids=(debt_id,),
        )
        for _ in range(n)
    ]


def request(rng: random.Random, i: int, profile: tuple[str, str, Address], at: datetime) -> Request:
    _, phone_format, address = profile
    phone = phone_format.format(rng.randrange(10_000) if "{:04d}" in phone_format else rng.randrange(10**8))
    return Request(
        at=at,
        channel=Channel.CALL if rng.random() < 0.85 else Channel.SMS,
        purpose=Purpose.COLLECT,
        party=Party(id=f"P-{i}", role=Role.DEBTOR, to=phone),
        debtor=DebtorFacts(
            phones=(phone,),
            address=address,
            inconvenient_times=(
                InconvenientTime(datetime(2026, 1, 1, 12).time(), datetime(2026, 1, 1, 13).time()),
            )
            if rng.random() < 0.1
            else (),
            flags=Flags(cease=rng.random() < 0.01, disputed=rng.random() < 0.01),
        ),
        debt=Debt(f"A-{i}"),
    )


def portfolio(n: int, seed: int) -> dict[str, tuple[list[Request], dict[str, list[HistoryEvent]]]]:
    """Per pack: one request per party at a planning slot of the day, and each party's 0-20 past events."""
    rng = random.Random(seed)
    out: dict[str, tuple[list[Request], dict[str, list[HistoryEvent]]]] = {}
    for i in range(n):
        profile = PROFILES[i % len(PROFILES)]
        at = START + timedelta(hours=rng.randrange(0, 24))
        req = request(rng, i, profile, at)
        requests, by_party = out.setdefault(profile[0], ([], {}))
        requests.append(req)
        by_party[req.party.id] = history(rng, req.party.id, req.debt.id, at, rng.randrange(0, 21))
    return out


def median_us(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller portfolio and fewer repeats")
    parser.add_argument(
        "--parties", type=int, default=None, help="portfolio size (default 200,000; quick 20,000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    parties = args.parties or (20_000 if args.quick else 200_000)
    repeat = 2_000 if args.quick else 20_000

    pack = load_pack("us-reg-f")
    rng = random.Random(args.seed)
    allowed_at = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # 13:00 Eastern, 10:00 Pacific
    single = request(rng, 0, PROFILES[1], allowed_at)
    events = history(rng, "P-0", "A-0", allowed_at, 50)
    events = [
        e
        if e.outcome is not Outcome.CONVERSATION
        else HistoryEvent(
            e.at - timedelta(days=14), e.channel, e.direction, e.party_id, e.outcome, e.party_role, e.debt_ids
        )
        for e in events
    ]
    assert decide(single, events, pack).allowed
    refused = Request(
        datetime(2026, 3, 4, 3, 0, tzinfo=UTC),
        single.channel,
        single.purpose,
        single.party,
        single.debtor,
        single.debt,
    )
    assert not decide(refused, events, pack).allowed
    for _ in range(200):
        decide(single, events, pack)
    allowed_us = median_us(lambda: decide(single, events, pack), repeat)
    refused_us = median_us(lambda: decide(refused, events, pack), repeat)
    print(f"decide(), 50-event history, allowed:            median {allowed_us:7.1f} us  (target <= 100 us)")
    print(f"decide(), 50-event history, refused + next time: median {refused_us:7.1f} us")

    books = portfolio(parties, args.seed)
    for name, (requests, by_party) in books.items():
        decide_many(requests[:500], by_party, load_pack(name))  # load zone data and warm the caches

    one_shot = throughput(books, slots=1)
    print(
        f"decide_many(), {one_shot[0]:,} parties x 1 request (0-20 events each, {one_shot[2]:.0%} allowed): "
        f"{one_shot[1]:,.0f} decisions/s"
    )
    planned = throughput(books, slots=SLOTS)
    print(
        f"decide_many(), {planned[0] // SLOTS:,} parties x {SLOTS} slots a day ({planned[2]:.0%} allowed): "
        f"{planned[1]:,.0f} decisions/s  (target >= 100,000/s)"
    )


# A planner asks about each party at several times of the day: every two hours from 00:00 UTC.
SLOTS = 12


def throughput(
    books: dict[str, tuple[list[Request], dict[str, list[HistoryEvent]]]], slots: int
) -> tuple[int, float, float]:
    """(decisions, decisions per second, share allowed) of decide_many over every pack's portfolio."""
    total = allowed = 0
    elapsed = 0.0
    for name, (requests, by_party) in books.items():
        pack = load_pack(name)
        if slots > 1:
            day = START.replace(hour=0)
            requests = [
                Request(day + timedelta(hours=2 * k), r.channel, r.purpose, r.party, r.debtor, r.debt)
                for r in requests
                for k in range(slots)
            ]
        t0 = time.perf_counter()
        decisions = decide_many(requests, by_party, pack)
        elapsed += time.perf_counter() - t0
        total += len(decisions)
        allowed += sum(d.allowed for d in decisions)
    return total, total / elapsed, allowed / total


if __name__ == "__main__":
    main()
