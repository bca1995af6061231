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

# (pack, phone pattern, address) profiles of a mixed portfolio; numbers vary per party.
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
NOON = datetime(2026, 1, 1, 12).time()
ONE = datetime(2026, 1, 1, 13).time()
# A planner asks about each party at several times of the day: every two hours from 00:00 UTC.
SLOTS = 12


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
            inconvenient_times=(InconvenientTime(NOON, ONE),) if rng.random() < 0.1 else (),
            flags=Flags(cease=rng.random() < 0.01, disputed=rng.random() < 0.01),
        ),
        debt=Debt(f"A-{i}"),
    )


def portfolio(n: int, seed: int) -> dict[str, tuple[list[Request], dict[str, list[HistoryEvent]]]]:
    """Per pack: one request per party at an hour of 2 March 2026, and each party's 0-20 past events."""
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


def throughput(
    books: dict[str, tuple[list[Request], dict[str, list[HistoryEvent]]]], slots: int
) -> tuple[int, float, float, float]:
    """(decisions, per second of wall time, per second of CPU time, share allowed) over every pack."""
    total = allowed = 0
    wall = cpu = 0.0
    for name, (requests, by_party) in books.items():
        pack = load_pack(name)
        if slots > 1:
            day = START.replace(hour=0)
            requests = [
                Request(day + timedelta(hours=2 * k), r.channel, r.purpose, r.party, r.debtor, r.debt)
                for r in requests
                for k in range(slots)
            ]
        w0, c0 = time.perf_counter(), time.process_time()
        decisions = decide_many(requests, by_party, pack)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        total += len(decisions)
        allowed += sum(d.allowed for d in decisions)
    return total, total / wall, total / cpu, allowed / total


def single_decisions(seed: int, repeat: int) -> None:
    pack = load_pack("us-reg-f")
    rng = random.Random(seed)
    allowed_at = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # 13:00 Eastern, 10:00 Pacific
    # A call to a debtor with a New York number and a California address, and 50 past events over four
    # months: calls, texts, letters and conversations, none in the last week that blocks this one.
    template = request(rng, 0, PROFILES[1], allowed_at)
    single = Request(
        allowed_at, Channel.CALL, Purpose.COLLECT, template.party, template.debtor, template.debt
    )
    events = [
        HistoryEvent(
            at=allowed_at - timedelta(days=8) - timedelta(minutes=rng.randrange(0, 120 * 24 * 60)),
            channel=rng.choice([Channel.CALL, Channel.CALL, Channel.CALL, Channel.SMS, Channel.LETTER]),
            direction=Direction.OUTBOUND if rng.random() < 0.9 else Direction.INBOUND,
            party_id="P-0",
            outcome=rng.choice(OUTCOMES),
            party_role=Role.DEBTOR,
            debt_ids=("A-0",),
        )
        for _ in range(47)
    ]
    events += [
        HistoryEvent(
            allowed_at - timedelta(days=d, hours=3),
            Channel.CALL,
            Direction.OUTBOUND,
            "P-0",
            Outcome.NO_ANSWER,
            Role.DEBTOR,
            ("A-0",),
        )
        for d in (1, 3, 5)
    ]
    refused = Request(
        datetime(2026, 3, 4, 3, 0, tzinfo=UTC),
        single.channel,
        single.purpose,
        single.party,
        single.debtor,
        single.debt,
    )
    assert decide(single, events, pack).allowed
    assert not decide(refused, events, pack).allowed
    for _ in range(200):
        decide(single, events, pack)
    allowed_us = median_us(lambda: decide(single, events, pack), repeat)
    refused_us = median_us(lambda: decide(refused, events, pack), repeat)
    print(f"decide(), 50-event history, allowed:             median {allowed_us:6.1f} us  (target <= 100 us)")
    print(f"decide(), 50-event history, refused + next time:  median {refused_us:6.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller portfolio and fewer repeats")
    parser.add_argument(
        "--parties", type=int, default=None, help="portfolio size (default 200,000; quick 20,000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    parties = args.parties or (20_000 if args.quick else 200_000)
    single_decisions(args.seed, 2_000 if args.quick else 20_000)

    books = portfolio(parties, args.seed)
    for name, (requests, by_party) in books.items():
        decide_many(requests[:500], by_party, load_pack(name))  # load zone data and warm the caches
    # Wall-clock rates, and in brackets the rate per second of this process's CPU time, which other
    # work on the machine does not dilute.
    total, wall, cpu, allowed = throughput(books, slots=1)
    print(
        f"decide_many(), {total:,} parties x 1 request (0-20 events each, {allowed:.0%} allowed): "
        f"{wall:,.0f} decisions/s ({cpu:,.0f}/s CPU)"
    )
    total, wall, cpu, allowed = throughput(books, slots=SLOTS)
    print(
        f"decide_many(), {total // SLOTS:,} parties x {SLOTS} slots a day ({allowed:.0%} allowed): "
        f"{wall:,.0f} decisions/s ({cpu:,.0f}/s CPU)  (target >= 100,000/s)"
    )


if __name__ == "__main__":
    main()
