"""What a contact is meant to achieve: a closed vocabulary of goal codes.

Goals are stored as these codes (interactions.goal, cases.next_action_goal) and shown in the viewer's
language; what a collector adds in words is kept beside them as a note. The segment's goal is what the
daily plan gives a planned contact; an outcome's goal is the next action's default after a contact.
"""

from __future__ import annotations

from enum import StrEnum

from huikuan.domain.enums import Outcome


class Goal(StrEnum):
    # By segment (the daily plan)
    AGREE_PAYMENT = "agree_payment"
    PRESS_FOR_PAYMENT = "press_for_payment"
    OFFER_INSTALMENTS = "offer_instalments"
    ASSESS_ABILITY = "assess_ability"
    FOLLOW_UP = "follow_up"
    # The first contacts of a case
    VERIFY_IDENTITY = "verify_identity"
    OBTAIN_PROMISE = "obtain_promise"
    PAYMENT_REMINDER = "payment_reminder"
    SEND_NOTICE = "send_notice"
    VISIT_ASSESS = "visit_assess"
    TAKE_INBOUND_CALL = "take_inbound_call"
    ANSWER_REPLY = "answer_reply"  # the debtor wrote back (services/inbound.py)
    # After an outcome
    REACH_DEBTOR = "reach_debtor"
    REACH_AFTER_VOICEMAIL = "reach_after_voicemail"
    FIND_WORKING_NUMBER = "find_working_number"
    REACH_IN_PERSON = "reach_in_person"
    LOCATE_DEBTOR = "locate_debtor"
    CHECK_PROMISED_PAYMENT = "check_promised_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    EXPLAIN_AND_OFFER_PLAN = "explain_and_offer_plan"
    REVIEW_DISPUTE = "review_dispute"
    ASSESS_HARDSHIP = "assess_hardship"
    CALL_BACK = "call_back"
    # Promises and arrangements
    PROMISE_KEPT_REST = "promise_kept_rest"
    PROMISE_BROKEN = "promise_broken"
    PROMISE_PARTLY_KEPT = "promise_partly_kept"
    CHECK_INSTALMENT = "check_instalment"
    INSTALMENTS_BROKEN = "instalments_broken"
    ARRANGEMENT_COMPLETED = "arrangement_completed"
    OFFER_REJECTED = "offer_rejected"


GOALS = tuple(g.value for g in Goal)

SEGMENT_GOALS: dict[str, Goal] = {
    "able_willing": Goal.AGREE_PAYMENT,
    "able_unwilling": Goal.PRESS_FOR_PAYMENT,
    "unable_willing": Goal.OFFER_INSTALMENTS,
    "unable_unwilling": Goal.ASSESS_ABILITY,
}

# The next action's goal when the collector names none.
OUTCOME_GOALS: dict[Outcome, Goal] = {
    Outcome.NO_ANSWER: Goal.REACH_DEBTOR,
    Outcome.BUSY: Goal.REACH_DEBTOR,
    Outcome.VOICEMAIL: Goal.REACH_AFTER_VOICEMAIL,
    Outcome.NOT_CONNECTED: Goal.FIND_WORKING_NUMBER,
    Outcome.WRONG_PARTY: Goal.FIND_WORKING_NUMBER,
    Outcome.THIRD_PARTY: Goal.REACH_IN_PERSON,
    Outcome.PROMISE: Goal.CHECK_PROMISED_PAYMENT,
    Outcome.PAID: Goal.CONFIRM_PAYMENT,
    Outcome.REFUSES: Goal.EXPLAIN_AND_OFFER_PLAN,
    Outcome.DISPUTES: Goal.REVIEW_DISPUTE,
    Outcome.HARDSHIP: Goal.ASSESS_HARDSHIP,
    Outcome.CALLBACK: Goal.CALL_BACK,
}


def segment_goal(segment: str | None) -> Goal:
    return SEGMENT_GOALS.get(segment or "", Goal.FOLLOW_UP)
