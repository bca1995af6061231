"""What a change of a debtor's facts does at once, in the same transaction as the change itself.

`changing_facts` (services/fact_history.py) calls `apply_fact_effects` for each debtor whose facts
changed, after the new version is written, so the outbox, the daily plan, the queue and the case page
see the new fact in the same request. For each case of such a debtor, the gate is asked again through
the one door (services/gate.py) with the facts as they are now:

- every queued message that the gate now refuses for a rule only facts can lift (FACT_RULES: cease,
  dispute, attorney, channel opt-out, bankruptcy, holds ...), or whose contact point is now marked
  do-not-contact, is cancelled (status "cancelled", the rule in `error`, an audit event
  `message.cancelled`): an SMS queued for a channel just opted out is not sent. A refusal by a rule
  of the clock (contact hours ...) cancels nothing: the outbox asks again when the message is due;
- today's plan row (the floor's day) is asked about again at its slot (or now, if later); refused for
  a fact rule, its action becomes "none", the rule is added to its reason's `removed` list, and the
  queue no longer puts the case first;
- the case's next action (channel and due time) is asked about at its time (or now, if later); when a
  fact rule or a designated inconvenient time refuses it, it moves to the gate's `next_allowed_at`, or
  is cleared (channel, goal, note and time together) when the gate names no such time.

Each case that changed gets one audit event `case.regated` (ids and rule codes only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, or_, select, update

from huikuan.domain.enums import Channel
from huikuan.services.clock import floor_today
from huikuan.services.gate import GateInputs, Verdict, ask, read_gate_inputs
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.hour_masks import ACTION_CHANNELS, FACT_RULES

CANCELLED = "cancelled"
DO_NOT_CONTACT = "do-not-contact"  # not a gate rule: the contact point itself is marked
# The text kept in messages.error for a cancelled message (a msgid: shown in the reader's language).
CANCELLED_ERROR = "cancelled when the debtor's facts changed: {rule}"
CANCELLED_PREFIX = CANCELLED_ERROR.split("{", 1)[0]
# A next action is moved (or cleared) when one of these refuses it: the facts decide, not the clock.
_NEXT_ACTION_RULES = FACT_RULES | {"designated-inconvenient-time"}
_CHANNELS = {c.value: c for c in Channel}
_CHUNK = 1_000


@dataclass
class Effects:
    """What the change did, for the caller and the tests."""

    cancelled: list[int] = field(default_factory=list)  # message ids
    plan_rows: list[int] = field(default_factory=list)  # plan row ids set to "none"
    next_actions: dict[int, str | None] = field(default_factory=dict)  # case id: new due (ISO) or None

    def merge(self, other: Effects) -> None:
        self.cancelled += other.cancelled
        self.plan_rows += other.plan_rows
        self.next_actions.update(other.next_actions)


def fact_rule(verdict: Verdict, rules: frozenset[str] = FACT_RULES) -> str | None:
    """The first refusing rule that only facts can lift, else None (allowed, or refused by the clock)."""
    if verdict.allowed:
        return None
    return next((r for r in verdict.refused_by if r in rules), None)


def apply_fact_effects(
    uow: UnitOfWork,
    debtor_ids: Iterable[int],
    *,
    at: datetime,
    user_id: int | None,
    versions: dict[int, int] | None = None,
) -> Effects:
    """Cancels, re-gates and moves what the debtors' new facts refuse (see the module's docstring)."""
    ids = sorted(set(debtor_ids))
    done = Effects()
    if not ids:
        return done
    now = at.astimezone(UTC)
    for case in _cases_to_regate(uow, ids, floor_today(now)):
        inputs = read_gate_inputs(uow, case.id)
        if not inputs.accounts:
            continue
        effects = Effects()
        effects.cancelled = _cancel_messages(uow, inputs, now, user_id)
        plan = _regate_plan(uow, inputs, now)
        if plan is not None:
            effects.plan_rows.append(plan[0])
        moved = _regate_next_action(uow, inputs, now)
        if moved is not None:
            effects.next_actions[case.id] = moved[0]
        if plan is not None or moved is not None:
            detail: dict[str, Any] = {"version": (versions or {}).get(case.debtor_id)}
            if plan is not None:
                detail["plan_row"], detail["plan_rule"] = plan
            if moved is not None:
                detail["next_action_due"], detail["next_action_rule"] = moved
            record(
                uow.session,
                at=now,
                user_id=user_id,
                action="case.regated",
                entity="case",
                entity_id=case.id,
                detail=detail,
            )
        done.merge(effects)
    return done


def _cases_to_regate(uow: UnitOfWork, debtor_ids: list[int], today: date) -> list[Any]:
    """The debtors' cases that have something the gate could now refuse: a queued message, a plan row
    of today with an action, or a next action (an import that flags thousands asks only about these)."""
    c, m, p = t.cases.c, t.messages.c, t.plan_rows.c
    queued = exists().where(m.case_id == c.id, m.status == "queued")
    planned = exists().where(p.case_id == c.id, p.plan_date == today, p.action != "none")
    found: list[Any] = []
    for start in range(0, len(debtor_ids), _CHUNK):
        chunk = debtor_ids[start : start + _CHUNK]
        found += uow.session.execute(
            select(c.id, c.debtor_id)
            .where(c.debtor_id.in_(chunk), or_(queued, planned, c.next_action_channel.is_not(None)))
            .order_by(c.id)
        ).all()
    return found


def _cancel_messages(uow: UnitOfWork, inputs: GateInputs, now: datetime, user_id: int | None) -> list[int]:
    m, cp = t.messages.c, t.contact_points.c
    rows = uow.session.execute(
        select(m.id, m.channel, m.to, m.party_id, cp.status.label("point_status"))
        .select_from(t.messages.outerjoin(t.contact_points, cp.id == m.contact_point_id))
        .where(m.case_id == inputs.case_id, m.status == "queued")
        .order_by(m.id)
    ).all()
    cancelled = []
    for row in rows:
        channel = _CHANNELS.get(row.channel)
        if channel is None:
            continue
        if row.point_status == "do_not_contact":
            rule: str | None = DO_NOT_CONTACT
        elif row.party_id is not None and row.party_id not in inputs.party_roles:
            rule = DO_NOT_CONTACT  # the party is no longer one of this debtor's
        else:
            verdict, _requests = ask(inputs, channel=channel, party=row.party_id, to=row.to or None, at=now)
            rule = fact_rule(verdict)
        if rule is None:
            continue
        changed = uow.session.execute(
            update(t.messages)
            .where(m.id == row.id, m.status == "queued")
            .values(status=CANCELLED, error=CANCELLED_ERROR.format(rule=rule), claimed_until=None)
        )
        if getattr(changed, "rowcount", 0) != 1:
            continue  # sent or claimed by the outbox meanwhile
        cancelled.append(int(row.id))
        record(
            uow.session,
            at=now,
            user_id=user_id,
            action="message.cancelled",
            entity="message",
            entity_id=row.id,
            detail={"case_id": inputs.case_id, "rule": rule},
        )
    return cancelled


def _regate_plan(uow: UnitOfWork, inputs: GateInputs, now: datetime) -> tuple[int, str] | None:
    """Today's plan row set to "none" when a fact rule now refuses its action: (row id, rule)."""
    p = t.plan_rows.c
    row = uow.session.execute(
        select(p.id, p.action, p.slot_start, p.reason).where(
            p.case_id == inputs.case_id, p.plan_date == floor_today(now), p.action != "none"
        )
    ).one_or_none()
    if row is None or row.action not in ACTION_CHANNELS:
        return None
    when = max(now, row.slot_start) if row.slot_start is not None else now
    verdict, _requests = ask(inputs, channel=ACTION_CHANNELS[row.action], party=None, to=None, at=when)
    rule = fact_rule(verdict)
    if rule is None:
        return None
    reason = dict(row.reason) if isinstance(row.reason, dict) else {}
    removed = list(reason.get("removed") or [])
    removed.append({"action": row.action, "rule": rule})
    reason["removed"] = removed
    reason["regated"] = {"action": row.action, "rule": rule, "at": now.isoformat()}
    uow.session.execute(
        update(t.plan_rows).where(p.id == row.id).values(action="none", slot_start=None, reason=reason)
    )
    return int(row.id), rule


def _regate_next_action(uow: UnitOfWork, inputs: GateInputs, now: datetime) -> tuple[str | None, str] | None:
    """The case's next action moved to when the gate allows it again, or cleared: (new due, rule)."""
    c = t.cases.c
    row = uow.session.execute(
        select(c.next_action_channel, c.next_action_due_at).where(c.id == inputs.case_id)
    ).one()
    channel = _CHANNELS.get(row.next_action_channel or "")
    if channel is None or row.next_action_due_at is None:
        return None
    when = max(now, row.next_action_due_at)
    verdict, _requests = ask(inputs, channel=channel, party=None, to=None, at=when)
    rule = fact_rule(verdict, _NEXT_ACTION_RULES)
    if rule is None:
        return None
    until = verdict.decision.get("next_allowed_at")
    if until:
        due = datetime.fromisoformat(str(until).replace("Z", "+00:00")).astimezone(UTC)
        uow.session.execute(update(t.cases).where(c.id == inputs.case_id).values(next_action_due_at=due))
        return due.isoformat(), rule
    uow.session.execute(
        update(t.cases)
        .where(c.id == inputs.case_id)
        .values(
            next_action_channel=None, next_action_goal=None, next_action_note=None, next_action_due_at=None
        )
    )
    return None, rule
