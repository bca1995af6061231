"""The case page's timeline: every interaction, promise, payment, message, letter, arrangement and plan row
of a case as one typed list, newest first, with a short label and a detail in the user's language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import select

from huikuan.domain.money import Money
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    GOAL_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    SEGMENT_LABELS,
    STATUS_LABELS,
)
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # interaction, promise, payment, message, letter, arrangement, plan
    ref_id: int
    label: str  # short, translated
    detail: str  # translated
    status: str | None = None
    amount: int | None = None
    currency: str | None = None
    by: str | None = None


def case_timeline(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, locale: str | None = None
) -> tuple[TimelineItem, ...]:
    """The case's timeline alone, newest first (the page's lazily loaded panel)."""
    case = visible_case(uow, viewer, case_id)
    lang = normalize_locale(locale or viewer.locale)
    p = t.parties.c
    parties = uow.session.execute(select(p.id, p.role, p.name).where(p.debtor_id == case.debtor_id)).all()
    currency = uow.session.execute(
        select(t.creditors.c.currency).where(t.creditors.c.id == case.creditor_id)
    ).scalar_one()
    return timeline(
        uow,
        case_id,
        interactions(uow, case_id),
        {r.id: r for r in parties},
        plan_rows(uow, case_id),
        currency,
        lang,
    )


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
    ]
    items.sort(key=lambda item: (item.at, _KIND_ORDER[item.kind], item.ref_id), reverse=True)
    return tuple(items)


_KIND_ORDER = {
    "plan": 0,
    "message": 1,
    "letter": 1,
    "interaction": 2,
    "promise": 3,
    "arrangement": 4,
    "payment": 5,
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
        if r.notes:
            parts.append(r.notes)
        label = (
            f"{_(CHANNEL_LABELS.get(r.channel, r.channel))} · {_(OUTCOME_LABELS.get(r.outcome, r.outcome))}"
        )
        items.append(
            TimelineItem(r.at, "interaction", r.id, label, " · ".join(parts), r.outcome, by=r.user_name)
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
                r.created_at, "promise", r.id, label, detail, r.status, r.amount, r.currency, r.user_name
            )
        )
    return items


def _payment_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    pay, a = t.payments.c, t.accounts.c
    rows = uow.session.execute(
        select(pay.id, pay.amount, pay.currency, pay.paid_at, pay.method, a.external_ref)
        .select_from(t.payments.join(t.accounts, a.id == pay.account_id))
        .where(a.case_id == case_id)
    ).all()
    return [
        TimelineItem(
            r.paid_at,
            "payment",
            r.id,
            _("Payment of {amount}", amount=money(r.amount, r.currency)),
            _("account {ref}", ref=r.external_ref) + (f" · {r.method}" if r.method else ""),
            None,
            r.amount,
            r.currency,
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
        items.append(TimelineItem(at, kind, r.id, label, " · ".join(parts), r.status, by=r.user_name))
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
                r.user_name,
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
        note = reason.get("note")
        if isinstance(note, str) and note:
            parts.append(note)
        items.append(
            TimelineItem(
                r.slot_start or r.created_at, "plan", r.id, label, " · ".join(parts), r.action, by=r.user_name
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
    "TimelineItem",
    "case_timeline",
    "interactions",
    "json_dict",
    "json_list",
    "latest_scores",
    "plan_rows",
    "timeline",
]
