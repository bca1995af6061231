"""The timeline's entries of contact: interactions, messages and letters, the gate's refusals, and the
daily plan's rows of a case, each as a TimelineItem in the user's language (services/case_timeline.py
orders and filters them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from huikuan.services.case_history import TimelineItem, json_dict, json_list
from huikuan.services.case_labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    GOAL_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    RULE_LABELS,
    SEGMENT_LABELS,
    STATUS_LABELS,
)
from huikuan.services.fact_effects import CANCELLED_ERROR, CANCELLED_PREFIX
from huikuan.services.outbox_delivery import HOLD_ERROR
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

_MESSAGE_CHANNELS = frozenset({"sms", "email", "wechat", "letter"})


def interaction_items(
    rows: Sequence[Any], parties: dict[int, Any], _: Callable[..., str]
) -> list[TimelineItem]:
    """Each call, visit or message logged, with whom, its goal and how long it lasted."""
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


def message_items(uow: UnitOfWork, case_id: int, _: Callable[..., str]) -> list[TimelineItem]:
    """Each message and letter, with its template and, for one held back or failed, why."""
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


def plan_items(
    rows: Sequence[Any], money: Callable[[int, str], str], currency: str, _: Callable[..., str]
) -> list[TimelineItem]:
    """Each row of the daily plan for the case, with its segment, chance of payment and expected value."""
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


def refusal_items(
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
