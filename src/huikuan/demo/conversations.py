"""A right-party conversation of the demo's history and what follows it: a settlement, a promise (and the
payment that keeps it, or not), a dispute or a refusal, and the case's next action.

`Simulator` (history.py) plays the days; it calls `_conversation` for each conversation it simulates.
The rows are written by `recorder.Recorder`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from huikuan.demo.case_play import CasePlay
from huikuan.demo.outcomes import GOALS, NOTES, SETTLED
from huikuan.demo.recorder import Recorder
from huikuan.domain.enums import CaseStage, Channel, Direction, Outcome


@dataclass(frozen=True)
class Talk:
    """When and how a conversation took place, and what it was for (a key of outcomes.GOALS)."""

    when: date
    minute: int
    duration: int
    channel: Channel
    direction: Direction
    goal: str


class Conversations(Recorder):
    """What a conversation with the debtor comes to (the history's simulator is one)."""

    def _conversation(
        self,
        p: CasePlay,
        outcome: Outcome,
        when: date,
        minute: int,
        duration: int,
        channel: Channel,
        direction: Direction,
        current_goal: str,
    ) -> bool:
        """Records a right-party conversation and its consequences; False ends the case's work."""
        c, rng, lang = p.c, self.rng, p.c.debtor.language
        talk = Talk(when, minute, duration, channel, direction, current_goal)
        p.talked_before = True
        remaining = sum(p.balances)
        notes = None
        if outcome in (Outcome.PROMISE, Outcome.DISPUTES, Outcome.HARDSHIP):
            self._cancel_running_promise(c, when, minute)
        if remaining == 0 and outcome in (Outcome.PROMISE, Outcome.PAID):
            self._settled(p, talk)
            return False
        met = outcome in (Outcome.PROMISE, Outcome.PAID) or (current_goal == "first")
        if outcome is Outcome.PROMISE:
            self._promised(p, talk)
            return True
        if outcome is Outcome.PAID:
            amount = self._promise_amount(c, remaining)
            notes = NOTES[lang][outcome].format(amount=self._amount_text(c, amount))
        self._talked(p, talk, outcome, met, notes)
        if outcome is Outcome.PAID:
            self._pay(c, p.balances, amount, when, max(0, minute - rng.randint(60, 480)))
            p.quiet_until = when + timedelta(days=rng.randint(5, 10))
            p.goal = "promise"
            return True
        return self._after_conversation(p, outcome, when, minute)

    def _settled(self, p: CasePlay, talk: Talk) -> None:
        """A promise or a payment offered when everything was paid already: the case is closed."""
        # Everything was paid already (a promise's payment is booked when it is made).
        self._talked(p, talk, Outcome.PAID, True, SETTLED[p.c.debtor.language])
        p.state.stage = CaseStage.CLOSED

    def _promised(self, p: CasePlay, talk: Talk) -> None:
        """A promise made in a conversation: recorded with its amount and due date; no call till it is due."""
        c, rng, lang = p.c, self.rng, p.c.debtor.language
        outcome = Outcome.PROMISE
        amount = self._promise_amount(c, sum(p.balances))
        due = talk.when + timedelta(days=rng.randint(1, 10) if not p.us else rng.randint(3, 14))
        notes = NOTES[lang][outcome].format(due=due.isoformat(), amount=self._amount_text(c, amount))
        self._talked(p, talk, outcome, True, notes)
        self._promise(c, p.balances, talk.when, talk.minute, amount, due)
        p.pending = (due, amount)
        p.quiet_until = due + timedelta(days=1)

    def _talked(self, p: CasePlay, talk: Talk, outcome: Outcome, goal_met: bool, notes: str | None) -> None:
        """The conversation's row: by the case's collector, on the debtor's phone when it was a call."""
        c = p.c
        self._record(
            c,
            talk.when,
            talk.minute,
            talk.channel,
            outcome,
            direction=talk.direction,
            goal=GOALS[talk.goal],
            goal_met=goal_met,
            point=c.phone_point if talk.channel is Channel.CALL else None,
            user=p.user,
            duration=talk.duration,
            notes=notes,
        )

    def _after_conversation(self, p: CasePlay, outcome: Outcome, when: date, minute: int) -> bool:
        """What a refusal, a call-back request, hardship or a dispute leads to; False ends the case's work
        (a hardship hold, a dispute)."""
        c, state, rng = p.c, p.state, self.rng
        if outcome is Outcome.REFUSES:
            p.quiet_until = when + timedelta(days=rng.randint(2, 5))
            p.goal = "promise"
        elif outcome is Outcome.CALLBACK:
            p.quiet_until = when + timedelta(days=rng.randint(1, 2))
            p.goal = "callback"
        elif outcome is Outcome.HARDSHIP:
            if rng.random() < 0.3:
                state.hardship = True
                state.facts_changed_at = self.out.interactions["at"][-1]
                state.stage = CaseStage.HOLD
                self._next(c, state, Channel.CALL, GOALS["hardship"], when + timedelta(days=30))
                return False
            p.quiet_until = when + timedelta(days=rng.randint(7, 14))
            p.goal = "promise"
        elif outcome is Outcome.DISPUTES:
            state.disputed = True
            state.facts_changed_at = self.out.interactions["at"][-1]
            state.disputed_at = state.disputed_at or self._at(c, when, minute)
            state.stage = CaseStage.DISPUTE
            self._next(c, state, Channel.LETTER, GOALS["dispute"], max(p.today, when + timedelta(days=2)))
            return False
        return True
