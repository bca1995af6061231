"""A field collector's day: the planned visits, grouped by district, with every address to call at, the
gate's verdict for a visit there and what may be discussed with the person who lives there.

A day's visits are the daily plan's `visit` rows given to the viewer for that day, and the cases whose
next action is a visit due that day (in the viewer's time zone): for a collector the cases assigned to or
held by it, for a supervisor every case it may see. A visit is recorded like a call, with
services.contacts.log_contact(channel="visit").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from huikuan.errors import Forbidden
from huikuan.services.access import Viewer, case_scope
from huikuan.services.contacts import check_contact, may_discuss_payment
from huikuan.services.gate import UNUSABLE
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# The planner's district (strategy/features.py): a Chinese address's province, city and district, or a
# US address's "City, ST".
_CN_DISTRICT = re.compile(
    r"^((?:[^省市]{2,7}省|[^区]{2,8}自治区)?(?:[^市州盟]{1,8}(?:市|自治州|州|盟))?[^区县旗]{1,8}(?:区|县|旗))"
)
_US_CITY = re.compile(r",\s*([^,]+,\s*[A-Z]{2})\s+\d{5}")
_UNUSABLE = UNUSABLE  # a disconnected address (returned mail, demolished) is not visited either


def district_of(address: str | None) -> str:
    """The district an address lies in, as the planner names it; '' when it cannot be read."""
    if not address:
        return ""
    found = _CN_DISTRICT.search(address) or _US_CITY.search(address)
    return found.group(1).strip() if found else ""


@dataclass(frozen=True)
class Stop:
    """An address to call at, whose it is, and what may be discussed there."""

    contact_point_id: int
    address: str
    person: str
    role: str  # "debtor" or the related party's role
    party_id: int | None
    topic: str  # "payment", or "location": only where the debtor may be found
    allowed: bool  # the gate's verdict for a visit at the visit's time (or now, if later)
    rules: tuple[str, ...]
    next_allowed_at: datetime | None


@dataclass(frozen=True)
class Visit:
    case_id: int
    debtor_name: str
    balance: int
    currency: str
    at: datetime | None  # the plan's slot or the next action's due time
    goal: str | None
    source: str  # "plan" or "next_action"
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class District:
    name: str  # '' when no address could be read
    visits: tuple[Visit, ...]


def visit_day(uow: UnitOfWork, viewer: Viewer, day: date, *, now: datetime | None = None) -> list[District]:
    """The viewer's visits of `day`, by district (named districts first, alphabetically), each by time.
    A creditor's read-only viewer makes no visits: Forbidden."""
    if viewer.read_only:
        raise Forbidden("Field visits are for the agency's collectors and supervisors")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    zone = ZoneInfo(viewer.time_zone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    c, p = t.cases.c, t.plan_rows.c
    planned = uow.session.execute(
        select(c.id, p.slot_start, c.next_action_goal)
        .join(t.plan_rows, p.case_id == c.id)
        .where(p.plan_date == day, p.action == "visit", p.user_id == viewer.user_id, case_scope(viewer))
    ).all()
    mine = (
        case_scope(viewer)
        if viewer.supervises
        else and_(
            case_scope(viewer), or_(c.assigned_user_id == viewer.user_id, c.claimed_by == viewer.user_id)
        )
    )
    due = uow.session.execute(
        select(c.id, c.next_action_due_at, c.next_action_goal).where(
            c.next_action_channel == "visit", c.next_action_due_at >= start, c.next_action_due_at < end, mine
        )
    ).all()
    wanted: dict[int, tuple[datetime | None, str | None, str]] = {}
    for row in due:
        wanted[row.id] = (row.next_action_due_at, row.next_action_goal, "next_action")
    for row in planned:
        wanted[row.id] = (row.slot_start, row.next_action_goal, "plan")
    visits = [_visit(uow, case_id, at, goal, source, now) for case_id, (at, goal, source) in wanted.items()]
    groups: dict[str, list[Visit]] = {}
    for visit in visits:
        groups.setdefault(_district(visit), []).append(visit)
    never = datetime.max.replace(tzinfo=UTC)
    return [
        District(name, tuple(sorted(group, key=lambda v: (v.at or never, v.case_id))))
        for name, group in sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))
    ]


def _district(visit: Visit) -> str:
    own = [s.address for s in visit.stops if s.party_id is None]
    for address in own or [s.address for s in visit.stops]:
        name = district_of(address)
        if name:
            return name
    return ""


def _visit(
    uow: UnitOfWork, case_id: int, at: datetime | None, goal: str | None, source: str, now: datetime
) -> Visit:
    c, d, a, cr = t.cases.c, t.debtors.c, t.accounts.c, t.creditors.c
    case = uow.session.execute(
        select(c.id, c.debtor_id, d.name, cr.pack, cr.pack_overrides, cr.currency)
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one()
    balance = uow.session.execute(
        select(func.coalesce(func.sum(a.balance), 0), func.max(a.currency)).where(
            a.case_id == case_id, a.status == "open"
        )
    ).one()
    when = max(at or now, now)
    stops = tuple(_stops(uow, case, when))
    return Visit(case_id, case.name, int(balance[0]), balance[1] or case.currency, at, goal, source, stops)


def _stops(uow: UnitOfWork, case: Any, when: datetime) -> list[Stop]:
    cp, p = t.contact_points.c, t.parties.c
    rows = uow.session.execute(
        select(cp.id, cp.value, cp.party_id, p.name, p.role)
        .outerjoin(t.parties, p.id == cp.party_id)
        .where(cp.debtor_id == case.debtor_id, cp.kind == "address", cp.status.not_in(_UNUSABLE))
        .order_by(cp.party_id.is_not(None), cp.id)
    ).all()
    stops = []
    for row in rows:
        role = "debtor" if row.party_id is None else str(row.role)
        payment = row.party_id is None or may_discuss_payment(case.pack, case.pack_overrides, role)
        verdict = check_contact(
            uow, case.id, channel="visit", at=when, party=row.party_id, contact_point_id=row.id
        )
        until = verdict.decision.get("next_allowed_at")
        stops.append(
            Stop(
                contact_point_id=row.id,
                address=row.value,
                person=case.name if row.party_id is None else row.name,
                role=role,
                party_id=row.party_id,
                topic="payment" if payment else "location",
                allowed=verdict.allowed,
                rules=verdict.refused_by,
                next_allowed_at=None
                if until is None
                else datetime.fromisoformat(until.replace("Z", "+00:00")),
            )
        )
    return stops
