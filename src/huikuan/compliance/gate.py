"""The gate: decide(request, history, pack), and its batch form for the daily planner."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from huikuan.compliance.context import Context
from huikuan.compliance.evaluate import judge, plan
from huikuan.compliance.model import Decision, HistoryEvent, Purpose, Request
from huikuan.compliance.pack import Pack
from huikuan.compliance.planner import PartyEvaluator


def decide(request: Request, history: Iterable[HistoryEvent], pack: Pack) -> Decision:
    """Whether the contact may happen at request.at, every blocking rule, and the earliest instant it may.

    `history` may hold anyone's events in any order: the gate reads the party's own, up to request.at.
    """
    return judge(Context(request, history if isinstance(history, Sequence) else tuple(history), pack), pack)


def decide_many(
    requests: Sequence[Request], history_by_party: Mapping[str, Sequence[HistoryEvent]], pack: Pack
) -> list[Decision]:
    """decide() for each request, with history_by_party[party id] as its history; the same decisions.

    Zones, hour windows and phone look-ups are cached across the batch. A party asked about more than
    once (several instants or channels, with the same party, debtor and debt objects) is compiled once.
    """
    with _cyclic_gc_paused():
        return _decide_many(requests, history_by_party, pack)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a batch makes no reference cycles, but its hundreds of
    thousands of new decisions would set off full collections over the caller's whole portfolio, a
    quarter of the batch's time. Reference counting frees everything as usual meanwhile."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _decide_many(
    requests: Sequence[Request], history_by_party: Mapping[str, Sequence[HistoryEvent]], pack: Pack
) -> list[Decision]:
    empty: tuple[HistoryEvent, ...] = ()
    repeated = {pid for pid, n in Counter(r.party.id for r in requests).items() if n > 1}
    compiled: dict[tuple[int, int, int, Purpose], PartyEvaluator] = {}
    out: list[Decision] = []
    for r in requests:
        history = history_by_party.get(r.party.id, empty)
        if r.party.id not in repeated:
            out.append(judge(Context(r, history, pack), pack))
            continue
        # The objects outlive the loop (requests holds them), so their ids name them for its length.
        key = (id(r.party), id(r.debtor), id(r.debt), r.purpose)
        evaluator = compiled.get(key)
        if evaluator is None:
            evaluator = compiled[key] = PartyEvaluator(r, history, pack)
        out.append(evaluator.decide_request(r))
    return out


def permits(request: Request, history: Iterable[HistoryEvent], pack: Pack) -> bool:
    """Whether the contact passes every rule at request.at: decide() without the search for a later time."""
    ctx = Context(request, history if isinstance(history, Sequence) else tuple(history), pack)
    at = ctx.at
    return all(fn(ctx, at) is None for _, fn in plan(pack, request)[0])
