"""The rows the demo's history is made of, and how one is written: a case as the simulator knows it, its
state at the end, the column lists of interactions, promises and payments, and the `Recorder` that
appends to them (an interaction at a debtor's local time, a payment into the accounts, a promise and what
became of it, the next action)."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.demo.gate_door import CaseGate
from huikuan.demo.outcomes import (
    CALL_HOUR_CUM,
    CALL_HOURS,
    CN_METHODS,
    GOALS,
    NOTES,
    PROMISE_KEPT,
    PROMISE_PARTLY,
    US_METHODS,
)
from huikuan.demo.portfolio import HISTORY_DAYS, DemoCreditor, DemoDebtor
from huikuan.domain.days import day_start, local_day
from huikuan.domain.enums import CaseStage, Channel, Direction, Outcome, PromiseStatus


@dataclass
class CaseInput:
    """What the simulator knows of a case once the placement is imported."""

    case_id: int
    debtor_id: int
    creditor: DemoCreditor
    debtor: DemoDebtor
    accounts: list[tuple[int, str, int]]  # account id, external ref, balance
    overdue_since: date
    phone_point: int | None
    contacts: list[tuple[int, int | None]]  # party id, its phone's contact point
    collector: int | None
    gate: CaseGate | None = None  # the door to the gate, read after the import (gate_door.read_case_gates)


@dataclass
class CaseState:
    stage: CaseStage
    collector: int | None
    next_channel: str | None = None
    next_goal: str | None = None
    next_due: datetime | None = None
    disputed: bool = False
    disputed_at: datetime | None = None
    cease: bool = False
    hardship: bool = False
    employer_prohibits: bool = False
    phone_status: str | None = None
    # When a dispute or a cease request changed the facts the gate reads: kept as a version from then.
    facts_changed_at: datetime | None = None


@dataclass
class History:
    """Column lists of the rows the simulation makes: cheap to append, turned into frames at the end."""

    interactions: dict[str, list[Any]] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "case_id",
                "debtor_id",
                "party_id",
                "contact_point_id",
                "user_id",
                "at",
                "channel",
                "direction",
                "outcome",
                "goal",
                "goal_met",
                "notes",
                "duration_s",
            )
        }
    )
    promises: dict[str, list[Any]] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "case_id",
                "amount",
                "currency",
                "due_date",
                "created_at",
                "created_by",
                "status",
                "paid_amount",
                "resolved_at",
            )
        }
    )
    payments: dict[str, list[tuple[datetime, str, int, str]]] = field(default_factory=dict)
    states: dict[int, CaseState] = field(default_factory=dict)


class Recorder:
    """Writes the history of the cases played: `today` is the floor's (in `zone`); a case's history stops
    where that day begins, which on the debtor's clock may still be the day before (a US evening is the
    next morning in Shanghai)."""

    def __init__(
        self, rng: random.Random, today: date, history: History | None = None, *, zone: str = "Asia/Shanghai"
    ) -> None:
        self.rng = rng
        self.today = today
        self.begins = day_start(today, zone)
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.out = history or History()
        self._last_at: tuple[int, date, int, datetime] | None = None

    def _first_day_not_played(self, c: CaseInput) -> date:
        """The debtor's date when the floor's today begins: the case's history ends the day before."""
        return local_day(self.begins, c.debtor.zone)

    # Recording -----------------------------------------------------------------------------------

    def _at(self, c: CaseInput, day: date, minute: int) -> datetime:
        """The instant of the case's local `minute` of `day`, its second drawn once: what happens in the
        same minute (the gate's question, the contact, the promise made in it) happens at one instant."""
        last = self._last_at
        if last is not None and last[:3] == (c.case_id, day, minute):
            return last[3]
        clock = time(minute // 60, minute % 60, self.rng.randrange(60))
        at = datetime.combine(day, clock, ZoneInfo(c.debtor.zone)).astimezone(UTC)
        self._last_at = (c.case_id, day, minute, at)
        return at

    def _allowed(
        self, c: CaseInput, day: date, minute: int, channel: Channel, party: int | None = None
    ) -> bool:
        """Whether the real gate allows this outbound contact at that minute, after the case's contacts
        recorded so far (a case with no door is not asked: the caller checks no rule)."""
        if c.gate is None:
            return True
        return c.gate.allows(self._at(c, day, minute), channel, party)

    def _record(
        self,
        c: CaseInput,
        day: date,
        minute: int,
        channel: Channel,
        outcome: Outcome,
        *,
        direction: Direction = Direction.OUTBOUND,
        goal: str | None = None,
        goal_met: bool | None = None,
        party: int | None = None,
        point: int | None = None,
        user: int | None = None,
        duration: int = 0,
        notes: str | None = None,
    ) -> None:
        at = self._at(c, day, minute)
        if c.gate is not None:
            c.gate.made(at, channel, direction, outcome, party)
        i = self.out.interactions
        i["case_id"].append(c.case_id)
        i["debtor_id"].append(c.debtor_id)
        i["party_id"].append(party)
        i["contact_point_id"].append(point)
        i["user_id"].append(user)
        i["at"].append(at)
        i["channel"].append(channel.value)
        i["direction"].append(direction.value)
        i["outcome"].append(outcome.value)
        i["goal"].append(goal)
        i["goal_met"].append(goal_met)
        i["notes"].append(notes if notes is not None else NOTES[c.debtor.language].get(outcome, ""))
        i["duration_s"].append(duration)

    def _minutes(self, n: int) -> list[int]:
        """n call times on one day, in distinct hours of the floor's working day (08:00 to 20:45 local);
        the gate says which of them may be called."""
        hours: list[int] = []
        while len(hours) < n:
            hour = CALL_HOURS[bisect.bisect(CALL_HOUR_CUM, self.rng.random() * CALL_HOUR_CUM[-1])]
            if hour not in hours:
                hours.append(hour)
        return sorted(h * 60 + self.rng.randint(0, 45 if h == 20 else 59) for h in hours)

    def _amount_text(self, c: CaseInput, minor: int) -> str:
        if c.creditor.currency == "USD":
            return f"${minor / 100:,.2f}"
        return f"{minor / 100:,.2f}元"

    # Money ---------------------------------------------------------------------------------------

    def _pay(self, c: CaseInput, balances: list[int], amount: int, day: date, minute: int) -> int:
        """Pays `amount` into the case's accounts in order, one payment per account touched."""
        paid = 0
        local = datetime.combine(day, time(minute // 60, minute % 60, self.rng.randrange(60)))
        methods = US_METHODS if c.creditor.region == "US" else CN_METHODS
        method = self.rng.choice(methods)
        for k, (_account_id, ref, _balance) in enumerate(c.accounts):
            take = min(balances[k], amount - paid)
            if take <= 0:
                continue
            balances[k] -= take
            paid += take
            self.out.payments.setdefault(c.creditor.code, []).append((local, ref, take, method))
        return paid

    def _promise_amount(self, c: CaseInput, remaining: int) -> int:
        unit = 10_000 if c.creditor.currency == "CNY" else 5_000  # 100 yuan, 50 dollars
        if remaining <= 10 * unit or self.rng.random() < 0.1:
            return remaining
        return max(unit, min(remaining, round(remaining * self.rng.uniform(0.05, 0.4) / unit) * unit))

    # Messages, promises, the next action ---------------------------------------------------------

    def _sms(self, c: CaseInput, day: date, minute: int) -> None:
        if not self._allowed(c, day, minute, Channel.SMS):
            return
        outcome = Outcome.DELIVERED if self.rng.random() < 0.95 else Outcome.FAILED
        self._record(
            c,
            day,
            minute,
            Channel.SMS,
            outcome,
            goal=GOALS["sms"],
            point=c.phone_point,
            notes=f"【{c.creditor.name}】还款提醒短信{NOTES['zh'][outcome]}",
        )

    def _promise(
        self, c: CaseInput, balances: list[int], day: date, minute: int, amount: int, due: date
    ) -> None:
        """A promise, and what became of it if its due date has passed: kept, partly kept or broken."""
        rng = self.rng
        p = self.out.promises
        status, paid, resolved = PromiseStatus.PENDING, 0, None
        if due < self._first_day_not_played(c):
            roll = rng.random()
            pay_day = day + timedelta(days=rng.randint(0, (due - day).days))
            pay_minute = rng.randint(minute + 10, 1439) if pay_day == day else rng.randint(0, 1439)
            if roll < PROMISE_KEPT:
                paid = self._pay(c, balances, amount, pay_day, pay_minute)
            elif roll < PROMISE_KEPT + PROMISE_PARTLY:
                part = max(100, round(amount * rng.uniform(0.3, 0.7) / 100) * 100)
                paid = self._pay(c, balances, part, pay_day, pay_minute)
            if paid >= amount:
                status = PromiseStatus.KEPT
                resolved = self.out.payments[c.creditor.code][-1][0]
            elif paid > 0:
                status = PromiseStatus.PARTLY_KEPT
                resolved = datetime.combine(due + timedelta(days=1), time(0, 5))
            else:
                status = PromiseStatus.BROKEN
                resolved = datetime.combine(due + timedelta(days=1), time(0, 5))
        p["case_id"].append(c.case_id)
        p["amount"].append(amount)
        p["currency"].append(c.creditor.currency)
        p["due_date"].append(due)
        p["created_at"].append(self._at(c, day, minute))
        p["created_by"].append(c.collector)
        p["status"].append(status.value)
        p["paid_amount"].append(paid)
        p["resolved_at"].append(
            resolved.replace(tzinfo=ZoneInfo(c.debtor.zone)).astimezone(UTC) if resolved else None
        )

    def _cancel_running_promise(self, c: CaseInput, day: date, minute: int) -> None:
        """A new promise or a dispute replaces the case's promise still running (the last one made)."""
        p = self.out.promises
        if p["case_id"] and p["case_id"][-1] == c.case_id and p["status"][-1] == PromiseStatus.PENDING.value:
            p["status"][-1] = PromiseStatus.CANCELLED.value
            p["resolved_at"][-1] = self._at(c, day, minute)

    def _last_promise_broken(self) -> bool:
        return bool(self.out.promises["status"][-1] == PromiseStatus.BROKEN.value)

    def _next(self, c: CaseInput, state: CaseState, channel: Channel, goal: str, day: date) -> None:
        state.next_channel = channel.value
        state.next_goal = goal
        hour = self.rng.choice((9, 10, 11, 14, 15, 16, 17, 18, 19))
        state.next_due = self._at(c, max(day, self.today), hour * 60 + self.rng.choice((0, 15, 30, 45)))
