"""The gate: decide(request, history, pack) and its batch form for the daily planner."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from huikuan.compliance.clock import to_datetime
from huikuan.compliance.context import Context, PartyHistory
from huikuan.compliance.model import Basis, Decision, HistoryEvent, Request, Violation
from huikuan.compliance.pack import RULE_IDS, Pack
from huikuan.compliance.rules import RULES, TIMED, Block, Rule

# Far more than any real search needs (hours, quiet periods and caps interleave a few times a day);
# it only guards against a rule that failed to move its lift forward.
_MAX_STEPS = 20_000

_plans: dict[str, tuple[tuple[tuple[str, Rule], ...], tuple[Rule, ...]]] = {}


def _plan(pack: Pack) -> tuple[tuple[tuple[str, Rule], ...], tuple[Rule, ...]]:
    """The pack's enabled rules in the order of compliance.md, and the subset that reads the clock."""
    got = _plans.get(pack.fingerprint)
    if got is None:
        enabled = tuple((rid, RULES[rid]) for rid in RULE_IDS if pack.enabled(rid))
        got = _plans[pack.fingerprint] = (enabled, tuple(fn for rid, fn in enabled if rid in TIMED))
    return got


def decide(request: Request, history: Iterable[HistoryEvent], pack: Pack) -> Decision:
    """Whether the contact may happen at request.at, every blocking rule, and the earliest instant it may."""
    return _decide(Context(request, PartyHistory.of(request.party.id, history), pack), pack)


def decide_many(
    requests: Sequence[Request], history_by_party: Mapping[str, Sequence[HistoryEvent]], pack: Pack
) -> list[Decision]:
    """decide() for many requests: each party's history is compiled once and zones and windows are shared."""
    compiled: dict[str, PartyHistory] = {}
    out: list[Decision] = []
    for request in requests:
        pid = request.party.id
        history = compiled.get(pid)
        if history is None:
            history = compiled[pid] = PartyHistory.of(pid, history_by_party.get(pid, ()))
        out.append(_decide(Context(request, history, pack), pack))
    return out


def _decide(ctx: Context, pack: Pack) -> Decision:
    enabled, timed = _plan(pack)
    at = ctx.at
    violations: list[Violation] = []
    blocks: list[Block] = []
    for rid, fn in enabled:
        block = fn(ctx, at)
        if block is not None:
            violations.append(Violation(rid, block.message))
            blocks.append(block)
    basis = Basis(ctx.request, ctx.events, pack.fingerprint)
    if not blocks:
        return Decision(True, (), to_datetime(at), pack.name, pack.version, basis)
    nxt = _search(ctx, timed, blocks)
    return Decision(
        False, tuple(violations), None if nxt is None else to_datetime(nxt), pack.name, pack.version, basis
    )


def _search(ctx: Context, timed: tuple[Rule, ...], blocks: list[Block]) -> int | None:
    """The first instant from ctx.at at which no rule blocks: every block holds from t to its lift, so the
    latest lift is the first candidate; evaluate there and repeat."""
    t = ctx.at
    for _ in range(_MAX_STEPS):
        lift = t + 1
        for block in blocks:
            if block.lift is None:
                return None
            if block.lift > lift:
                lift = block.lift
        t = lift
        if t > ctx.limit:
            return None
        blocks = [b for fn in timed if (b := fn(ctx, t)) is not None]
        if not blocks:
            return t
    return None
