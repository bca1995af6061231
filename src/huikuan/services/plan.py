"""The daily plan: read the portfolio, ask the gate, let the planner choose, check, store — one use case.

    make_plan(uow, day, "optimized")  # huikuan plan --date D --strategy S
    explain(uow, case_id)             # huikuan plan explain CASE
    explain_for(uow, viewer, case_id) # the case page's "Why this action" tab

The portfolio is read in one transaction and the plan written in another (on SQLite with the write
lock, taken only for the few seconds of the write), so a plan of a million cases does not hold up
collectors recording their calls while it is being computed. Before anything is written every planned
contact is checked against the gate's hours once more (`gating.plan_violations`): a plan with a contact
the gate would refuse is not stored (ComplianceRefused).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from huikuan.channels import MESSAGE_CHANNELS, sendable_channels
from huikuan.config import get_settings
from huikuan.domain.portfolio import DEFAULT_MINUTES
from huikuan.errors import ComplianceRefused, InvalidInput, NotFound
from huikuan.services.access import Viewer, visible_case
from huikuan.services.gate_inputs import allowed_frame
from huikuan.services.plan_outcomes import stored_outcomes
from huikuan.services.plan_rows import prepare_plan
from huikuan.services.text_consent import unconsented_text_cases, without_unconsented_texts
from huikuan.services.wechat_bindings import bound_debtors, wechat_reach
from huikuan.storage import tables as t
from huikuan.storage.plan_store import drop_older_rows, plan_row, store_plan_part
from huikuan.storage.portfolio import load_collectors, read_portfolio
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.api import PlanInputs, PlanResult, StrategyConfig
from huikuan.strategy.champion import plan_split
from huikuan.strategy.features import answer_features, case_features, default_capacity
from huikuan.strategy.gating import plan_violations

Progress = Callable[[str], None]
Planner = Callable[[PlanInputs, StrategyConfig], PlanResult]
STAGES = ("features", "gate", "plan", "check", "store")


def make_plan(
    uow: UnitOfWork,
    day: date,
    strategy_name: str = "optimized",
    now: datetime | None = None,
    progress: Progress | None = None,
    *,
    creditors: Sequence[str] | None = None,
    params: dict[str, Any] | None = None,
    minutes: int = DEFAULT_MINUTES,
    planner: Planner | None = None,
    challenger: str | None = None,
    challenger_share: float = 0.2,
) -> dict[str, Any]:
    """Plans `day` for every open case (or those of the given creditor codes), stores the plan and the
    cases' next actions, commits, and returns a summary. `now` (default: the clock) is when the plan is
    made: history after it is unknown and hours before it are over.

    With a `challenger`, the cases are split by a stable hash of their id (the same case stays in the
    same arm every day): `challenger_share` of them, with that share of every capacity, are planned by
    the challenger, the rest by `strategy_name` (the champion); each plan row names its strategy."""
    say = progress or (lambda _stage: None)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    planner = _checked_planner(planner, strategy_name, challenger, challenger_share)
    clock = _Stages(say)
    creditor_ids = _creditor_ids(uow, creditors)
    # On the read replica if there is one (what the plan misses of the last seconds, the gate still sees
    # when each contact is made). The session has written nothing: the history may be read on a second
    # connection meanwhile.
    conn = uow.reads()
    inputs = load_plan_inputs(
        conn,
        day,
        now,
        creditor_ids,
        minutes=minutes,
        progress=clock,
        parallel=True,
        channels=sendable_channels(get_settings()),
    )
    uow.rollback()  # the reads are done: end the snapshot before the long computation

    clock("plan")
    params = dict(params or {})
    if "outcomes" not in params:
        params["outcomes"] = stored_outcomes(uow, day)
    config = StrategyConfig(strategy_name, params)
    if challenger is None:
        result = planner(inputs, config)
    else:
        arms = {strategy_name: config, challenger: StrategyConfig(challenger, params)}
        shares = {strategy_name: 1.0 - challenger_share, challenger: challenger_share}
        result = plan_split(inputs, arms, shares, salt=CHAMPION_SALT)

    clock("check")
    _check_allowed(result.plan, inputs, day, now)

    clock("store")
    written, replaced = _store(uow, day, strategy_name, result.plan, inputs.cases, now, creditor_ids)
    return _summary(day, strategy_name, now, inputs, result, written, replaced, clock.done())


def _checked_planner(
    planner: Planner | None, strategy_name: str, challenger: str | None, challenger_share: float
) -> Planner:
    """The planner to run (the strategies' by default); an unknown strategy or a challenger that cannot
    run beside the champion fails now, not after the portfolio is read."""
    if planner is None:
        from huikuan.strategy.planner import plan_day
        from huikuan.strategy.strategies import get

        get(strategy_name)  # an unknown strategy fails now, not after the portfolio is read
        planner = plan_day
    if challenger is not None:
        from huikuan.strategy.strategies import get

        get(challenger)
        if not 0.0 < challenger_share < 1.0:
            raise InvalidInput("challenger share: must be between 0 and 1, e.g. 0.2")
        if challenger == strategy_name:
            raise InvalidInput("challenger: must differ from the champion strategy")
    return planner


def _check_allowed(plan: pl.DataFrame, inputs: PlanInputs, day: date, now: datetime) -> None:
    """Refuses the plan, stored nowhere, when it chose a contact the gate does not allow."""
    bad = plan_violations(plan, inputs.allowed, inputs.cases, day, now)
    if bad.height:
        first = bad.row(0, named=True)
        raise ComplianceRefused(
            "the planner chose {count} contact(s) the gate does not allow, e.g. {action} for case {case_id} "
            "at {at}; the plan was not stored",
            count=bad.height,
            action=first["action"],
            case_id=first["case_id"],
            at=first["slot_start"],
        )


# Cases written per transaction: the web's writers wait at most one part's time for SQLite's write lock.
PLAN_ROWS_PER_COMMIT = 1000


def _store(
    uow: UnitOfWork,
    day: date,
    strategy: str,
    plan: pl.DataFrame,
    cases: pl.DataFrame,
    now: datetime,
    creditor_ids: Sequence[int] | None,
) -> tuple[int, int]:
    """Writes the plan in parts of PLAN_ROWS_PER_COMMIT cases, each committed; returns (written, replaced).

    Each case moves from its old plan to its new one in one transaction; a plan interrupted half-way
    leaves the rest of the cases on their earlier plan until it is run again."""
    prepared = prepare_plan(day, strategy, plan, cases, now)
    uow.commit()  # end the reads before the first write
    written = replaced = 0
    first_id: int | None = None
    for rows, updates in prepared.parts(PLAN_ROWS_PER_COMMIT):
        _begin_write(uow)
        part = store_plan_part(uow.session.connection(), day, rows, updates)
        uow.commit()
        written, replaced = written + part.rows, replaced + part.replaced
        first_id = part.first_id if first_id is None else first_id
    while True:
        _begin_write(uow)
        gone = drop_older_rows(uow.session.connection(), day, first_id, creditor_ids, PLAN_ROWS_PER_COMMIT)
        uow.commit()
        replaced += gone
        if gone < PLAN_ROWS_PER_COMMIT:
            return written, replaced


# Cases keep their arm from day to day: the split hashes the case id with this fixed salt.
CHAMPION_SALT = "champion-challenger"


class _Stages:
    """Announces each stage and times it: the time of a stage runs until the next one is announced."""

    def __init__(self, say: Progress) -> None:
        self.say = say
        self.started = self.mark = time.perf_counter()
        self.current: str | None = None
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        self._close()
        self.current = stage
        self.say(stage)

    def _close(self) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.seconds[self.current] = round(now - self.mark, 3)
        self.mark = now

    def done(self) -> dict[str, float]:
        self._close()
        self.current = None
        self.seconds["total"] = round(time.perf_counter() - self.started, 3)
        return self.seconds


def _creditor_ids(uow: UnitOfWork, codes: Sequence[str] | None) -> list[int] | None:
    if not codes:
        return None
    c = t.creditors.c
    query = select(c.code, c.id).where(c.code.in_(list(codes)))
    found: dict[str, int] = {row.code: row.id for row in uow.session.execute(query)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise NotFound("no creditor with code {code!r}", code=missing[0])
    return [found[code] for code in codes]


def _begin_write(uow: UnitOfWork) -> None:
    """Starts the write transaction; on SQLite with the write lock (ids are allocated from MAX(id))."""
    if not uow.session.in_transaction():
        uow.begin_write()


def _summary(
    day: date,
    strategy: str,
    now: datetime,
    inputs: PlanInputs,
    result: PlanResult,
    written: int,
    replaced: int,
    timings: dict[str, float],
) -> dict[str, Any]:
    plan = result.plan.join(inputs.cases.select("case_id", "currency"), on="case_id", how="left")
    actions = dict(plan.group_by("action").len().sort("action").iter_rows())
    money = (
        plan.group_by("currency").agg(pl.col("expected_value").sum(), pl.col("cost").sum()).sort("currency")
    )
    return {
        "day": day.isoformat(),
        "strategy": strategy,
        "made_at": now.isoformat(),
        "cases": inputs.cases.height,
        "written": written,
        "replaced": replaced,
        "actions": {str(k): int(v) for k, v in actions.items()},
        "expected_value": {str(c): int(v or 0) for c, v, _ in money.iter_rows()},
        "cost": {str(c): int(v or 0) for c, _, v in money.iter_rows()},
        "collectors": inputs.capacity.collectors.height,
        "bound_gap": result.bound_gap,
        "prices": {k: float(v) for k, v in result.prices.items()},
        "seconds": timings,
    }


def explain(uow: UnitOfWork, case_id: int, day: date | None = None) -> dict[str, Any]:
    """Why the case has its plan (for `day`, else the latest): the action, when, by whom, and the reason."""
    row = plan_row(uow.session.connection(), case_id, day)
    if row is None:
        if day is None:
            raise NotFound("case {case_id} has no plan; run `huikuan plan` first", case_id=case_id)
        raise NotFound(
            "case {case_id} has no plan for {day}; run `huikuan plan` first",
            case_id=case_id,
            day=day.isoformat(),
        )
    zone = row["debtor_time_zone"] or row["creditor_time_zone"]
    slot = row["slot_start"]
    reason = row["reason"]
    return {
        "case_id": row["case_id"],
        "plan_date": row["plan_date"].isoformat(),
        "strategy": row["strategy"],
        "action": row["action"],
        "slot_start": slot.isoformat() if slot else None,
        "debtor_time_zone": zone,
        "debtor": row["debtor_name"],
        "creditor": row["creditor"],
        "currency": row["currency"],
        "collector": (
            {"id": row["user_id"], "username": row["username"], "name": row["display_name"]}
            if row["user_id"] is not None
            else None
        ),
        "segment": row["segment"],
        "p_answer": row["p_answer"],
        "p_pay": row["p_pay"],
        "expected_value": row["expected_value"],
        "cost": row["cost"],
        "binding": reason.get("binding"),
        "removed": list(reason.get("removed") or []),
        "reason": reason,
        "made_at": row["created_at"].isoformat(),
    }


def load_plan_inputs(
    conn: Connection,
    day: date,
    now: datetime,
    creditor_ids: Sequence[int] | None = None,
    *,
    minutes: int = DEFAULT_MINUTES,
    progress: Progress | None = None,
    parallel: bool = False,
    channels: frozenset[str] | None = None,
) -> PlanInputs:
    """Everything plan_day needs for `day`, as known at `now`: features, the gate's hours, capacity.
    (Here, in the use case, so that the features and the gate, which share the portfolio read once, never
    import each other.)"""
    say = progress or (lambda _stage: None)
    say("features")
    portfolio = read_portfolio(conn, day, now, creditor_ids, parallel=parallel)
    # WeChat reaches only an openid bound with consent to a follower of the account (none when the floor
    # has no official account configured): a WeChat id the creditor gave us is no way to send.
    portfolio = wechat_reach(portfolio, bound_debtors(conn, get_settings().wechat_app_id))
    cases = case_features(portfolio)
    answers = answer_features(portfolio)
    collectors = load_collectors(conn, minutes)
    say("gate")
    allowed = allowed_frame(conn, portfolio)
    # The plan's texts are automated: none to a mobile without the consent the creditor's pack asks for.
    allowed = without_unconsented_texts(allowed, unconsented_text_cases(conn, portfolio))
    if channels is not None:
        allowed = without_channels(allowed, frozenset(MESSAGE_CHANNELS) - channels)
    return PlanInputs(
        day=day,
        now=now,
        cases=cases,
        answers=answers,
        allowed=allowed,
        capacity=default_capacity(collectors, cases.height),
        costs={},  # the planner's calibrated defaults (strategy/options.py)
    )


# The rule named when a message channel cannot send (no transport configured): the plan never chooses it.
NOT_CONFIGURED_RULE = "channel-not-configured"


def without_channels(allowed: pl.DataFrame, unusable: frozenset[str]) -> pl.DataFrame:
    """The ALLOWED frame with the channels that cannot send closed all day (the planner stays pure: it is
    told, not asked, which channels exist)."""
    if not unusable:
        return allowed
    closed = pl.col("action").is_in(sorted(unusable))
    return allowed.with_columns(
        pl.when(closed).then(pl.lit(0, pl.Int32)).otherwise(pl.col("hour_mask")).alias("hour_mask"),
        pl.when(closed & (pl.col("hour_mask") != 0))
        .then(pl.lit(NOT_CONFIGURED_RULE))
        .otherwise(pl.col("rule"))
        .alias("rule"),
    )


def explain_for(uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[str, Any] | None:
    """`explain` for someone looking at the case: only a case the viewer may see (else NotFound);
    None while the planner has not planned it."""
    visible_case(uow, viewer, case_id)
    try:
        return explain(uow, case_id)
    except NotFound:
        return None


__all__ = ["STAGES", "explain", "explain_for", "load_plan_inputs", "make_plan"]
