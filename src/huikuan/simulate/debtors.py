"""The debtors' side of the simulated day: how they answer the contacts made (answers, conversations,
promises, disputes, complaints, reads) and what they pay at the day's end (promises due, nudged and
spontaneous payments). The behaviour is hidden from the strategy; it reads only the state it leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from huikuan.compliance import HistoryEvent
from huikuan.compliance.model import EventOutcome, Role
from huikuan.domain.enums import Channel, Direction
from huikuan.simulate import respond
from huikuan.simulate.clock import local_hour
from huikuan.simulate.gatekeeper import CHANNEL
from huikuan.simulate.population import Population
from huikuan.simulate.result import Totals
from huikuan.simulate.scenario import Scenario
from huikuan.simulate.scenario_spec import STAGES
from huikuan.simulate.state import NEVER, State
from huikuan.simulate.team import Team
from huikuan.strategy.gate_facts import debt_id, party_id

MESSAGES = ("sms", "email", "wechat")


@dataclass
class Debtors:
    """The hidden behaviour acting on the shared state, drawing from the world's random stream."""

    sc: Scenario
    pop: Population
    state: State
    totals: Totals
    rng: np.random.Generator
    seed: int
    start: date
    costs: dict[str, int]
    visits_found: int = 0
    paid_days: list[np.ndarray] = field(default_factory=list)  # per day: the rows that paid
    paid_today: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their amounts

    # -- responses -----------------------------------------------------------------------------------

    def respond(
        self,
        d: int,
        rows: np.ndarray,
        action: np.ndarray,
        col: np.ndarray,
        at: np.ndarray,
        team: Team,
        table: np.ndarray,
        zone_of: np.ndarray,
    ) -> list[HistoryEvent]:
        """The responses to the contacts made on day d; returns their events for the gate's history."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        hour = np.clip(local_hour(table, zone_of, at), 0, 23)
        weekday = (self.start + timedelta(days=d)).weekday()
        events: list[HistoryEvent] = []
        n_made = len(rows)
        tot.contacts += n_made
        tot.cost += int(sum(self.costs[a] for a in action))
        s.contacts_total[rows] += 1
        s.contacts7[d % 7, rows] += 1
        contacts7 = s.contacts7.sum(axis=0)

        # Calls.
        calls = action == "call"
        cr = rows[calls]
        answered, rpc_call, hardship_skill = self._calls(d, cr, col[calls], hour[calls], weekday, team)
        # Visits.
        visits = action == "visit"
        vr = rows[visits]
        tot.visits += len(vr)
        found = rng.random(len(vr)) < sc.f("behaviour.visit_found")
        self.visits_found += int(found.sum())
        # Conversations.
        conv_rows = np.concatenate([cr[rpc_call], vr[found]])
        conv_visit = np.concatenate(
            [np.zeros(int(rpc_call.sum()), dtype=bool), np.ones(int(found.sum()), dtype=bool)]
        )
        conv_hard = np.concatenate([hardship_skill[rpc_call], np.zeros(int(found.sum()), dtype=bool)])
        self._conversations(d, conv_rows, conv_visit, conv_hard, contacts7)
        events.extend(_contact_events(pop, cr, answered, at[calls], vr, found, at[visits]))
        # Complaints from contacts that were not conversations.
        others = np.concatenate([cr[~rpc_call], vr[~found]])
        p_c = sc.f("behaviour.complaint_per_contact") * respond.overcontact(
            contacts7[others], sc.f("behaviour.overcontact")
        )
        self._complain(others[rng.random(len(others)) < p_c])
        self._messages(d, rows, action, at, contacts7, events)
        return events

    def _calls(
        self, d: int, cr: np.ndarray, col: np.ndarray, hour: np.ndarray, weekday: int, team: Team
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The calls made to rows `cr` by collectors `col`: (answered, right party reached, by a collector
        with the hardship skill)."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        stage = pop.stage()
        recent3 = s.attempts30[[(d - k) % 30 for k in (1, 2, 3)]].sum(axis=0)
        tot.calls += len(cr)
        s.attempts30[d % 30, cr] += 1
        s.last_attempt[cr] = d
        p_ans = respond.answer_probability(
            pop.answer[cr],
            pop.hour_curve[cr, hour],
            np.full(len(cr), weekday),
            recent3[cr],
            sc.f("behaviour.answer_fatigue"),
        )
        answered = rng.random(len(cr)) < p_ans
        speaks = np.array(
            [pop.languages[pop.language[i]] in team.languages[j] for i, j in zip(cr, col, strict=True)],
            dtype=bool,
        )
        rpc_call = answered & speaks
        for k in range(3):
            at_stage = stage[cr] == k
            tot.calls_by_stage[k] += int(at_stage.sum())
            tot.rpc_by_stage[k] += int((rpc_call & at_stage).sum())
        how = weekday * 24 + hour
        np.add.at(s.att_how, (cr, how), 1)
        np.add.at(s.ans_how, (cr, how), answered.astype(np.int32))
        hardship_skill = np.array(["hardship" in team.skills[j] for j in col], dtype=bool)
        return answered, rpc_call, hardship_skill

    def _messages(
        self,
        d: int,
        rows: np.ndarray,
        action: np.ndarray,
        at: np.ndarray,
        contacts7: np.ndarray,
        events: list[HistoryEvent],
    ) -> None:
        """Messages and letters: delivered, read, a nudge to pay (or a promise reminder), complaints."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        beh = sc.table
        stage = pop.stage()
        nudge = beh("behaviour.nudge")
        resp = np.array([beh("behaviour.stage_response")[x] for x in STAGES])
        for ch in (*MESSAGES, "letter"):
            sel = action == ch
            mr = rows[sel]
            if len(mr) == 0:
                continue
            tot.messages += len(mr)
            for i, t in zip(mr, at[sel], strict=True):
                events.append(_event(int(pop.case_id[i]), CHANNEL[ch], int(t), EventOutcome.DELIVERED))
            read = rng.random(len(mr)) < pop.read[ch][mr]
            rr = mr[read]
            reminder = s.promise_open[rr] & (s.promise_due[rr] - d <= 2)
            s.promise_reminded[rr[reminder]] = True
            nr = rr[~reminder & ~s.promise_open[rr]]
            a_, w_ = pop.ability[nr], pop.willingness[nr]
            if ch == "letter":
                strength = np.clip(2 * a_ * (0.5 + w_), 0, 1.5)
                repeat = np.where(d - s.last_letter[nr] <= 30, 0.3, 1.0)
                delay = rng.integers(2, 11, len(nr))
            else:
                strength = np.clip(4 * a_ * w_, 0, 1)
                repeat = np.where(s.reads7.sum(axis=0)[nr] > 0, sc.f("behaviour.message_fatigue"), 1.0)
                delay = rng.integers(0, 4, len(nr))
            p = np.clip(nudge[ch] * strength * resp[stage[nr]] * repeat, 0, 0.95)
            pays = rng.random(len(nr)) < p
            self._schedule(d, nr[pays], delay[pays])
            s.reads7[d % 7, rr] += 1
            if ch == "letter":
                s.last_letter[mr] = d
            else:
                s.last_message[mr] = d
            p_c = sc.f("behaviour.complaint_per_contact") * respond.overcontact(
                contacts7[mr], sc.f("behaviour.overcontact")
            )
            self._complain(mr[rng.random(len(mr)) < p_c])

    def _conversations(
        self,
        d: int,
        rows: np.ndarray,
        visit: np.ndarray,
        hardship_collector: np.ndarray,
        contacts7: np.ndarray,
    ) -> None:
        """Right-party conversations: the collector assesses the debtor; complaints, disputes, promises."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        n = len(rows)
        if n == 0:
            return
        tot.right_party_contacts += n
        s.rpc30[d % 30, rows] += 1
        s.last_rpc[rows] = d
        a, w = pop.ability[rows], pop.willingness[rows]
        noise = sc.f("behaviour.assess_noise")
        s.assessed_ability[rows] = np.clip(a + rng.normal(0, noise, n), 0, 1)
        s.assessed_willingness[rows] = np.clip(w + rng.normal(0, noise, n), 0, 1)
        s.hardship[rows] = s.assessed_ability[rows] < 0.3
        # Complaints and disputes.
        p_c = sc.f("behaviour.complaint_per_rpc") * respond.overcontact(
            contacts7[rows], sc.f("behaviour.overcontact")
        )
        p_c = np.where(visit, 2 * p_c, p_c)
        self._complain(rows[rng.random(n) < p_c])
        disputes = rng.random(n) < sc.f("behaviour.dispute_per_rpc") * (1.5 - w)
        dr = rows[disputes]
        tot.disputes += len(dr)
        s.disputed_until[dr] = d + sc.i("behaviour.dispute_days")
        s.promise_open[dr] = False
        # An open promise: the conversation is a reminder; no new promise is sought.
        rest = ~disputes
        has_open = s.promise_open[rows] & rest
        due_soon = has_open & (s.promise_due[rows] - d <= 2)
        s.promise_reminded[rows[due_soon]] = True
        self._seek_promises(d, rows, rest & ~has_open, visit, hardship_collector)

    def _seek_promises(
        self, d: int, rows: np.ndarray, ask: np.ndarray, visit: np.ndarray, hardship_collector: np.ndarray
    ) -> None:
        """A promise sought in the conversations `ask` (no dispute, no promise open): an instalment plan
        with a hardship collector when the debtor cannot pay, else a share of the balance."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        n = len(rows)
        a, w = pop.ability[rows], pop.willingness[rows]
        refused_lately = d - s.last_refusal[rows] <= 7
        p = (
            sc.f("behaviour.promise_given_rpc")
            * respond.willingness_factor(a, w)
            * np.where(refused_lately, sc.f("behaviour.repeat_refusal"), 1.0)
            * np.where(visit, sc.f("behaviour.visit_promise"), 1.0)
        )
        promised = ask & (rng.random(n) < np.clip(p, 0, 0.95))
        s.last_refusal[rows[ask & ~promised]] = d
        pr = rows[promised]
        tot.promises += len(pr)
        s.promises_made[pr] += 1
        a_p, w_p = a[promised], w[promised]
        bal = s.balance[pr]
        able = a_p >= 0.5
        plan = ~able & hardship_collector[promised]
        share = respond.promise_share(rng, able)
        instalments = sc.i("behaviour.instalments")
        amount = np.where(
            plan, np.maximum(bal // instalments, np.minimum(bal, 10_000)), np.round(bal * share)
        )
        keep = sc.f("behaviour.promise_kept") * respond.keep_factor(w_p)
        keep = np.where(
            plan,
            keep * sc.f("behaviour.hardship_kept"),
            np.where(able, keep, keep * sc.f("behaviour.overpromise_kept")),
        )
        s.promise_open[pr] = True
        s.promise_amount[pr] = np.minimum(amount.astype(np.int64), bal)
        s.promise_due[pr] = d + rng.integers(1, 8, len(pr))
        s.promise_keep[pr] = np.clip(keep, 0, 0.97)
        s.promise_plan_left[pr] = np.where(plan, instalments - 1, 0)
        s.promise_reminded[pr] = False
        tot.plans += int(plan.sum())

    def _complain(self, rows: np.ndarray) -> None:
        self.totals.complaints += len(rows)
        self.state.complaints[rows] += 1

    def _schedule(self, d: int, rows: np.ndarray, delay: np.ndarray) -> None:
        s = self.state
        free = s.scheduled_day[rows] < d
        r = rows[free]
        s.scheduled_day[r] = d + delay[free]
        s.scheduled_amount[r] = np.round(
            s.balance[r] * respond.payment_share(self.rng, self.pop.ability[r])
        ).astype(np.int64)

    # -- end of day ----------------------------------------------------------------------------------

    def settle(self, d: int) -> None:
        """The day's payments: promises due (kept or broken), payments after a nudge, spontaneous ones."""
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        pay = np.zeros(s.n, dtype=np.int64)
        # Promises due today.
        due = np.nonzero(s.promise_open & (s.promise_due == d))[0]
        if len(due):
            p = np.clip(
                s.promise_keep[due] + np.where(s.promise_reminded[due], sc.f("behaviour.reminder_lift"), 0),
                0,
                0.99,
            )
            kept = rng.random(len(due)) < p
            k, b = due[kept], due[~kept]
            pay[k] += s.promise_amount[k]
            s.promises_kept[k] += 1
            tot.promises_kept += len(k)
            s.promises_broken[b] += 1
            tot.promises_broken += len(b)
            s.promise_open[b] = False
            more = k[s.promise_plan_left[k] > 0]
            s.promise_plan_left[more] -= 1
            s.promise_due[more] = d + 30
            s.promise_reminded[more] = False
            s.promise_open[k[s.promise_plan_left[k] == 0]] = False
            s.promise_open[more] = True
        # Payments after a nudge.
        sched = np.nonzero(s.scheduled_day == d)[0]
        pay[sched] += s.scheduled_amount[sched]
        s.scheduled_day[sched] = NEVER
        # Spontaneous payments (none while a promise is open: the promise is the plan).
        stage = pop.stage()
        base = np.array([sc.table("behaviour.self_pay_30d")[x] for x in STAGES])[stage]
        p_self = respond.daily_self_pay(base, pop.ability, pop.willingness)
        # Common random numbers: the same draws for every strategy on a seed and day, so that what the
        # portfolio pays by itself does not add noise to the comparison of strategies.
        own = np.random.default_rng([self.seed, 99, d])
        draw, share = own.random(s.n), respond.payment_share(own, pop.ability)
        spont = (s.balance > 0) & ~s.promise_open & (draw < p_self)
        sr = np.nonzero(spont)[0]
        pay[sr] += np.round(s.balance[sr] * share[sr]).astype(np.int64)
        pay = np.minimum(pay, s.balance)
        paid = np.nonzero(pay > 0)[0]
        s.balance[paid] -= pay[paid]
        s.paid90[d % 90, paid] += pay[paid]
        tot.recovered += int(pay.sum())
        tot.payments += len(paid)
        closed = paid[s.balance[paid] <= 0]
        s.promise_open[closed] = False
        tot.closed += len(closed)
        self.paid_days.append(paid)
        self.paid_today = pay[paid]
        tot.daily_recovered.append(int(pay.sum()))


def _contact_events(
    pop: Population,
    cr: np.ndarray,
    answered: np.ndarray,
    call_at: np.ndarray,
    vr: np.ndarray,
    found: np.ndarray,
    visit_at: np.ndarray,
) -> list[HistoryEvent]:
    """The gate's events of the day's calls, then its visits: a conversation when answered or found."""
    events: list[HistoryEvent] = []
    for i, ans, t in zip(cr, answered, call_at, strict=True):
        events.append(
            _event(
                int(pop.case_id[i]),
                Channel.CALL,
                int(t),
                EventOutcome.CONVERSATION if ans else EventOutcome.NO_ANSWER,
            )
        )
    for i, f_, t in zip(vr, found, visit_at, strict=True):
        events.append(
            _event(
                int(pop.case_id[i]),
                Channel.VISIT,
                int(t),
                EventOutcome.CONVERSATION if f_ else EventOutcome.NO_ANSWER,
            )
        )
    return events


def _event(case_id: int, channel: Channel, epoch: int, outcome: EventOutcome) -> HistoryEvent:
    """An outbound contact to the debtor of case `case_id`, as the gate's history records it."""
    return HistoryEvent(
        at=datetime.fromtimestamp(epoch, UTC),
        channel=channel,
        direction=Direction.OUTBOUND,
        party_id=party_id(case_id),
        outcome=outcome,
        party_role=Role.DEBTOR,
        debt_ids=(debt_id(case_id),),
    )
