"""The compliance gate applied to the daily plan: in which local hours of the plan day may each action be
taken for each case, and which rule removed an action that has no hour left (the ALLOWED frame).

Every answer comes from the real gate, `huikuan.compliance.decide`, asked about concrete instants:

- An hour h of the plan day (local to the case's scheduling zone, CASES.time_zone) is allowed when the
  gate allows the contact at its first instant and at its last second (and, for a debtor who designated
  inconvenient times, at each instant such a time starts within the hour). Hours already over at `now`
  are never allowed; the hour holding `now` is asked about from `now` on.
- When an action has no hour left, `rule` names why: a rule that only facts can lift (cease, dispute,
  attorney, channel-opt-out ...) if one blocks; else the first rule other than contact-hours that blocks
  at the earliest hour asked about; else `contact-hours`. It is null when some hour is allowed.

Asking the gate 48 times for each of six actions for a million cases would take hours, so the cases are
grouped. With no recent history and no flag that the pack acts on, the gate's answer depends only on
the pack, the plausible time zones (from the debtor's phones, address and stated zone) and the
scheduling zone: such cases share the masks of their group, computed once by asking the gate hour by
hour. The other cases are asked about one by one, from their stored facts and history:

- a flag the pack acts on (cease, deceased, bankruptcy, disputed, attorney, opted-out channels) or any
  open hold (table holds: hardship, breathing space ... with its end) shows at the first hour asked
  about, and blocks every hour (a hold that ends during the plan day blocks the whole day: fail closed);
  a case with an open dispute of one of its accounts is asked about here too, about its first open
  account no dispute stops (`collectible_account`), so that a case whose every account is disputed is
  refused and one with another account to collect is not;
- history (call-frequency, post-conversation, daily-call-cap: call rules only) blocks calls from `now`
  until some instant, never later in the day once lifted, because no new event enters the history; so
  the call mask is the group's mask from the first hour the gate allows on, found with the gate's own
  `next_allowed_at`;
- designated inconvenient times, and consent (which lifts the call-count rules for a while and lets
  them block again), break that shape: those cases are asked about every hour, as the reference does.
- a debtor linked to a person that other creditors placed too (FLAG_BITS "linked") is asked about
  alone, like a case with history: the person's other placements add facts and calls (debtor_facts and
  gate_history merge them) that its own counts and flags do not show; inconvenient times that come
  from another placement make it exhaustive.

`reference_rows` asks about every case, action and hour with no grouping at all; it is the
specification the grouped path must equal, and the tests compare the two on random portfolios.

This module reads nothing: `allowed_frame` runs the steps and a GateReader gives what they ask for between
them (services/gate_inputs.py from the database, simulate/gate_inputs.py from the simulated world):
`plan_allowed` groups and triages the portfolio, `special_cases` picks the cases asked about one by one,
whose facts and history (CaseInputs) `allowed_rows` then asks about.
The hours are asked about in strategy/hour_masks.py, the groups found in strategy/gate_groups.py and the
stored rows read as the gate's objects in strategy/gate_facts.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import polars as pl

from huikuan.compliance import HistoryEvent, Pack
from huikuan.compliance.model import Debt, DebtorFacts
from huikuan.domain.enums import Channel, Direction
from huikuan.domain.portfolio import QUARTER, Portfolio
from huikuan.strategy.api import ALLOWED_SCHEMA
from huikuan.strategy.gate_facts import case_debt, creditor_pack, debt_id, party_id
from huikuan.strategy.gate_groups import Group, PackInfo, case_groups, group_masks, pack_infos, triage
from huikuan.strategy.hour_masks import (
    ACTION_CHANNELS,
    Hour,
    Mask,
    Subject,
    case_mask,
    day_hours,
    exhaustive_mask,
    request_maker,
)

_CASE_COLUMNS = ("case_id", "debtor_id", "creditor_id", "time_zone", "first_account")


@dataclass(frozen=True)
class AllowedPlan:
    """The first step of the ALLOWED frame, read from the portfolio alone: each creditor's pack, each
    case's group (keyed: case_id, group), the groups and their masks, and the triage of the cases."""

    portfolio: Portfolio
    infos: dict[int, PackInfo]
    keyed: pl.DataFrame
    groups: list[Group]
    masks: pl.DataFrame
    triage: pl.DataFrame


@dataclass(frozen=True)
class CaseInputs:
    """What the gate is asked about for the cases asked about one by one, from their stored rows: each
    debtor's facts, the history by party id, each case's debts, and each case's collected account with
    whether a dispute stops it (services/gate_inputs.py reads them)."""

    facts: dict[int, DebtorFacts]
    history: dict[str, list[HistoryEvent]]
    debts: dict[int, list[Debt]]
    accounts_of: dict[int, tuple[int, bool]]


class GateReader(Protocol):
    """Where the ALLOWED frame's steps get what they ask for beyond the portfolio: the database
    (services/gate_inputs.py) or the simulated world (simulate/gate_inputs.py)."""

    def awaiting_validation(self, plan: AllowedPlan) -> set[int]:
        """The cases awaiting a validation notice that someone has communicated with."""
        ...

    def case_inputs(self, plan: AllowedPlan, special: pl.DataFrame) -> CaseInputs:
        """The facts, history, debts and collected accounts of the cases asked about one by one."""
        ...


def allowed_frame(portfolio: Portfolio, reader: GateReader) -> pl.DataFrame:
    """The ALLOWED frame (ALLOWED_SCHEMA): one row per plannable case and contact action, by the steps
    below, with what `reader` gives for the cases asked about one by one."""
    if portfolio.cases.height == 0:
        return pl.DataFrame(schema=ALLOWED_SCHEMA)
    plan = plan_allowed(portfolio)
    special = special_cases(plan, reader.awaiting_validation(plan))
    inputs = reader.case_inputs(plan, special) if special.height else None
    return allowed_rows(plan, special, inputs)


def plan_allowed(portfolio: Portfolio) -> AllowedPlan:
    """Groups and triages the portfolio's cases (not empty) and asks the gate about each group's hours."""
    infos = pack_infos(portfolio)
    keyed, groups = case_groups(portfolio, infos)
    masks = group_masks(groups, portfolio)
    return AllowedPlan(portfolio, infos, keyed, groups, masks, triage(portfolio, infos))


def validation_creditors(plan: AllowedPlan) -> list[int]:
    """The creditors whose pack enables validation-notice: their cases awaiting a notice that someone has
    communicated with are asked about hour by hour (storage.gate_inputs.awaiting_validation)."""
    return [cid for cid, info in plan.infos.items() if info.pack.enabled("validation-notice")]


def special_cases(plan: AllowedPlan, waiting: set[int]) -> pl.DataFrame:
    """The cases asked about one by one (with their group, the triage's reasons and the columns of
    _CASE_COLUMNS); `waiting`: the cases awaiting a validation notice, asked about hour by hour."""
    found = plan.triage
    if waiting:
        # A validation notice not sent blocks every channel once due: such cases are asked hour by hour.
        found = found.with_columns(pl.col("exhaustive") | pl.col("case_id").is_in(sorted(waiting)))
    special = found.filter(pl.col("facts") | pl.col("history") | pl.col("exhaustive"))
    return special.join(plan.keyed, on="case_id").join(
        plan.portfolio.cases.select(_CASE_COLUMNS), on="case_id"
    )


def history_since(plan: AllowedPlan) -> datetime:
    """How far back the history of a case with history is read: the longest lookback, and a day more."""
    back = max(info.lookback_quarters for info in plan.infos.values()) * QUARTER
    return plan.portfolio.now - timedelta(seconds=back + 86_400)


def unvalidated_debtors(cases: pl.DataFrame, debts: dict[int, list[Debt]]) -> list[int]:
    """The debtors of the cases with a validation notice not sent: the validation-notice rule reads the
    first communication ever, so such cases get their whole history."""
    return [d for c, d in zip(cases["case_id"], cases["debtor_id"], strict=True) if _unvalidated(debts, c)]


def allowed_rows(plan: AllowedPlan, special: pl.DataFrame, inputs: CaseInputs | None) -> pl.DataFrame:
    """The ALLOWED frame (ALLOWED_SCHEMA): one row per plannable case and contact action; `special` and
    `inputs` as `special_cases` and services/gate_inputs.py give them (no inputs: no special case)."""
    rows = plan.keyed.join(plan.masks, on="group").drop("group")
    if special.height and inputs is not None:
        own = _per_case(plan, special, inputs)
        kept = rows.join(own.select("case_id", "action"), on=["case_id", "action"], how="anti")
        rows = pl.concat([kept, own])
    return rows.select([pl.col(k).cast(v) for k, v in ALLOWED_SCHEMA.items()])


def _per_case(plan: AllowedPlan, cases: pl.DataFrame, inputs: CaseInputs) -> pl.DataFrame:
    """The gate asked about each special case, from its stored facts and recent history.

    A case special for its flags alone (no history that can block, no designated times) is answered
    like every case of its group with the same flags: the gate is asked once per (group, flags). So is a
    case with designated times whose history cannot change the answer (`_history_matters`), once per
    (group, facts, debt).
    """
    asker = _CaseAsker(plan, inputs)
    out: dict[str, list[Any]] = {"case_id": [], "action": [], "hour_mask": [], "rule": []}
    wanted = cases.select(
        "case_id", "history", "exhaustive", "debtor_id", "creditor_id", "time_zone", "first_account", "group"
    )
    for case_id, recent, exhaustive, debtor, creditor, zone, _first, group in wanted.iter_rows():
        for action, (mask, rule) in asker.masks(case_id, recent, exhaustive, debtor, creditor, zone, group):
            out["case_id"].append(case_id)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    return pl.DataFrame(out, schema=ALLOWED_SCHEMA)


class _CaseAsker:
    """Asks the gate about one special case's actions, and keeps the answers cases share."""

    def __init__(self, plan: AllowedPlan, inputs: CaseInputs) -> None:
        self.plan = plan
        self.inputs = inputs
        self.group_masks = {(g, a): (m, r) for g, a, m, r in plan.masks.iter_rows()}
        self.hours_of: dict[str, tuple[Hour, ...]] = {}
        self.shared: dict[tuple[Any, ...], Mask] = {}

    def masks(
        self, case_id: int, recent: bool, exhaustive: bool, debtor: int, creditor: int, zone: str, group: int
    ) -> list[tuple[str, Mask]]:
        """Each contact action's mask and rule for the case."""
        inputs = self.inputs
        if zone not in self.hours_of:
            self.hours_of[zone] = day_hours(self.plan.portfolio.day, zone, self.plan.portfolio.now)
        own = inputs.history.get(party_id(debtor), [])
        facts, pack = inputs.facts[debtor], self.plan.infos[creditor].pack
        # Times designated in another placement of the person reach this case through the merged facts.
        if facts.inconvenient_times and pack.enabled("designated-inconvenient-time"):
            exhaustive = True
        account, owed = inputs.accounts_of[case_id]
        debt = replace(case_debt(account, inputs.debts.get(case_id, ())), disputed=owed)
        case = _Case(debtor, facts, account, debt, own, pack, self.hours_of[zone])
        if recent or (exhaustive and _history_matters(own, debt)):
            return [(a, self._alone(case, a, group, exhaustive)) for a in ACTION_CHANNELS]
        if exhaustive:
            return [(a, self._alike_facts(case, a, group)) for a in ACTION_CHANNELS]
        return [(a, self._alike_flags(case, a, group)) for a in ACTION_CHANNELS]

    def _alone(self, case: _Case, action: str, group: int, exhaustive: bool) -> Mask:
        """Asked about with its own request and history."""
        channel = ACTION_CHANNELS[action]
        maker = request_maker(case.debtor, case.facts, channel, case.account, case.debt)
        subject = Subject(maker, case.history, case.pack)
        if exhaustive:
            return exhaustive_mask(subject, case.hours, self.plan.portfolio.day)
        return case_mask(subject, case.hours, self.group_masks[(group, action)], channel is Channel.CALL)

    def _alike_facts(self, case: _Case, action: str, group: int) -> Mask:
        """Asked about every hour once for the cases of the group with the same facts and debt (its
        history cannot change the answer, and the ids only match history)."""
        key = ("facts", group, case.facts, replace(case.debt, id=""), action)
        if key not in self.shared:
            nobody = replace(case.debt, id=debt_id(0))
            subject = Subject(request_maker(0, case.facts, ACTION_CHANNELS[action], 0, nobody), (), case.pack)
            self.shared[key] = exhaustive_mask(subject, case.hours, self.plan.portfolio.day)
        return self.shared[key]

    def _alike_flags(self, case: _Case, action: str, group: int) -> Mask:
        """Answered like every case of the group with the same flags (facts alone make it special)."""
        flags, owed = case.facts.flags, bool(case.debt.disputed)
        key = ("flags", group, flags, owed, action)
        if key not in self.shared:
            template = self.plan.groups[group].facts
            alike = DebtorFacts(template.phones, template.address, template.time_zone, (), flags)
            channel = ACTION_CHANNELS[action]
            maker = request_maker(0, alike, channel, 0, Debt(debt_id(0), disputed=owed))
            subject = Subject(maker, (), case.pack)
            group_mask = self.group_masks[(group, action)]
            self.shared[key] = case_mask(subject, case.hours, group_mask, channel is Channel.CALL)
        return self.shared[key]


@dataclass(frozen=True)
class _Case:
    """One special case as its requests are made: debtor, facts, account, debt, history, pack, hours."""

    debtor: int
    facts: DebtorFacts
    account: int
    debt: Debt
    history: Sequence[HistoryEvent]
    pack: Pack
    hours: tuple[Hour, ...]


def _history_matters(own: Sequence[HistoryEvent], debt: Debt) -> bool:
    """Whether a case the triage finds no history of (no call count near a limit, no conversation, no
    consent) may still be answered otherwise for its history: a validation notice not sent (the first
    communication counts) or a contact the debtor started (one reply in a designated inconvenient time)."""
    return debt.validation_sent is False or any(e.direction is Direction.INBOUND for e in own)


def _unvalidated(debts: dict[int, list[Debt]], case_id: int) -> bool:
    return any(d.validation_sent is False for d in debts.get(case_id, ()))


def plan_violations(
    plan: pl.DataFrame, allowed: pl.DataFrame, cases: pl.DataFrame, day: date, now: datetime | None = None
) -> pl.DataFrame:
    """The planned contacts the gate's hours do not allow (an empty frame when every one is allowed).

    A contact with a time must start on the plan day, in an hour of its action's mask (local to the
    case's scheduling zone), and not before `now` (the masks say nothing of the past); one without a
    time (a letter) needs a mask with some hour. A contact with no row in `allowed` is not allowed.
    """
    contacts = (
        plan.filter(pl.col("action") != "none")
        .select("case_id", "action", "slot_start")
        .join(cases.select("case_id", "time_zone"), on="case_id", how="left")
        .join(allowed.select("case_id", "action", "hour_mask"), on=["case_id", "action"], how="left")
        .with_columns(pl.col("hour_mask").fill_null(0).cast(pl.Int64), pl.col("time_zone").fill_null("UTC"))
    )
    if contacts.height == 0:
        return contacts
    parts = []
    for (zone,), part in contacts.partition_by("time_zone", as_dict=True).items():
        local = pl.col("slot_start").dt.convert_time_zone(str(zone))
        parts.append(
            part.with_columns(local.dt.date().alias("_date"), local.dt.hour().cast(pl.Int64).alias("_hour"))
        )
    checked = pl.concat(parts)
    in_mask = (pl.col("hour_mask") // pl.lit(2, dtype=pl.Int64).pow(pl.col("_hour"))) % 2 == 1
    on_time = pl.lit(True) if now is None else pl.col("slot_start") >= pl.lit(now.astimezone(UTC))
    ok = (
        pl.when(pl.col("slot_start").is_null())
        .then(pl.col("hour_mask") > 0)
        .otherwise((pl.col("_date") == day) & in_mask & on_time)
    )
    return checked.filter(~ok.fill_null(False)).drop("_date", "_hour").sort("case_id")


def reference_cases(portfolio: Portfolio) -> pl.DataFrame:
    """The cases the reference asks about: every plannable case (the columns of _CASE_COLUMNS)."""
    return portfolio.cases.select(_CASE_COLUMNS)


def reference_rows(portfolio: Portfolio, inputs: CaseInputs) -> pl.DataFrame:
    """The specification: the gate asked about every case, action and hour, with no grouping at all
    (`inputs`: the stored facts and whole history of every case of `reference_cases`)."""
    cases = reference_cases(portfolio)
    facts, history, debts, accounts_of = inputs.facts, inputs.history, inputs.debts, inputs.accounts_of
    packs = {cid: creditor_pack(c["pack"], c["pack_overrides"]) for cid, c in portfolio.creditors.items()}
    out: dict[str, list[Any]] = {"case_id": [], "action": [], "hour_mask": [], "rule": []}
    for case_id, debtor, creditor, zone, _first in cases.iter_rows():
        hours = day_hours(portfolio.day, zone, portfolio.now)
        account, owed = accounts_of[case_id]
        debt = replace(case_debt(account, debts.get(case_id, ())), disputed=owed)
        for action, channel in ACTION_CHANNELS.items():
            own = history.get(party_id(debtor), [])
            maker = request_maker(debtor, facts[debtor], channel, account, debt)
            subject = Subject(maker, own, packs[creditor], compiled=False)
            mask, rule = exhaustive_mask(subject, hours, portfolio.day)
            out["case_id"].append(case_id)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    return pl.DataFrame(out, schema=ALLOWED_SCHEMA).sort("case_id", "action")


__all__ = [
    "AllowedPlan",
    "CaseInputs",
    "GateReader",
    "allowed_frame",
    "allowed_rows",
    "history_since",
    "plan_allowed",
    "plan_violations",
    "reference_cases",
    "reference_rows",
    "special_cases",
    "unvalidated_debtors",
    "validation_creditors",
]
