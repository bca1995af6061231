"""What a change of a creditor's pack or tightening does to today's plan, before it is saved: each of the
day's planned contacts of the creditor (storage plan_rows of the floor's today) is asked of the real gate
(services/gate.py) twice, under the pack in force and under the new one, and the contacts the gate allows
now but would refuse then are counted by the rule that refuses them. No rule is coded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select

from huikuan.domain.enums import Channel
from huikuan.errors import HuikuanError
from huikuan.services.access import Viewer, require_supervisor
from huikuan.services.clock import floor_today
from huikuan.services.creditor_admin import detail, tightened_pack
from huikuan.services.gate import GateInputs, ask, read_gate_inputs
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# At most this many of the day's contacts are asked (the preview says when there were more).
PREVIEW_LIMIT = 2_000


@dataclass(frozen=True)
class PlanImpact:
    """Of today's planned contacts: how many were asked, how many the gate refuses already, how many it
    would newly refuse, and those by rule."""

    planned: int
    asked: int
    refused_now: int
    newly_refused: int
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return self.asked < self.planned


def plan_impact(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int, pack: str, overrides_text: str, now: datetime
) -> PlanImpact:
    """Today's plan of the creditor asked of the gate under its pack in force and under `pack` with the
    tightening `overrides_text` (InvalidInput if that is refused). Reads only."""
    require_supervisor(viewer)
    detail(uow, viewer, creditor_id)  # NotFound for an unknown creditor
    new_pack, _stored = tightened_pack(pack, overrides_text)
    p, c = t.plan_rows.c, t.cases.c
    rows = uow.session.execute(
        select(p.case_id, p.action, p.slot_start)
        .join(t.cases, c.id == p.case_id)
        .where(p.plan_date == floor_today(now), c.creditor_id == creditor_id, p.action != "none")
        .order_by(p.id)
    ).all()
    asked = refused_now = newly = 0
    by_rule: dict[str, int] = {}
    inputs: dict[int, GateInputs] = {}
    for row in rows[:PREVIEW_LIMIT]:
        if row.case_id not in inputs:
            inputs[row.case_id] = read_gate_inputs(uow, row.case_id)
        current = inputs[row.case_id]
        at = max(row.slot_start or now, now)
        try:
            before, _ = ask(current, channel=Channel(row.action), party=None, to=None, at=at)
            after, _ = ask(
                replace(current, pack=new_pack), channel=Channel(row.action), party=None, to=None, at=at
            )
        except HuikuanError:
            continue  # a case without accounts is not a contact the gate is asked about
        asked += 1
        if not before.allowed:
            refused_now += 1
        elif not after.allowed:
            newly += 1
            for rule in after.refused_by:
                by_rule[rule] = by_rule.get(rule, 0) + 1
    return PlanImpact(len(rows), asked, refused_now, newly, dict(sorted(by_rule.items())))
