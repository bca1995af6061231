"""What a contact in the demo's history comes to: the weighted draws of call, visit and conversation
outcomes, the goal of each kind of contact, the notes a collector writes, and payment methods."""

from __future__ import annotations

import random
from itertools import accumulate
from typing import Any

from huikuan.domain.enums import Outcome
from huikuan.domain.goals import Goal

CALL_HOURS = tuple(range(8, 21))
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


def draw(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    """One value of `table` (value, weight) drawn with its weight."""
    roll = rng.random() * sum(w for _v, w in table)
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]
