"""The closed vocabularies of the case page in words: English msgids, zh_CN in the case.po catalog.

`label("outcome", "no_answer", locale)` gives "No answer" or "无人接听"; an unknown value is shown as is.
"""

from __future__ import annotations

from typing import Any

from huikuan.i18n import gettext
from huikuan.services.case_history import json_list

CHANNEL_LABELS = {
    "call": "Call",
    "voicemail": "Voicemail",
    "sms": "SMS",
    "email": "Email",
    "letter": "Letter",
    "visit": "Visit",
    "wechat": "WeChat",
}
ACTION_LABELS = {**CHANNEL_LABELS, "none": "No contact"}
OUTCOME_LABELS = {
    "no_answer": "No answer",
    "busy": "Busy",
    "voicemail": "Voicemail left",
    "not_connected": "Not connected",
    "wrong_party": "Wrong number",
    "third_party": "Third party reached",
    "promise": "Promise to pay",
    "paid": "Paid",
    "refuses": "Refuses to pay",
    "disputes": "Disputes the debt",
    "hardship": "Hardship",
    "callback": "Callback requested",
    "consent": "Consent given",
    "delivered": "Delivered",
    "failed": "Failed",
    "refused_by_gate": "Refused by the gate",
    "placed": "Call placed",
    "answered": "Answered, outcome to give",
}
STATUS_LABELS = {
    "pending": "Pending",
    "kept": "Kept",
    "partly_kept": "Partly kept",
    "broken": "Broken",
    "cancelled": "Cancelled",
    "proposed": "Proposed",
    "awaiting_approval": "Awaiting approval",
    "active": "Active",
    "completed": "Completed",
    "rejected": "Rejected",
    "queued": "Queued",
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "Failed",
    "refused": "Refused",
    "open": "Open",
    "paid": "Paid",
    "settled": "Settled",
    "recalled": "Recalled",
    "closed": "Closed",
    "written_off": "Written off",
    "returned": "Returned to the creditor",
    "unverified": "Unverified",
    "valid": "Valid",
    "wrong_party": "Wrong party",
    "disconnected": "Disconnected",
    "do_not_contact": "Do not contact",
    "partly_paid": "Partly paid",
    "missed": "Missed",
    "settlement": "Settlement",
    "instalment": "Instalment plan",
    "asked": "Asked for a settlement or a plan",
    "cannot_pay": "Cannot pay in full",
}
ROLE_LABELS = {
    "debtor": "Debtor",
    "guarantor": "Guarantor",
    "co_borrower": "Co-borrower",
    "spouse": "Spouse",
    "family": "Family",
    "employer": "Employer",
    "colleague": "Colleague",
    "friend": "Friend",
    "emergency_contact": "Emergency contact",
    "attorney": "Attorney",
    "co_signer": "Co-signer",
    "parent_of_minor": "Parent (of a minor debtor)",
    "guardian": "Guardian",
    "executor": "Executor",
    "administrator": "Estate administrator",
    "heir": "Heir",
}
SEGMENT_LABELS = {
    "able_willing": "Able and willing",
    "able_unwilling": "Able, unwilling",
    "unable_willing": "Willing, unable",
    "unable_unwilling": "Unable and unwilling",
}
KIND_LABELS = {
    "mobile": "Mobile",
    "landline": "Landline",
    "email": "Email",
    "wechat": "WeChat",
    "qq": "QQ",
    "address": "Address",
}
FLAG_LABELS = {
    "cease": "Cease requested",
    "disputed": "Disputed",
    "attorney": "Has an attorney",
    "deceased": "Deceased",
    "hardship": "Hardship",
    "bankruptcy": "Bankruptcy",
    "employer_prohibits": "Employer prohibits contact",
}
PRODUCT_LABELS = {
    "credit_card": "Credit card",
    "consumer_loan": "Consumer loan",
    "microloan": "Microloan",
    "property_fee": "Property fee",
    "private_loan": "Private loan",
    "trade_contract": "Trade contract",
    "other": "Other",
}
STAGE_LABELS = {
    "new": "New",
    "contacting": "Contacting",
    "promised": "Promised",
    "arrangement": "Arrangement",
    "dispute": "Dispute",
    "hold": "On hold",
    "closed": "Closed",
}
REASON_LABELS = {
    "unemployment": "Unemployment",
    "illness": "Illness",
    "business_failure": "Business failure",
    "dispute": "Dispute",
    "fraud_claim": "Fraud claim",
    "forgot": "Forgot",
    "unwilling": "Unwilling",
    "other": "Other",
}
DISCUSS_LABELS = {"payment": "payment", "location": "location only", "none": "no contact allowed"}
RULE_LABELS = {
    "contact-hours": "Contact hours",
    "designated-inconvenient-time": "Inconvenient time named by the debtor",
    "call-frequency": "Call frequency",
    "post-conversation": "Quiet period after a conversation",
    "daily-call-cap": "Daily call cap",
    "cease": "Cease request",
    "deceased": "Deceased debtor",
    "bankruptcy": "Bankruptcy",
    "hardship": "Hardship pause",
    "breathing-space": "Breathing Space",
    "attorney": "Represented by an attorney",
    "workplace": "Workplace contact",
    "channel-opt-out": "Channel opted out",
    "dispute": "Dispute",
    "third-party-disclosure": "Third-party disclosure",
    "third-party-repeat": "Third party contacted before",
    "time-barred": "Time-barred debt",
    "validation-notice": "Validation notice",
}
GOAL_LABELS = {
    "agree_payment": "Agree the date and amount of payment",
    "press_for_payment": "Press for payment: the debtor is able to pay",
    "offer_instalments": "Offer an instalment arrangement",
    "assess_ability": "Assess the ability to pay",
    "follow_up": "Follow up",
    "verify_identity": "Verify the right party and explain the debt",
    "obtain_promise": "Obtain a promise to pay",
    "payment_reminder": "Payment reminder",
    "send_notice": "Send the demand or validation notice",
    "visit_assess": "Visit to assess the ability to pay",
    "take_inbound_call": "Take the debtor's call",
    "answer_reply": "Answer the debtor's reply",
    "reach_debtor": "Reach the debtor",
    "reach_after_voicemail": "Reach the debtor after the voicemail",
    "find_working_number": "Find a working number",
    "reach_in_person": "Reach the debtor in person",
    "locate_debtor": "Ask the contact to have the debtor call back",
    "check_promised_payment": "Check that the promised payment arrived",
    "confirm_payment": "Confirm the payment with the creditor",
    "explain_and_offer_plan": "Explain the consequences lawfully and offer a plan",
    "review_dispute": "Review the dispute before any further contact",
    "assess_hardship": "Assess the hardship and offer an affordable plan",
    "call_back": "Call back as asked",
    "promise_kept_rest": "Promise kept: agree how the rest will be paid",
    "promise_broken": "Broken promise: ask why and agree a new date",
    "promise_partly_kept": "Promise partly kept: ask why and agree a date for the rest",
    "check_instalment": "Check the instalment payment",
    "instalments_broken": "Instalment plan broken: ask why and agree how to go on",
    "arrangement_completed": "Arrangement completed: agree how the rest will be paid",
    "offer_rejected": "Offer rejected: agree another way to pay",
}
USER_ROLE_LABELS = {
    "admin": "Administrator",
    "supervisor": "Supervisor",
    "collector": "Collector",
    "creditor_viewer": "Creditor viewer",
}
LABELS: dict[str, dict[str, str]] = {
    "goal": GOAL_LABELS,
    "user_role": USER_ROLE_LABELS,
    "channel": ACTION_LABELS,
    "outcome": OUTCOME_LABELS,
    "status": STATUS_LABELS,
    "role": ROLE_LABELS,
    "segment": SEGMENT_LABELS,
    "kind": KIND_LABELS,
    "flag": FLAG_LABELS,
    "product": PRODUCT_LABELS,
    "stage": STAGE_LABELS,
    "reason": REASON_LABELS,
    "discuss": DISCUSS_LABELS,
    "rule": RULE_LABELS,
}


def label(vocabulary: str, value: str | None, locale: str) -> str:
    """A value of one of the vocabularies above in the user's language (the value itself if unknown)."""
    if value is None:
        return ""
    return gettext(LABELS[vocabulary].get(value, value), locale)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def time_spans(value: Any, lang: str) -> tuple[str, ...]:
    """A debtor's stated times as "12:00-14:00", each led by the days it holds on when the debtor named
    some ("Mon, Tue 09:00-18:00")."""
    out = []
    for item in json_list(value):
        if isinstance(item, dict):
            hours = f"{item.get('start', '?')}-{item.get('end', '?')}"
            days = [d for d in item.get("days") or [] if isinstance(d, int) and 1 <= d <= 7]
            if days and len(days) < 7:
                hours = ", ".join(gettext(_WEEKDAYS[d - 1], lang) for d in sorted(days)) + " " + hours
            out.append(hours)
    return tuple(out)
