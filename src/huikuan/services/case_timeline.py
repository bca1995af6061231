"""The case page's timeline: every interaction, promise, payment, message, letter, arrangement, plan row and
refusal of the compliance gate of a case as one typed list, newest first, with a short label, a detail, who
did it and the rule or reason where one applies, in the user's language; filterable by kind and searchable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import select

from huikuan.domain.money import Money
from huikuan.i18n import gettext, normalize_locale
from huikuan.services import account_status
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    GOAL_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    RULE_LABELS,
    SEGMENT_LABELS,
    STATUS_LABELS,
    label,
)
from huikuan.services.fact_effects import CANCELLED_ERROR, CANCELLED_PREFIX
from huikuan.services.outbox_job import HOLD_ERROR
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# The timeline's filters, in the filter bar's order. Every entry is in one of the first five or in "refusal"
# or "plan" (an interaction by its channel: calls and visits, or messages); an entry a person wrote a note
# on is in "note" as well, and a message the gate held back in "refusal" as well.
FILTERS = ("call", "message", "payment", "promise", "note", "refusal", "plan")
FILTER_LABELS = {
    "call": "Calls ({count})",
    "message": "Messages ({count})",
    "payment": "Payments ({count})",
    "promise": "Promises ({count})",
    "note": "Notes ({count})",
    "refusal": "Gate refusals ({count})",
    "plan": "Plans ({count})",
}
_MESSAGE_CHANNELS = frozenset({"sms", "email", "wechat", "letter"})
SEARCH_MAX = 100  # characters of a search kept


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # interaction, promise, payment, reversal, message, letter, arrangement, plan, refusal, status
    ref_id: int
    label: str  # short, translated
    detail: str  # translated
    status: str | None = None
    amount: int | None = None
    currency: str | None = None
    by: str | None = None  # who: a user's name, or "the debtor", "the planner", "system", "the gate"
    groups: tuple[str, ...] = ()  # the FILTERS it is shown under
    note: str = ""  # what a person wrote on it
    reason: str = ""  # the gate's rules for a refusal, or the reason given, translated


@dataclass(frozen=True)
class TimelineView:
    """The timeline panel: the entries chosen, and how many entries of each filter the whole case holds."""

    items: tuple[TimelineItem, ...]
    counts: dict[str, int]
    total: int
    kinds: tuple[str, ...]  # the filters chosen, in FILTERS order; none: every entry
    q: str


def filter_timeline(
    items: Sequence[TimelineItem], kinds: Collection[str] = (), q: str = ""
) -> tuple[TimelineItem, ...]:
    """The entries in any of `kinds` (all when none) whose label, detail, who, note or reason holds `q`,
    whatever its case."""
    wanted = set(kinds)
    needle = q.strip().casefold()
    return tuple(
        item
        for item in items
        if (not wanted or wanted.intersection(item.groups)) and (not needle or needle in _text(item))
    )


def count_by_filter(items: Sequence[TimelineItem]) -> dict[str, int]:
    """How many entries each filter shows, over `items`."""
    return {kind: sum(1 for item in items if kind in item.groups) for kind in FILTERS}


def _text(item: TimelineItem) -> str:
    return " ".join((item.label, item.detail, item.by or "", item.note, item.reason)).casefold()


def chosen_filters(kinds: Collection[str]) -> tuple[str, ...]:
    """The known filters among `kinds`, in the bar's order (an unknown one, from an old link, is ignored)."""
    return tuple(kind for kind in FILTERS if kind in set(kinds))


def timeline_view(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    locale: str | None = None,
    kinds: Collection[str] = (),
    q: str = "",
) -> TimelineView:
    """The timeline panel: the case's entries of the chosen kinds matching the search, newest first, with
    the count of each kind over the whole case."""
    every = case_timeline(uow, viewer, case_id, locale=locale)
    chosen, search = chosen_filters(kinds), q.strip()[:SEARCH_MAX]
    return TimelineView(
        filter_timeline(every, chosen, search), count_by_filter(every), len(every), chosen, search
    )


def case_timeline(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    locale: str | None = None,
    kinds: Collection[str] = (),
    q: str = "",
) -> tuple[TimelineItem, ...]:
    """The case's timeline alone, newest first (the page's lazily loaded panel): only the entries of
    `kinds` (FILTERS; all when none) that hold `q` when given."""
    case = visible_case(uow, viewer, case_id)
    lang = normalize_locale(locale or viewer.locale)
    p = t.parties.c
    parties = uow.session.execute(select(p.id, p.role, p.name).where(p.debtor_id == case.debtor_id)).all()
    currency = uow.session.execute(
        select(t.creditors.c.currency).where(t.creditors.c.id == case.creditor_id)
    ).scalar_one()
    items = timeline(
        uow,
        case_id,
        interactions(uow, case_id),
        {r.id: r for r in parties},
        plan_rows(uow, case_id),
        currency,
        lang,
    )
    return filter_timeline(items, chosen_filters(kinds), q) if kinds or q.strip() else items


def timeline(
    uow: UnitOfWork,
    case_id: int,
    done: Sequence[Any],
    parties: dict[int, Any],
    plan: Sequence[Any],
    currency: str,
    lang: str,
) -> tuple[TimelineItem, ...]:
    """Every event of the case as one list, newest first: one query per kind of event, none per row."""

    def _(msgid: str, **values: object) -> str:
        return gettext(msgid, lang, **values)

    money = _money_formatter(lang)
    items = [
        *_interaction_items(done, parties, _),
        *_promise_items(uow, case_id, money, _),
        *_payment_items(uow, case_id, money, _),
        *_message_items(uow, case_id, _),
        *_arrangement_items(uow, case_id, money, _),
        *_plan_items(plan, money, currency, _),
        *_refusal_items(uow, case_id, parties, _),
        *_status_items(uow, case_id, lang, _),
    ]
    items.sort(key=lambda item: (item.at, _KIND_ORDER[item.kind], item.ref_id), reverse=True)
    return tuple(items)


_KIND_ORDER = {
    "refusal": 0,
    "plan": 0,
    "message": 1,
    "letter": 1,
    "interaction": 2,
    "promise": 3,
    "arrangement": 4,
    "payment": 5,
    "reversal": 5,
    "status": 6,
}


def interactions(uow: UnitOfWork, case_id: int, *, limit: int | None = None) -> list[Any]:
    i, u = t.interactions.c, t.users.c
    return list(
        uow.session.execute(
            select(
                i.id,
                i.at,
                i.channel,
                i.direction,
                i.outcome,
                i.goal,
                i.goal_note,
                i.goal_met,
                i.notes,
                i.duration_s,
                i.party_id,
                u.display_name.label("user_name"),
            )
            .select_from(t.interactions.outerjoin(t.users, u.id == i.user_id))
            .where(i.case_id == case_id)
            .order_by(i.at.desc(), i.id.desc())
            .limit(limit)
        ).all()
    )


def _interaction_items(
    rows: Sequence[Any], parties: dict[int, Any], _: Callable[..., str]
) -> list[TimelineItem]:
    items = []
    for r in rows:
        parts = []
        if r.direction == "inbound":
            parts.append(_("inbound"))
        if r.party_id is not None and r.party_id in parties:
            who = parties[r.party_id]
            parts.append(
                _("with {name} ({role})", name=who.name, role=_(ROLE_LABELS.get(who.role, who.role)))
            )
        if r.goal:
            met = "" if r.goal_met is None else (_("met") if r.goal_met else _("not met"))
            goal = _(GOAL_LABELS.get(r.goal, r.goal)) + (f" · {r.goal_note}" if r.goal_note else "")
            parts.append(_("goal: {goal}", goal=goal) + (f" ({met})" if met else ""))
        if r.duration_s:
            parts.append(
                _("{minutes} min {seconds} s", minutes=r.duration_s // 60, seconds=r.duration_s % 60)
            )
        label = (
            f"{_(CHANNEL_LABELS.get(r.channel, r.channel))} · {_(OUTCOME_LABELS.get(r.outcome, r.outcome))}"
        )
        groups = ["message" if r.channel in _MESSAGE_CHANNELS else "call"]
        if r.outcome == "refused_by_gate":
            groups.append("refusal")
        if r.notes:
            groups.append("note")
        if r.user_name:
            by = r.user_name
        else:
            by = _("the debtor") if r.direction == "inbound" else _("system")
        items.append(
            TimelineItem(
                r.at,
                "interaction",
                r.id,
                label,
                " · ".join(parts),
                r.outcome,
                by=by,
                groups=tuple(groups),
                note=r.notes or "",
            )
        )
    return items


def _promise_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    pr, u = t.promises.c, t.users.c
    rows = uow.session.execute(
        select(
            pr.id,
            pr.amount,
            pr.currency,
            pr.due_date,
            pr.created_at,
            pr.status,
            pr.paid_amount,
            u.display_name.label("user_name"),
        )
        .select_from(t.promises.outerjoin(t.users, u.id == pr.created_by))
        .where(pr.case_id == case_id)
    ).all()
    items = []
    for r in rows:
        label = _(
            "Promise of {amount} by {date}", amount=money(r.amount, r.currency), date=r.due_date.isoformat()
        )
        detail = _(STATUS_LABELS.get(r.status, r.status))
        if r.paid_amount:
            detail += " · " + _("paid {amount}", amount=money(r.paid_amount, r.currency))
        items.append(
            TimelineItem(
                r.created_at,
                "promise",
                r.id,
                label,
                detail,
                r.status,
                r.amount,
                r.currency,
                r.user_name or _("system"),
                ("promise",),
            )
        )
    return items


def _payment_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    """Each payment (a reversed one marked so), and each reversal on the day it was made, with its reason."""
    pay, a, rv, u = t.payments.c, t.accounts.c, t.payment_reversals.c, t.users.c
    rows = uow.session.execute(
        select(pay.id, pay.amount, pay.currency, pay.paid_at, pay.method, pay.status, a.external_ref)
        .select_from(t.payments.join(t.accounts, a.id == pay.account_id))
        .where(a.case_id == case_id)
    ).all()
    items = [
        TimelineItem(
            r.paid_at,
            "payment",
            r.id,
            _("Payment of {amount}", amount=money(r.amount, r.currency))
            + (" · " + _("reversed") if r.status == "reversed" else ""),
            _("account {ref}", ref=r.external_ref) + (f" · {r.method}" if r.method else ""),
            r.status if r.status == "reversed" else None,
            r.amount,
            r.currency,
            _("the debtor"),
            ("payment",),
        )
        for r in rows
    ]
    reversals = uow.session.execute(
        select(rv.id, rv.kind, rv.reason, rv.at, pay.amount, pay.currency, u.display_name)
        .select_from(
            t.payment_reversals.join(t.payments, pay.id == rv.payment_id)
            .join(t.accounts, a.id == pay.account_id)
            .outerjoin(t.users, u.id == rv.user_id)
        )
        .where(a.case_id == case_id)
    ).all()
    items += [
        TimelineItem(
            r.at,
            "reversal",
            r.id,
            _("Payment of {amount} reversed", amount=money(r.amount, r.currency)),
            _(REVERSAL_LABELS.get(r.kind, r.kind)),
            "reversal",
            -r.amount,
            r.currency,
            r.display_name or _("system"),
            ("payment",),
            reason=r.reason,
        )
        for r in reversals
    ]
    return items


# Why a payment was reversed (services/payments.REVERSAL_KINDS), as the timeline shows it: the payments
# tab's words (web/ui/payments.py LABELS["kind"]), msgids translated in payweb.po.
REVERSAL_LABELS = {
    "bounced": "Bounced",
    "chargeback": "Chargeback",
    "refund": "Refunded",
    "wrong_case": "Posted to the wrong case",
    "error": "Posted in error",
}


def _status_items(uow: UnitOfWork, case_id: int, lang: str, _: Callable[..., str]) -> list[TimelineItem]:
    """An account's change of status (recalled, closed, written off, returned): who, why, from which file."""
    rows = account_status.changes(uow.session.connection(), case_id)
    return [
        TimelineItem(
            r["at"],
            "status",
            int(str(r["id"])),
            _(
                "Account {ref}: {status}",
                ref=r["external_ref"],
                status=label("status", str(r["to_status"]), lang),
            ),
            _("was {status}", status=label("status", str(r["from_status"]), lang))
            + (" · " + _("recall file {batch}", batch=r["batch_id"]) if r["batch_id"] else ""),
            str(r["to_status"]),
            by=str(r["display_name"]) if r["display_name"] else _("the creditor"),
            reason=str(r["reason"]),
        )
        for r in rows
    ]


def _message_items(uow: UnitOfWork, case_id: int, _: Callable[..., str]) -> list[TimelineItem]:
    m, u = t.messages.c, t.users.c
    rows = uow.session.execute(
        select(
            m.id,
            m.channel,
            m.status,
            m.template,
            m.subject,
            m.created_at,
            m.sent_at,
            m.error,
            u.display_name.label("user_name"),
        )
        .select_from(t.messages.outerjoin(t.users, u.id == m.user_id))
        .where(m.case_id == case_id)
    ).all()
    items = []
    for r in rows:
        at = r.created_at or r.sent_at
        if at is None:
            continue
        kind = "letter" if r.channel == "letter" else "message"
        parts = [_(STATUS_LABELS.get(r.status, r.status))]
        if r.template:
            parts.append(_("template {name}", name=r.template))
        if r.subject:
            parts.append(r.subject)
        label = _("Letter") if kind == "letter" else _(CHANNEL_LABELS.get(r.channel, r.channel))
        held = r.status in ("refused", "cancelled")
        reason = ""
        if r.error and r.status in ("refused", "failed", "cancelled"):
            reason = (
                _("a cease request or dispute came after it was queued") if r.error == HOLD_ERROR else r.error
            )
            if r.status == "cancelled" and r.error.startswith(CANCELLED_PREFIX):
                reason = _(CANCELLED_ERROR, rule=r.error[len(CANCELLED_PREFIX) :])
        items.append(
            TimelineItem(
                at,
                kind,
                r.id,
                label,
                " · ".join(parts),
                r.status,
                by=r.user_name or _("system"),
                groups=("message", "refusal") if held else ("message",),
                reason=reason,
            )
        )
    return items


def _arrangement_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    ar, u = t.arrangements.c, t.users.c
    rows = uow.session.execute(
        select(
            ar.id,
            ar.kind,
            ar.status,
            ar.total_amount,
            ar.currency,
            ar.discount_bp,
            ar.schedule,
            ar.created_at,
            ar.approved_at,
            ar.decided_at,
            ar.reason,
            ar.decision_note,
            u.display_name.label("user_name"),
        )
        .select_from(t.arrangements.outerjoin(t.users, u.id == ar.proposed_by))
        .where(ar.case_id == case_id)
    ).all()
    items = []
    for r in rows:
        at = r.created_at or r.decided_at or r.approved_at
        if at is None:
            continue
        amount = money(r.total_amount, r.currency)
        if r.kind == "settlement":
            label = _("Settlement of {amount}", amount=amount)
        else:
            label = _("Instalment plan of {amount}", amount=amount)
        parts = [_(STATUS_LABELS.get(r.status, r.status))]
        if r.discount_bp:
            parts.append(_("discount {percent}%", percent=f"{r.discount_bp / 100:g}"))
        schedule = json_list(r.schedule)
        if schedule:
            parts.append(_("{count} instalments", count=len(schedule)))
        reasons = [text for text in (r.reason, r.decision_note) if text]
        items.append(
            TimelineItem(
                at,
                "arrangement",
                r.id,
                label,
                " · ".join(parts),
                r.status,
                r.total_amount,
                r.currency,
                r.user_name or _("system"),
                ("promise",),
                reason=" · ".join(reasons),
            )
        )
    return items


def plan_rows(uow: UnitOfWork, case_id: int) -> list[Any]:
    pl, u = t.plan_rows.c, t.users.c
    return list(
        uow.session.execute(
            select(
                pl.id,
                pl.plan_date,
                pl.action,
                pl.slot_start,
                pl.created_at,
                pl.p_pay,
                pl.expected_value,
                pl.segment,
                pl.reason,
                u.display_name.label("user_name"),
            )
            .select_from(t.plan_rows.outerjoin(t.users, u.id == pl.user_id))
            .where(pl.case_id == case_id)
            .order_by(pl.plan_date.desc())
        ).all()
    )


def latest_scores(plan: Sequence[Any]) -> dict[str, float]:
    if not plan:
        return {}
    scores = json_dict(plan[0].reason).get("scores")
    if not isinstance(scores, dict):
        return {}
    return {k: float(v) for k, v in scores.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _plan_items(
    rows: Sequence[Any], money: Callable[[int, str], str], currency: str, _: Callable[..., str]
) -> list[TimelineItem]:
    items = []
    for r in rows:
        reason = json_dict(r.reason)
        action = _(ACTION_LABELS.get(r.action, r.action))
        label = _("Plan for {date}: {action}", date=r.plan_date.isoformat(), action=action)
        parts = []
        segment = reason.get("segment") or r.segment
        if segment:
            parts.append(_(SEGMENT_LABELS.get(segment, segment)))
        if r.p_pay is not None:
            parts.append(_("chance of payment {percent}%", percent=round(r.p_pay * 100)))
        if r.expected_value:
            parts.append(_("expected {amount}", amount=money(int(r.expected_value), currency)))
        if r.user_name:
            parts.append(_("for {name}", name=r.user_name))
        note = reason.get("note")
        items.append(
            TimelineItem(
                r.slot_start or r.created_at,
                "plan",
                r.id,
                label,
                " · ".join(parts),
                r.action,
                by=_("the planner"),
                groups=("plan",),
                reason=note if isinstance(note, str) else "",
            )
        )
    return items


def _refusal_items(
    uow: UnitOfWork, case_id: int, parties: dict[int, Any], _: Callable[..., str]
) -> list[TimelineItem]:
    """The contacts and next actions the gate refused (kept as audit events by services/contacts.py)."""
    ev, u = t.audit_events.c, t.users.c
    rows = uow.session.execute(
        select(ev.id, ev.at, ev.detail, u.display_name.label("user_name"))
        .select_from(t.audit_events.outerjoin(t.users, u.id == ev.user_id))
        .where(ev.action == "contact.refused", ev.entity == "case", ev.entity_id == case_id)
    ).all()
    items = []
    for r in rows:
        what = json_dict(r.detail)
        channel = str(what.get("channel") or "")
        if what.get("next_action"):
            label = _(
                "Next action refused by the gate: {channel}", channel=_(CHANNEL_LABELS.get(channel, channel))
            )
        else:
            label = _("{channel} refused by the gate", channel=_(CHANNEL_LABELS.get(channel, channel)))
        parts = []
        party = what.get("party")
        if isinstance(party, int) and party in parties:
            who = parties[party]
            parts.append(
                _("with {name} ({role})", name=who.name, role=_(ROLE_LABELS.get(who.role, who.role)))
            )
        rules = [str(rule) for rule in json_list(what.get("rules"))]
        items.append(
            TimelineItem(
                r.at,
                "refusal",
                r.id,
                label,
                " · ".join(parts),
                "refused",
                by=r.user_name or _("the gate"),
                groups=("refusal",),
                reason=" · ".join(_(RULE_LABELS.get(rule, rule)) for rule in rules),
            )
        )
    return items


def _money_formatter(locale: str) -> Callable[[int, str], str]:
    def fmt(minor: int, currency: str) -> str:
        return format_currency(Money(int(minor), currency).amount, currency, locale=locale)

    return fmt


def json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return list(value) if isinstance(value, list) else []


def json_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


__all__ = [
    "FILTERS",
    "FILTER_LABELS",
    "TimelineItem",
    "TimelineView",
    "case_timeline",
    "chosen_filters",
    "count_by_filter",
    "filter_timeline",
    "interactions",
    "json_dict",
    "json_list",
    "latest_scores",
    "plan_rows",
    "timeline",
    "timeline_view",
]
