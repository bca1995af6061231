"""The demo's 90 days of history, simulated per case within the contact rules (08:00-21:00 local; at
most three connected calls a day in China; at most seven call attempts in seven days and none in the week
after a conversation in the US): calls, SMS, letters, visits, promises and payments."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.demo.portfolio import HISTORY_DAYS, VALIDATION_MAILED, DemoCreditor, DemoDebtor
from huikuan.domain.days import day_start, local_day
from huikuan.domain.enums import (
    CaseStage,
    Channel,
    ContactStatus,
    Direction,
    Outcome,
    PromiseStatus,
)
from huikuan.domain.goals import Goal

# --- the history ---------------------------------------------------------------------------------

CALL_HOURS = tuple(range(8, 21))
US_CALL_HOURS = (10, 18)  # the first and last local hour of a US call
CALL_HOUR_CUM = list(accumulate((1, 3, 4, 3, 1, 1, 3, 3, 3, 4, 4, 4, 2)))
# What one call attempt comes to; None is a right-party conversation, drawn from RPC_OUTCOMES.
_O = Outcome
CN_ATTEMPTS = (
    (_O.NO_ANSWER, 45),
    (_O.BUSY, 10),
    (_O.VOICEMAIL, 3),
    (_O.NOT_CONNECTED, 12),
    (_O.WRONG_PARTY, 3),
    (_O.THIRD_PARTY, 5),
    (None, 22),
)
US_ATTEMPTS = (
    (_O.NO_ANSWER, 40),
    (_O.VOICEMAIL, 25),
    (_O.BUSY, 5),
    (_O.NOT_CONNECTED, 5),
    (_O.WRONG_PARTY, 2),
    (_O.THIRD_PARTY, 3),
    (None, 20),
)
RPC_OUTCOMES = (
    (_O.PROMISE, 70),
    (_O.REFUSES, 55),
    (_O.CALLBACK, 50),
    (_O.HARDSHIP, 10),
    (_O.DISPUTES, 1),
    (_O.PAID, 10),
)
# A debtor who disputes the debt mostly says so the first time a collector gets through.
FIRST_RPC_OUTCOMES = (
    (_O.PROMISE, 30),
    (_O.REFUSES, 28),
    (_O.CALLBACK, 26),
    (_O.HARDSHIP, 5),
    (_O.DISPUTES, 3),
    (_O.PAID, 3),
)
CONTACT_ATTEMPTS = ((_O.THIRD_PARTY, 45), (_O.NO_ANSWER, 45), (_O.WRONG_PARTY, 10))
VISIT_OUTCOMES = ((_O.THIRD_PARTY, 40), (_O.PROMISE, 25), (_O.REFUSES, 20), (_O.HARDSHIP, 15))
PROMISE_KEPT, PROMISE_PARTLY = 0.6, 0.1  # calibration.md: kept 0.5-0.7; the rest are broken
CONVERSATIONS = frozenset(
    {Outcome.PROMISE, Outcome.PAID, Outcome.REFUSES, Outcome.DISPUTES, Outcome.HARDSHIP, Outcome.CALLBACK}
)

# The goal of each kind of contact the demo's history makes (codes of domain/goals.py).
GOALS = {
    "first": Goal.VERIFY_IDENTITY,
    "promise": Goal.OBTAIN_PROMISE,
    "follow": Goal.CHECK_PROMISED_PAYMENT,
    "broken": Goal.PROMISE_BROKEN,
    "callback": Goal.CALL_BACK,
    "locate": Goal.LOCATE_DEBTOR,
    "sms": Goal.PAYMENT_REMINDER,
    "email": Goal.PAYMENT_REMINDER,
    "letter": Goal.SEND_NOTICE,
    "visit": Goal.VISIT_ASSESS,
    "hardship": Goal.ASSESS_HARDSHIP,
    "dispute": Goal.REVIEW_DISPUTE,
    "inbound": Goal.TAKE_INBOUND_CALL,
}
NOTES = {
    "zh": {
        Outcome.NO_ANSWER: "无人接听",
        Outcome.BUSY: "占线",
        Outcome.VOICEMAIL: "转语音信箱，未留言",
        Outcome.NOT_CONNECTED: "关机或停机",
        Outcome.WRONG_PARTY: "非本人，对方称不认识债务人",
        Outcome.THIRD_PARTY: "他人接听，已请其转告回电，未透露欠款",
        Outcome.PROMISE: "承诺{due}前还款{amount}",
        Outcome.PAID: "称已还款{amount}，待核实到账",
        Outcome.REFUSES: "拒绝还款，态度强硬",
        Outcome.DISPUTES: "对欠款金额有异议，要求提供明细",
        Outcome.HARDSHIP: "称失业或患病，暂无还款能力",
        Outcome.CALLBACK: "约定稍后回电",
        Outcome.DELIVERED: "已送达",
        Outcome.FAILED: "发送失败",
    },
    "en": {
        Outcome.NO_ANSWER: "No answer",
        Outcome.BUSY: "Busy",
        Outcome.VOICEMAIL: "Limited-content message left",
        Outcome.NOT_CONNECTED: "Number not in service",
        Outcome.WRONG_PARTY: "Wrong number; does not know the debtor",
        Outcome.THIRD_PARTY: "Third party answered; asked for a call back, debt not disclosed",
        Outcome.PROMISE: "Promised {amount} by {due}",
        Outcome.PAID: "Says {amount} was paid; to be confirmed",
        Outcome.REFUSES: "Refuses to pay",
        Outcome.DISPUTES: "Disputes the debt; verification requested",
        Outcome.HARDSHIP: "Lost job / medical bills; cannot pay now",
        Outcome.CALLBACK: "Asked to be called back",
        Outcome.DELIVERED: "Delivered",
        Outcome.FAILED: "Not delivered",
    },
}
SETTLED = {"zh": "称已全部结清，核实到账", "en": "Says the balance is paid in full; payment confirmed"}
CN_METHODS = ("银行转账", "微信支付", "支付宝", "银联代扣")
US_METHODS = ("ACH", "debit card", "check")


def _draw(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    roll = rng.random() * sum(w for _v, w in table)
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]


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


class Simulator:
    """Plays 90 days of a collection floor over each case, one at a time, from one random stream.

    `today` is the floor's (in `zone`); a case's history stops where that day begins, which on the
    debtor's clock may still be the day before (a US evening is the next morning in Shanghai)."""

    def __init__(
        self, rng: random.Random, today: date, history: History | None = None, *, zone: str = "Asia/Shanghai"
    ) -> None:
        self.rng = rng
        self.today = today
        self.begins = day_start(today, zone)
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.out = history or History()

    def _first_day_not_played(self, c: CaseInput) -> date:
        """The debtor's date when the floor's today begins: the case's history ends the day before."""
        return local_day(self.begins, c.debtor.zone)

    # Recording -----------------------------------------------------------------------------------

    def _at(self, c: CaseInput, day: date, minute: int) -> datetime:
        clock = time(minute // 60, minute % 60, self.rng.randrange(60))
        return datetime.combine(day, clock, ZoneInfo(c.debtor.zone)).astimezone(UTC)

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
        i = self.out.interactions
        i["case_id"].append(c.case_id)
        i["debtor_id"].append(c.debtor_id)
        i["party_id"].append(party)
        i["contact_point_id"].append(point)
        i["user_id"].append(user)
        i["at"].append(self._at(c, day, minute))
        i["channel"].append(channel.value)
        i["direction"].append(direction.value)
        i["outcome"].append(outcome.value)
        i["goal"].append(goal)
        i["goal_met"].append(goal_met)
        i["notes"].append(notes if notes is not None else NOTES[c.debtor.language].get(outcome, ""))
        i["duration_s"].append(duration)

    def _minutes(self, n: int, *, us: bool = False) -> list[int]:
        """n call times on one day, in distinct hours between 08:00 and 20:45 local; in the US between
        10:00 and 18:59, so that they are within the contact hours in every zone the gate finds plausible
        for the debtor (a phone's area code and an address may be a zone or two apart)."""
        hours: list[int] = []
        while len(hours) < n:
            hour = CALL_HOURS[bisect.bisect(CALL_HOUR_CUM, self.rng.random() * CALL_HOUR_CUM[-1])]
            if us and not US_CALL_HOURS[0] <= hour <= US_CALL_HOURS[1]:
                continue
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

    # One case ------------------------------------------------------------------------------------

    def run(self, c: CaseInput) -> None:
        rng, today = self.rng, self._first_day_not_played(c)
        us = c.creditor.region == "US"
        lang = c.debtor.language
        goals = GOALS
        state = CaseState(CaseStage.CONTACTING, c.collector)
        state.employer_prohibits = us and c.debtor.employer is not None and rng.random() < 0.05
        self.out.states[c.case_id] = state
        balances = [balance for _id, _ref, balance in c.accounts]
        overdue = c.overdue_since
        day = max(self.start, overdue + timedelta(days=rng.randint(3, 15)))
        if day >= today or rng.random() < 0.05:  # placed lately: not worked yet
            state.stage = CaseStage.NEW
            if rng.random() < 0.3:
                state.collector = None
            self._next(c, state, Channel.CALL, goals["first"], today)
            return

        user = c.collector
        p_call = rng.uniform(0.12, 0.3) if us else rng.uniform(0.12, 0.35)
        quiet_until = day  # no collection calls before this day
        contact_after = day
        goal = "first"
        pending: tuple[date, int] | None = None  # due date, amount of a promise still running
        bad_streak = 0
        talked_before = False
        inbound_on: date | None = None
        asked: set[int] = set()  # the third parties called for location
        cease_on = day + timedelta(days=rng.randint(5, 60)) if us and rng.random() < 0.03 else None
        visit_on = (
            day + timedelta(days=rng.randint(10, 80))
            if not us and sum(balances) > 3_000_000 and rng.random() < 0.08
            else None
        )
        letter_on = (
            day + timedelta(days=rng.randint(0, 60))
            if not us and (today - overdue).days > 180 and rng.random() < 0.04
            else None
        )
        pay_on = day + timedelta(days=rng.randint(0, 89)) if rng.random() < 0.02 else None

        if us:  # Regulation F: the validation notice goes out with the first communication
            self._record(
                c,
                day,
                rng.randint(9 * 60, 16 * 60),
                Channel.LETTER,
                Outcome.DELIVERED,
                goal=goals["letter"],
                notes=VALIDATION_MAILED,
            )
            quiet_until = day + timedelta(days=1)

        def conversation(
            outcome: Outcome,
            when: date,
            minute: int,
            duration: int,
            channel: Channel,
            direction: Direction,
            current_goal: str,
        ) -> bool:
            """Records a right-party conversation and its consequences; False ends the case's work."""
            nonlocal quiet_until, pending, goal, talked_before
            talked_before = True
            remaining = sum(balances)
            notes = None
            point = c.phone_point if channel is Channel.CALL else None
            if outcome in (Outcome.PROMISE, Outcome.DISPUTES, Outcome.HARDSHIP):
                self._cancel_running_promise(c, when, minute)
            if remaining == 0 and outcome in (Outcome.PROMISE, Outcome.PAID):
                # Everything was paid already (a promise's payment is booked when it is made).
                self._record(
                    c,
                    when,
                    minute,
                    channel,
                    Outcome.PAID,
                    direction=direction,
                    goal=goals[current_goal],
                    goal_met=True,
                    point=point,
                    user=user,
                    duration=duration,
                    notes=SETTLED[lang],
                )
                state.stage = CaseStage.CLOSED
                return False
            met = outcome in (Outcome.PROMISE, Outcome.PAID) or (current_goal == "first")
            if outcome is Outcome.PROMISE:
                amount = self._promise_amount(c, remaining)
                due = when + timedelta(days=rng.randint(1, 10) if not us else rng.randint(3, 14))
                notes = NOTES[lang][outcome].format(due=due.isoformat(), amount=self._amount_text(c, amount))
                self._record(
                    c,
                    when,
                    minute,
                    channel,
                    outcome,
                    direction=direction,
                    goal=goals[current_goal],
                    goal_met=met,
                    point=point,
                    user=user,
                    duration=duration,
                    notes=notes,
                )
                self._promise(c, balances, when, minute, amount, due)
                pending = (due, amount)
                quiet_until = due + timedelta(days=1)
                return True
            if outcome is Outcome.PAID:
                amount = self._promise_amount(c, remaining)
                notes = NOTES[lang][outcome].format(amount=self._amount_text(c, amount))
            self._record(
                c,
                when,
                minute,
                channel,
                outcome,
                direction=direction,
                goal=goals[current_goal],
                goal_met=met,
                point=c.phone_point if channel is Channel.CALL else None,
                user=user,
                duration=duration,
                notes=notes,
            )
            if outcome is Outcome.PAID:
                self._pay(c, balances, amount, when, max(0, minute - rng.randint(60, 480)))
                quiet_until = when + timedelta(days=rng.randint(5, 10))
                goal = "promise"
            elif outcome is Outcome.REFUSES:
                quiet_until = when + timedelta(days=rng.randint(2, 5))
                goal = "promise"
            elif outcome is Outcome.CALLBACK:
                quiet_until = when + timedelta(days=rng.randint(1, 2))
                goal = "callback"
            elif outcome is Outcome.HARDSHIP:
                if rng.random() < 0.3:
                    state.hardship = True
                    state.facts_changed_at = self.out.interactions["at"][-1]
                    state.stage = CaseStage.HOLD
                    self._next(c, state, Channel.CALL, goals["hardship"], when + timedelta(days=30))
                    return False
                quiet_until = when + timedelta(days=rng.randint(7, 14))
                goal = "promise"
            elif outcome is Outcome.DISPUTES:
                state.disputed = True
                state.facts_changed_at = self.out.interactions["at"][-1]
                state.disputed_at = state.disputed_at or self._at(c, when, minute)
                state.stage = CaseStage.DISPUTE
                self._next(c, state, Channel.LETTER, goals["dispute"], max(today, when + timedelta(days=2)))
                return False
            return True

        while day < today:
            if sum(balances) == 0:
                break
            if cease_on == day:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 17 * 60),
                    Channel.LETTER,
                    Outcome.REFUSES,
                    direction=Direction.INBOUND,
                    notes="Written request to stop all communication",
                )
                state.cease = True
                state.facts_changed_at = self.out.interactions["at"][-1]
                state.stage = CaseStage.HOLD
                return
            if pay_on == day:  # paid without being asked, after a letter or a message
                self._pay(c, balances, self._promise_amount(c, sum(balances)), day, rng.randint(0, 1439))
                if sum(balances) == 0:
                    break
            if pending and day > pending[0]:
                goal = "broken" if self._last_promise_broken() else "promise"
                pending = None
            if letter_on == day:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 17 * 60),
                    Channel.LETTER,
                    Outcome.DELIVERED,
                    goal=goals["letter"],
                    notes="催收函已寄出（EMS）",
                )
            if visit_on == day and (pending is None) and day >= quiet_until:
                outcome = _draw(rng, VISIT_OUTCOMES)
                minute = rng.randint(9 * 60, 17 * 60)
                duration = rng.randint(900, 3600)
                if outcome in CONVERSATIONS:
                    if not conversation(
                        outcome, day, minute, duration, Channel.VISIT, Direction.OUTBOUND, "promise"
                    ):
                        return
                else:
                    self._record(
                        c,
                        day,
                        minute,
                        Channel.VISIT,
                        outcome,
                        goal=goals["visit"],
                        goal_met=False,
                        user=user,
                        duration=duration,
                        notes="家人在家，已留联系卡",
                    )
                day += timedelta(days=1)
                continue
            if inbound_on == day:
                outcome = _draw(rng, RPC_OUTCOMES if talked_before else FIRST_RPC_OUTCOMES)
                minute = rng.randint(9 * 60, 20 * 60)
                if not conversation(
                    outcome, day, minute, rng.randint(60, 600), Channel.CALL, Direction.INBOUND, "inbound"
                ):
                    return
                if us:
                    quiet_until = max(quiet_until, day + timedelta(days=8))
                day += timedelta(days=1)
                continue
            if day < quiet_until:
                if pending and not us and day == pending[0] - timedelta(days=1):
                    self._sms(c, day, rng.randint(9 * 60, 19 * 60))
                day += timedelta(days=1)
                continue
            roll = rng.random()
            if roll < p_call:
                askable = [x for x in c.contacts if not (us and x[0] in asked)]
                if bad_streak >= 3 and askable and day >= contact_after:
                    party, point = askable[rng.randrange(len(askable))]
                    asked.add(party)  # us-reg-f: a third party once only (third-party-repeat)
                    outcome = _draw(rng, CONTACT_ATTEMPTS)
                    self._record(
                        c,
                        day,
                        self._minutes(1, us=us)[0],
                        Channel.CALL,
                        outcome,
                        goal=goals["locate"],
                        goal_met=outcome is Outcome.THIRD_PARTY,
                        party=party,
                        point=point,
                        user=user,
                        duration=rng.randint(30, 180) if outcome is Outcome.THIRD_PARTY else 0,
                    )
                    contact_after = day + timedelta(days=7)
                    if outcome is Outcome.THIRD_PARTY and rng.random() < 0.3:
                        inbound_on = day + timedelta(days=rng.randint(1, 3))
                    day += timedelta(days=1)
                    continue
                attempts = 1 if us else rng.choice((1, 1, 1, 2, 2, 3))
                talked = False
                last = 8 * 60
                for minute in self._minutes(attempts, us=us):
                    last = minute
                    outcome = _draw(rng, US_ATTEMPTS if us else CN_ATTEMPTS)
                    if outcome is None:
                        outcome = _draw(rng, RPC_OUTCOMES if talked_before else FIRST_RPC_OUTCOMES)
                        bad_streak = 0
                        talked = True
                        if not conversation(
                            outcome, day, minute, rng.randint(90, 720), Channel.CALL, Direction.OUTBOUND, goal
                        ):
                            return
                        if goal == "first":
                            goal = "promise"
                        break
                    if outcome in (Outcome.WRONG_PARTY, Outcome.NOT_CONNECTED):
                        bad_streak += 1
                        if bad_streak >= 3:
                            state.phone_status = (
                                ContactStatus.WRONG_PARTY
                                if outcome is Outcome.WRONG_PARTY
                                else ContactStatus.DISCONNECTED
                            ).value
                    duration = {
                        _O.VOICEMAIL: rng.randint(15, 40),
                        _O.WRONG_PARTY: rng.randint(10, 60),
                        _O.THIRD_PARTY: rng.randint(30, 150),
                    }.get(outcome, 0)
                    self._record(
                        c,
                        day,
                        minute,
                        Channel.CALL,
                        outcome,
                        goal=goals[goal],
                        goal_met=False,
                        point=c.phone_point,
                        user=user,
                        duration=duration,
                    )
                    if us and outcome is Outcome.THIRD_PARTY:
                        # The gate counts it as a conversation (CONVERSATION_OUTCOMES): no call for a week.
                        quiet_until = max(quiet_until, day + timedelta(days=8))
                        break
                if talked and us:  # no call in the seven days after a conversation
                    quiet_until = max(quiet_until, day + timedelta(days=8))
                if not talked and not us and rng.random() < 0.3:
                    self._sms(c, day, min(last + rng.randint(5, 30), 20 * 60 + 50))
                    if rng.random() < 0.1:
                        inbound_on = day + timedelta(days=1)
                if not talked and us and rng.random() < 0.03:
                    inbound_on = day + timedelta(days=rng.randint(1, 3))
            elif not us and roll < p_call + 0.03:
                self._sms(c, day, rng.randint(9 * 60, 19 * 60))
            elif us and c.debtor.email and roll < p_call + 0.02:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 19 * 60),
                    Channel.EMAIL,
                    Outcome.DELIVERED,
                    goal=goals["email"],
                    notes="Payment reminder with opt-out notice",
                )
            day += timedelta(days=1)

        if sum(balances) == 0:
            state.stage = CaseStage.CLOSED
            return
        if pending and pending[0] >= today:
            state.stage = CaseStage.PROMISED
            self._next(c, state, Channel.CALL, goals["follow"], pending[0] + timedelta(days=1))
            return
        self._next(c, state, Channel.CALL, goals[goal], max(quiet_until, today))

    def _sms(self, c: CaseInput, day: date, minute: int) -> None:
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
