"""The rule loop and the search for the next allowed instant, shared by every entry point."""

from __future__ import annotations

from datetime import UTC

from huikuan.compliance.clock import to_datetime
from huikuan.compliance.context import Context
from huikuan.compliance.model import ESTATE_ROLES, Basis, Decision, Request, Role, Violation
from huikuan.compliance.pack import Pack
from huikuan.compliance.pack_params import RULE_IDS
from huikuan.compliance.rules import RULES, TIMED, Block, Rule

# Far more than any real search needs (hours, quiet periods and caps interleave a few times a day);
# it only guards against a rule that failed to move its lift forward.
_MAX_STEPS = 20_000

# (the rules to run, those of them that read the clock), in the order of compliance.md. Rules that would
# return at once for this kind of request are left out: that changes no decision, only its cost.
Plan = tuple[tuple[tuple[str, Rule], ...], tuple[Rule, ...]]
_plans: dict[tuple[str, bool, Role, bool, bool, bool], Plan] = {}
_CALL_ONLY = frozenset({"call-frequency", "post-conversation", "daily-call-cap"})
_THIRD_PARTY_ONLY = frozenset({"third-party-disclosure", "third-party-repeat"})
# Rules that read only flags: none can block while no flag they read is set, as for most of a portfolio.
_FLAG_RULES = frozenset(
    {
        "cease",
        "deceased",
        "bankruptcy",
        "hardship",
        "breathing-space",
        "attorney",
        "workplace",
        "channel-opt-out",
        "dispute",
        "time-barred",
    }
)


def plan(pack: Pack, request: Request) -> Plan:
    role = request.party.role
    debtor = role is Role.DEBTOR
    designated = debtor and bool(request.debtor.inconvenient_times)
    unvalidated = debtor and request.debt.validation_sent is False
    key = (pack.fingerprint, request.is_call, role, designated, unvalidated, flagged(request))
    got = _plans.get(key)
    if got is None:
        skip: set[str] = set()
        if not request.is_call:
            skip |= _CALL_ONLY
        # An estate's representative is asked about the debt only after a death: the rule checks.
        if role in pack.settings.collect_roles and role not in ESTATE_ROLES:
            skip |= _THIRD_PARTY_ONLY
        if not designated:
            skip.add("designated-inconvenient-time")
        if not unvalidated:
            skip.add("validation-notice")
        if not key[-1]:
            skip |= _FLAG_RULES
        run = tuple((rid, RULES[rid]) for rid in RULE_IDS if pack.enabled(rid) and rid not in skip)
        got = _plans[key] = (run, tuple(fn for rid, fn in run if rid in TIMED))
    return got


def flagged(request: Request) -> bool:
    """Some flag or hold is set that a flag rule (a hold, workplace, opt-out, dispute) reads."""
    f = request.debtor.flags
    return bool(
        f.cease
        or f.holds
        or f.bankruptcy
        or f.deceased
        or f.attorney
        or f.disputed
        or request.debt.disputed
        or f.opt_out
        or (request.party.workplace and (f.employer_prohibits or bool(request.debtor.inconvenient_places)))
    )


def judge(ctx: Context, pack: Pack, planned: Plan | None = None) -> Decision:
    """The decision for a compiled request: every blocking rule, and the next allowed instant."""
    enabled, timed = planned or plan(pack, ctx.request)
    at = ctx.at
    hits = [(rid, block) for rid, fn in enabled if (block := fn(ctx, at)) is not None]
    basis = Basis(ctx.request, ctx.history, pack.fingerprint)
    if not hits:
        asked = ctx.request.at
        now = asked if asked.microsecond == 0 and asked.tzinfo is UTC else to_datetime(at)
        return Decision(True, (), now, pack.name, pack.version, basis)
    nxt = search(ctx, timed, [block for _, block in hits])
    violations = tuple([Violation(rid, block.message) for rid, block in hits])
    return Decision(
        False, violations, None if nxt is None else to_datetime(nxt), pack.name, pack.version, basis
    )


def search(ctx: Context, timed: tuple[Rule, ...], blocks: list[Block]) -> int | None:
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
