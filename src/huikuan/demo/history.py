"""The demo's 90 days of history, simulated per case: calls, SMS, letters, visits, promises and payments.
Every outbound contact is first asked of the real compliance gate (gate_door.py), with the case's facts
and the contacts recorded before it; one the gate refuses is not made. No contact rule is coded here.

`Simulator.run` plays one case day by day (`_play_day`): a cease request, an unasked payment, a letter,
a visit, an inbound call, a quiet day, or the day's calls (`_calls`), each right-party conversation with
its consequences (`conversations.Conversations`). The rows are written by `recorder.Recorder`."""

from __future__ import annotations

from datetime import date, timedelta

from huikuan.demo.case_play import CasePlay, Step
from huikuan.demo.conversations import Conversations
from huikuan.demo.outcomes import (
    CN_ATTEMPTS,
    CONTACT_ATTEMPTS,
    CONVERSATIONS,
    FIRST_RPC_OUTCOMES,
    GOALS,
    RPC_OUTCOMES,
    US_ATTEMPTS,
    VISIT_OUTCOMES,
    draw,
)
from huikuan.demo.portfolio import VALIDATION_MAILED
from huikuan.demo.recorder import CaseInput, CaseState
from huikuan.domain.enums import CaseStage, Channel, ContactStatus, Direction, Outcome

_O = Outcome


class Simulator(Conversations):
    """Plays 90 days of a collection floor over each case, one at a time, from one random stream.

    `today` is the floor's (in `zone`); a case's history stops where that day begins, which on the
    debtor's clock may still be the day before (a US evening is the next morning in Shanghai)."""

    # One case ------------------------------------------------------------------------------------

    def run(self, c: CaseInput) -> None:
        """Plays case `c` from its placement to the floor's today, and sets its state and next action."""
        p = self._start(c)
        if p is None:
            return
        while p.day < p.today:
            if sum(p.balances) == 0:
                break
            step = self._play_day(p)
            if step is Step.STOP:
                return
            if step is Step.END:
                break
            p.day += timedelta(days=1)
        self._finish(p)

    def _start(self, c: CaseInput) -> CasePlay | None:
        """The case's state and the days of its rare events; None for a case placed lately (not worked
        yet: its next action is the first call)."""
        rng, today = self.rng, self._first_day_not_played(c)
        us = c.creditor.region == "US"
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
            self._next(c, state, Channel.CALL, GOALS["first"], today)
            return None

        user = c.collector
        p_call = rng.uniform(0.12, 0.3) if us else rng.uniform(0.12, 0.35)
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
        p = CasePlay(
            c, state, balances, today, us, day, user, p_call, day, day, cease_on, visit_on, letter_on, pay_on
        )
        p.notice_due = us  # Regulation F: the validation notice goes out with the first communication
        self._mail_notice(p)
        return p

    def _mail_notice(self, p: CasePlay) -> None:
        """The validation notice mailed, if the gate allows it at the minute drawn (else tried again the
        next day); no call that day."""
        if not p.notice_due:
            return
        c, day = p.c, p.day
        minute = self.rng.randint(9 * 60, 16 * 60)
        if not self._allowed(c, day, minute, Channel.LETTER):
            return
        self._record(
            c, day, minute, Channel.LETTER, Outcome.DELIVERED, goal=GOALS["letter"], notes=VALIDATION_MAILED
        )
        if c.gate is not None:
            c.gate.notice_mailed()
        p.notice_due = False
        p.quiet_until = max(p.quiet_until, day + timedelta(days=1))

    def _finish(self, p: CasePlay) -> None:
        """The case's stage and next action once its days are played."""
        c, state = p.c, p.state
        if sum(p.balances) == 0:
            state.stage = CaseStage.CLOSED
            return
        if p.pending and p.pending[0] >= p.today:
            state.stage = CaseStage.PROMISED
            self._next(c, state, Channel.CALL, GOALS["follow"], p.pending[0] + timedelta(days=1))
            return
        self._next(c, state, Channel.CALL, GOALS[p.goal], max(p.quiet_until, p.today))

    def _play_day(self, p: CasePlay) -> Step:
        """One day of the case: its rare events first, then a quiet day or the day's calls and messages."""
        c, state, rng, day, us = p.c, p.state, self.rng, p.day, p.us
        self._mail_notice(p)
        if p.cease_on == day:
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
            return Step.STOP
        if p.pay_on == day:  # paid without being asked, after a letter or a message
            self._pay(c, p.balances, self._promise_amount(c, sum(p.balances)), day, rng.randint(0, 1439))
            if sum(p.balances) == 0:
                return Step.END
        if p.pending and day > p.pending[0]:
            p.goal = "broken" if self._last_promise_broken() else "promise"
            p.pending = None
        minute = rng.randint(9 * 60, 17 * 60) if p.letter_on == day else 0
        if p.letter_on == day and self._allowed(c, day, minute, Channel.LETTER):
            self._record(
                c,
                day,
                minute,
                Channel.LETTER,
                Outcome.DELIVERED,
                goal=GOALS["letter"],
                notes="催收函已寄出（EMS）",
            )
        if p.visit_on == day and (p.pending is None) and day >= p.quiet_until:
            return self._visit(p)
        if p.inbound_on == day:
            return self._inbound(p)
        if day < p.quiet_until:
            if p.pending and not us and day == p.pending[0] - timedelta(days=1):
                self._sms(c, day, rng.randint(9 * 60, 19 * 60))
            return Step.NEXT
        roll = rng.random()
        if roll < p.p_call:
            return self._calls(p)
        if not us and roll < p.p_call + 0.03:
            self._sms(c, day, rng.randint(9 * 60, 19 * 60))
        elif us and c.debtor.email and roll < p.p_call + 0.02:
            self._email(c, day, rng.randint(9 * 60, 19 * 60))
        return Step.NEXT

    def _email(self, c: CaseInput, day: date, minute: int) -> None:
        """A payment reminder by e-mail (US), if the gate allows it."""
        if self._allowed(c, day, minute, Channel.EMAIL):
            self._record(
                c,
                day,
                minute,
                Channel.EMAIL,
                Outcome.DELIVERED,
                goal=GOALS["email"],
                notes="Payment reminder with opt-out notice",
            )

    def _visit(self, p: CasePlay) -> Step:
        """A field visit (China, large balances): a conversation if the debtor is found."""
        c, rng, day = p.c, self.rng, p.day
        outcome = draw(rng, VISIT_OUTCOMES)
        minute = rng.randint(9 * 60, 17 * 60)
        if not self._allowed(c, day, minute, Channel.VISIT):
            return Step.NEXT
        duration = rng.randint(900, 3600)
        if outcome in CONVERSATIONS:
            if not self._conversation(
                p, outcome, day, minute, duration, Channel.VISIT, Direction.OUTBOUND, "promise"
            ):
                return Step.STOP
        else:
            self._record(
                c,
                day,
                minute,
                Channel.VISIT,
                outcome,
                goal=GOALS["visit"],
                goal_met=False,
                user=p.user,
                duration=duration,
                notes="家人在家，已留联系卡",
            )
        return Step.NEXT

    def _inbound(self, p: CasePlay) -> Step:
        """The debtor calls back (after a message or a word left with a third party)."""
        rng, day = self.rng, p.day
        outcome = draw(rng, RPC_OUTCOMES if p.talked_before else FIRST_RPC_OUTCOMES)
        minute = rng.randint(9 * 60, 20 * 60)
        if not self._conversation(
            p, outcome, day, minute, rng.randint(60, 600), Channel.CALL, Direction.INBOUND, "inbound"
        ):
            return Step.STOP
        return Step.NEXT

    def _calls(self, p: CasePlay) -> Step:
        """The day's calls: a third party asked after three bad numbers, else one to three attempts on the
        debtor's phone; a message after a day without a conversation."""
        c, state, rng, day, us = p.c, p.state, self.rng, p.day, p.us
        if p.bad_streak >= 3 and c.contacts and day >= p.contact_after:
            self._locate(p, c.contacts)
            return Step.NEXT
        attempts = rng.choice((1, 1, 1, 2, 2, 3))
        talked = False
        last = 8 * 60
        for minute in self._minutes(attempts):
            if not self._allowed(c, day, minute, Channel.CALL):
                continue  # the gate refuses it: not made
            last = minute
            outcome = draw(rng, US_ATTEMPTS if us else CN_ATTEMPTS)
            if outcome is None:
                outcome = draw(rng, RPC_OUTCOMES if p.talked_before else FIRST_RPC_OUTCOMES)
                p.bad_streak = 0
                talked = True
                if not self._conversation(
                    p, outcome, day, minute, rng.randint(90, 720), Channel.CALL, Direction.OUTBOUND, p.goal
                ):
                    return Step.STOP
                if p.goal == "first":
                    p.goal = "promise"
                break
            if outcome in (Outcome.WRONG_PARTY, Outcome.NOT_CONNECTED):
                p.bad_streak += 1
                if p.bad_streak >= 3:
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
                goal=GOALS[p.goal],
                goal_met=False,
                point=c.phone_point,
                user=p.user,
                duration=duration,
            )
            if us and outcome is Outcome.THIRD_PARTY:
                break  # someone else answered: no more calls to that number today
        self._after_calls(p, talked, last)
        return Step.NEXT

    def _after_calls(self, p: CasePlay, talked: bool, last: int) -> None:
        """After the day's calls without a conversation: maybe an SMS (China) that may bring the debtor to
        call back, or a call back unasked (US)."""
        c, rng, day, us = p.c, self.rng, p.day, p.us
        if not talked and not us and rng.random() < 0.3:
            self._sms(c, day, min(last + rng.randint(5, 30), 20 * 60 + 50))
            if rng.random() < 0.1:
                p.inbound_on = day + timedelta(days=1)
        if not talked and us and rng.random() < 0.03:
            p.inbound_on = day + timedelta(days=rng.randint(1, 3))

    def _locate(self, p: CasePlay, askable: list[tuple[int, int | None]]) -> None:
        """A call to a third party to locate the debtor; a word left may bring an inbound call."""
        c, rng, day = p.c, self.rng, p.day
        party, point = askable[rng.randrange(len(askable))]
        minute = self._minutes(1)[0]
        p.contact_after = day + timedelta(days=7)
        if not self._allowed(c, day, minute, Channel.CALL, party):
            return  # the gate refuses it (a role its pack forbids, a third party asked before ...)
        outcome = draw(rng, CONTACT_ATTEMPTS)
        self._record(
            c,
            day,
            minute,
            Channel.CALL,
            outcome,
            goal=GOALS["locate"],
            goal_met=outcome is Outcome.THIRD_PARTY,
            party=party,
            point=point,
            user=p.user,
            duration=rng.randint(30, 180) if outcome is Outcome.THIRD_PARTY else 0,
        )
        if outcome is Outcome.THIRD_PARTY and rng.random() < 0.3:
            p.inbound_on = day + timedelta(days=rng.randint(1, 3))
