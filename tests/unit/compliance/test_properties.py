"""Properties of the gate: exact next_allowed_at, monotone in history and tightening, batch == single."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.compliance.strategies import events, requests, tightenings

from huikuan.compliance import Decision, Pack, Request, decide, decide_many, decision_to_dict, load_pack
from huikuan.compliance.gate import permits
from huikuan.compliance.model import Channel, EventOutcome, HistoryEvent
from huikuan.compliance.planner import PartyEvaluator

PACKS = st.sampled_from(["us-reg-f", "cn", "uk-conc"])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at_instant(request: Request, pack: Pack, moment: datetime) -> Decision:
    return decide(replace(request, at=moment), request.history, pack)


def later_or_equal(a: datetime | None, b: datetime | None) -> bool:
    """a >= b where None is "never"."""
    return a is None or (b is not None and a >= b)


@SETTINGS
@given(requests(), PACKS)
def test_next_allowed_at_is_allowed_and_one_second_before_it_is_not(request: Request, name: str) -> None:
    pack = load_pack(name)
    decision = decide(request, request.history, pack)
    if decision.allowed:
        assert decision.next_allowed_at == request.at and not decision.violations
        return
    assert decision.violations
    nxt = decision.next_allowed_at
    if nxt is None:
        return
    assert nxt > request.at
    assert at_instant(request, pack, nxt).allowed
    assert not at_instant(request, pack, nxt - timedelta(seconds=1)).allowed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), PACKS)
def test_no_minute_before_next_allowed_at_is_allowed(request: Request, name: str) -> None:
    pack = load_pack(name)
    decision = decide(request, request.history, pack)
    end = request.at + timedelta(days=2)
    if decision.next_allowed_at is not None:
        end = min(end, decision.next_allowed_at)
    moment = request.at
    while moment < end:
        assert not permits(replace(request, at=moment), request.history, pack), moment
        moment += timedelta(minutes=1)
    if decision.next_allowed_at is not None:
        assert permits(replace(request, at=decision.next_allowed_at), request.history, pack)


@SETTINGS
@given(st.data(), requests(), PACKS)
def test_adding_history_never_turns_a_refusal_into_an_allowance(
    data: st.DataObject, request: Request, name: str
) -> None:
    # Consent and contacts the person starts are the two facts that may lift a block by design
    # (1006.14(b)(3)(i), comment 6(b)(1)-2), so the added events are the collector's own attempts.
    pack = load_pack(name)
    extra = data.draw(st.lists(events(request.at, (request.party.id,)), min_size=1, max_size=5))
    extra = [
        replace(e, direction=e.direction.OUTBOUND) for e in extra if e.outcome is not EventOutcome.CONSENT
    ]
    before = decide(request, request.history, pack)
    after = decide(request, (*request.history, *extra), pack)
    if not before.allowed:
        assert not after.allowed
    assert later_or_equal(after.next_allowed_at, before.next_allowed_at)


@SETTINGS
@given(st.data(), requests(), PACKS)
def test_a_tighter_creditor_setting_never_allows_more(
    data: st.DataObject, request: Request, name: str
) -> None:
    base = load_pack(name)
    tight = base.tightened(data.draw(tightenings(name)))
    loose_decision = decide(request, request.history, base)
    tight_decision = decide(request, request.history, tight)
    if tight_decision.allowed:
        assert loose_decision.allowed
    assert later_or_equal(tight_decision.next_allowed_at, loose_decision.next_allowed_at)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(["P-1", "P-2", "P-3", "P-4"]), st.data()), min_size=1, max_size=8),
    st.lists(
        st.tuples(st.integers(0, 7), st.integers(-3 * 24 * 60, 3 * 24 * 60), st.sampled_from(list(Channel)))
    ),
    PACKS,
)
def test_decide_many_gives_the_same_decisions_as_decide(
    drawn: list[tuple[str, st.DataObject]], moves: list[tuple[int, int, Channel]], name: str
) -> None:
    pack = load_pack(name)
    batch = [data.draw(requests(party_id=pid)) for pid, data in drawn]
    # A planner asks about the same party again at other instants and on other channels.
    batch += [
        replace(batch[i % len(batch)], at=batch[i % len(batch)].at + timedelta(minutes=m), channel=channel)
        for i, m, channel in moves
    ]
    everything = [e for r in batch for e in r.history]
    by_party: dict[str, list[HistoryEvent]] = {}
    for e in everything:
        by_party.setdefault(e.party_id, []).append(e)
    many = decide_many(batch, by_party, pack)
    single = [decide(r, everything, pack) for r in batch]
    assert many == single
    assert [decision_to_dict(d) for d in many] == [decision_to_dict(d) for d in single]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), PACKS, st.lists(st.integers(-2 * 24 * 60, 9 * 24 * 60), min_size=1, max_size=6))
def test_a_compiled_party_answers_as_decide_at_every_instant(
    request: Request, name: str, moves: list[int]
) -> None:
    pack = load_pack(name)
    evaluator = PartyEvaluator(request, request.history, pack)
    for m in moves:
        moment = request.at + timedelta(minutes=m)
        assert evaluator.decide(moment) == at_instant(request, pack, moment)
