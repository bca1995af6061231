"""The debtor 360: everything a collector needs before dialling, read in a fixed handful of queries.

`case_360(uow, viewer, case_id)` gathers the case's identity (national ID masked, the age but not the
birth date, so that nothing shown narrows a PRC ID to a few candidates), every contact point
(masked, with its owner's local time and the compliance gate's verdict now), the debts, the related
parties and what may be discussed with each, and one timeline of interactions, promises, payments,
messages, letters, arrangements and plan rows, newest first. The full values behind the masks are
given one at a time by services/reveal.py, which audits each reveal.

The gate is asked through the same door as the contact paths (services/gate.py `ask`), with the facts
and the history read once for the whole page instead of once per contact point: `point_verdict` is
that question for one point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from huikuan.compliance import Pack, Request
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import Debt, Purpose, Role
from huikuan.domain.days import days_past_due
from huikuan.domain.enums import Channel
from huikuan.domain.model import bucket
from huikuan.domain.money import Money
from huikuan.domain.national_id import age_on
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_labels import label
from huikuan.services.case_timeline import (
    TimelineItem,
    case_timeline,
    interactions,
    json_list,
    latest_scores,
    plan_rows,
    timeline,
)
from huikuan.services.clock import floor_today
from huikuan.services.gate import PHONE_KINDS, UNUSABLE, WORK, GateInputs, ask, gate_inputs
from huikuan.services.gate import who as person
from huikuan.services.masking import mask_contact, mask_national_id
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack, debt_id

# The channel a contact point is naturally used for; a QQ number has none the gate knows.
NATURAL_CHANNELS: dict[str, str] = {
    "mobile": "call",
    "landline": "call",
    "email": "email",
    "wechat": "wechat",
    "address": "visit",
}
FLAGS = ("cease", "disputed", "attorney", "deceased", "hardship", "bankruptcy", "employer_prohibits")
PAYMENT, LOCATION, NO_CONTACT = "payment", "location", "none"
# Made once: an alias builds its column collection when first used, a millisecond a page otherwise.
_ASSIGNED = aliased(t.users, name="assigned_user")
_CLAIMER = aliased(t.users, name="claimer")


# --- what the page shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    debtor_id: int
    name: str
    national_id: str  # masked: a PRC ID shows only its region (domain/national_id.py)
    has_national_id: bool
    # Whole years, the one thing shown of the birth date: with the region, a PRC ID stays one of ~180,000.
    # The date itself is revealed (services/reveal.py) or checked (services/identity_check.py).
    age: int | None
    has_birth_date: bool
    language: str
    flags: tuple[str, ...]  # the set ones, of FLAGS
    opt_outs: tuple[str, ...]  # channels the debtor opted out of
    inconvenient_times: tuple[str, ...]  # "12:00-14:00", the debtor's local time
    time_zones: tuple[str, ...]  # where the debtor may be (phones, address, stated zone)
    creditor_id: int
    creditor_code: str
    creditor_name: str
    pack: str
    stage: str
    segment: str | None
    assigned_to: str | None
    assigned_to_id: int | None
    claimed_by: str | None
    claimed_by_id: int | None
    claim_expires_at: datetime | None
    ability: float | None
    willingness: float | None
    delinquency_reason: str | None
    negotiation_reason: str | None
    planner_ability: float | None  # the latest plan's estimate, beside the collector's assessment
    planner_willingness: float | None


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer now for the point's natural channel (as check_contact gives it)."""

    channel: str
    allowed: bool
    next_allowed_at: datetime | None  # UTC; None when blocked until a fact changes
    rules: tuple[str, ...]
    reasons: tuple[str, ...]  # the gate's own explanations (English)
    decision_id: str


@dataclass(frozen=True)
class LocalTime:
    zone: str
    at: datetime  # aware, in `zone`


@dataclass(frozen=True)
class PointView:
    id: int
    kind: str
    masked: str
    status: str
    consent: bool
    source: str
    party_id: int | None  # None: the debtor's own
    owner_name: str
    owner_role: str
    channel: str | None  # the natural channel; None when the gate knows none for the kind
    local_times: tuple[LocalTime, ...]
    verdict: GateVerdict | None  # None for a point not used (UNUSABLE) or a kind with no channel
    place: str | None = None  # "work": it reaches the person at their place of employment

    @property
    def do_not_contact(self) -> bool:
        return self.status == "do_not_contact"

    @property
    def unusable(self) -> bool:
        """Marked wrong number, disconnected or do-not-contact: not offered, not dialled."""
        return self.status in UNUSABLE


@dataclass(frozen=True)
class DebtView:
    account_id: int
    creditor_code: str
    external_ref: str
    product: str
    currency: str
    principal: int
    interest: int
    fees: int
    balance: int
    overdue_since: date | None
    days_past_due: int
    bucket: str
    status: str


@dataclass(frozen=True)
class Total:
    currency: str
    accounts: int
    principal: int
    interest: int
    fees: int
    balance: int


@dataclass(frozen=True)
class PartyView:
    id: int | None  # None: the debtor itself
    role: str
    name: str
    liable: bool
    relation: str | None
    may_discuss: str  # PAYMENT, LOCATION or NO_CONTACT (the pack forbids contacting this role)


@dataclass(frozen=True)
class LastContact:
    at: datetime
    channel: str
    outcome: str
    goal: str | None  # a code of domain/goals.py
    goal_note: str | None
    goal_met: bool | None
    by: str | None


@dataclass(frozen=True)
class NextAction:
    channel: str | None
    goal: str | None  # a code of domain/goals.py
    note: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class CaseView:
    case_id: int
    now: datetime
    locale: str
    identity: Identity
    points: tuple[PointView, ...]
    debts: tuple[DebtView, ...]
    totals: tuple[Total, ...]
    parties: tuple[PartyView, ...]
    timeline: tuple[TimelineItem, ...]
    last_contact: LastContact | None
    next_action: NextAction

    @property
    def balance_totals(self) -> tuple[Money, ...]:
        return tuple(Money(x.balance, x.currency) for x in self.totals)


# --- the gate, once per page ------------------------------------------------------------------------


def point_verdict(
    inputs: GateInputs, *, channel: str, party: int | None, to: str, at: datetime, workplace: bool = False
) -> tuple[GateVerdict, tuple[str, ...]]:
    """The gate's verdict for a contact through one point, and the zones it placed the person in."""
    verdict, requests = ask(inputs, channel=Channel(channel), party=party, to=to, at=at, workplace=workplace)
    d = verdict.decision
    until = d["next_allowed_at"]
    zones = request_zones(requests[0], inputs.pack.country)
    return (
        GateVerdict(
            channel=channel,
            allowed=verdict.allowed,
            next_allowed_at=None if until is None else datetime.fromisoformat(until).astimezone(UTC),
            rules=verdict.refused_by,
            reasons=tuple(v["message"] for v in d["violations"]),
            decision_id=str(d["id"]),
        ),
        zones,
    )


# --- the page ---------------------------------------------------------------------------------------


def case_360(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    now: datetime | None = None,
    locale: str | None = None,
    with_timeline: bool = True,
) -> CaseView:
    """The debtor 360 of a case the viewer may see (NotFound otherwise), as of `now` (default: now).

    With `with_timeline=False` the timeline is left empty (the page loads it as a panel of its own).
    """
    case = visible_case(uow, viewer, case_id)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    lang = normalize_locale(locale or viewer.locale)
    s = uow.session
    d, cr, p, cp, a = t.debtors.c, t.creditors.c, t.parties.c, t.contact_points.c, t.accounts.c
    assigned, claimer = _ASSIGNED, _CLAIMER
    head = s.execute(
        select(
            d.name,
            d.national_id_masked,
            d.birth_date,
            d.language,
            d.opt_out_channels,
            d.inconvenient_times,
            *(getattr(d, f) for f in FLAGS),
            cr.code.label("creditor_code"),
            cr.name.label("creditor_name"),
            cr.pack,
            cr.pack_overrides,
            cr.time_zone.label("creditor_zone"),
            cr.currency.label("creditor_currency"),
            assigned.c.display_name.label("assigned_name"),
            claimer.c.display_name.label("claimer_name"),
        )
        .select_from(
            t.debtors.join(t.creditors, cr.id == d.creditor_id)
            .outerjoin(assigned, assigned.c.id == case.assigned_user_id)
            .outerjoin(claimer, claimer.c.id == case.claimed_by)
        )
        .where(d.id == case.debtor_id)
    ).one()
    pack = creditor_pack(head.pack, head.pack_overrides)
    parties = s.execute(
        select(p.id, p.role, p.name, p.liable, p.relation).where(p.debtor_id == case.debtor_id).order_by(p.id)
    ).all()
    points = s.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status, cp.consent, cp.source, cp.place)
        .where(cp.debtor_id == case.debtor_id)
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()
    accounts = s.execute(
        select(
            a.id,
            a.external_ref,
            a.product,
            a.currency,
            a.principal,
            a.interest,
            a.fees,
            a.balance,
            a.overdue_since,
            a.status,
        )
        .where(a.case_id == case_id)
        .order_by(a.id)
    ).all()
    today = floor_today(at)
    debts = tuple(
        DebtView(
            account_id=r.id,
            creditor_code=head.creditor_code,
            external_ref=r.external_ref,
            product=r.product,
            currency=r.currency,
            principal=r.principal,
            interest=r.interest,
            fees=r.fees,
            balance=r.balance,
            overdue_since=r.overdue_since,
            days_past_due=days_past_due(r.overdue_since, today),
            bucket=bucket(days_past_due(r.overdue_since, today)),
            status=r.status,
        )
        for r in accounts
    )
    inputs = gate_inputs(
        uow,
        case.id,
        case.debtor_id,
        pack,
        [(r.id, r.status) for r in accounts],
        [(p.id, p.role) for p in parties],
        [(p.party_id, p.value) for p in points if p.party_id is not None and p.kind in PHONE_KINDS],
    )
    party_by_id = {r.id: r for r in parties}
    debtor_zones: tuple[str, ...] = ()
    point_views = []
    for r in points:
        channel = NATURAL_CHANNELS.get(r.kind)
        owner = party_by_id.get(r.party_id) if r.party_id is not None else None
        verdict: GateVerdict | None = None
        zones: tuple[str, ...] = ()
        if channel is not None and inputs.accounts and r.status not in UNUSABLE:
            verdict, zones = point_verdict(
                inputs, channel=channel, party=r.party_id, to=r.value, at=at, workplace=r.place == WORK
            )
        elif channel is not None and inputs.accounts:
            zones = request_zones(_probe(inputs, r.party_id, r.value, channel, at), pack.country)
        if r.party_id is None and zones and not debtor_zones:
            debtor_zones = zones
        point_views.append(
            PointView(
                id=r.id,
                kind=r.kind,
                masked=mask_contact(r.kind, r.value),
                status=r.status,
                consent=bool(r.consent),
                source=r.source,
                party_id=r.party_id,
                owner_name=owner.name if owner is not None else head.name,
                owner_role=owner.role if owner is not None else "debtor",
                channel=channel,
                local_times=tuple(LocalTime(z, at.astimezone(ZoneInfo(z))) for z in zones),
                verdict=verdict,
                place=r.place,
            )
        )
    if not debtor_zones and inputs.accounts:
        debtor_zones = request_zones(_probe(inputs, None, None, "visit", at), pack.country)
    plan = plan_rows(uow, case_id)
    scores = latest_scores(plan)
    identity = Identity(
        debtor_id=case.debtor_id,
        name=head.name,
        national_id=head.national_id_masked or "",
        has_national_id=bool(head.national_id_masked),
        age=age_on(head.birth_date, today),
        has_birth_date=head.birth_date is not None,
        language=head.language,
        flags=tuple(f for f in FLAGS if getattr(head, f)),
        opt_outs=tuple(json_list(head.opt_out_channels)),
        inconvenient_times=_spans(head.inconvenient_times, lang),
        time_zones=debtor_zones,
        creditor_id=case.creditor_id,
        creditor_code=head.creditor_code,
        creditor_name=head.creditor_name,
        pack=head.pack,
        stage=case.stage,
        segment=case.segment,
        assigned_to=head.assigned_name,
        assigned_to_id=case.assigned_user_id,
        claimed_by=head.claimer_name,
        claimed_by_id=case.claimed_by,
        claim_expires_at=case.claim_expires_at,
        ability=case.ability,
        willingness=case.willingness,
        delinquency_reason=case.delinquency_reason,
        negotiation_reason=case.negotiation_reason,
        planner_ability=scores.get("ability"),
        planner_willingness=scores.get("willingness"),
    )
    party_views = (
        PartyView(None, "debtor", head.name, True, None, PAYMENT),
        *(
            PartyView(r.id, r.role, r.name, bool(r.liable), r.relation, _may_discuss(pack, r.role))
            for r in parties
        ),
    )
    if with_timeline:
        done = interactions(uow, case_id)
        items = timeline(uow, case_id, done, party_by_id, plan, head.creditor_currency, lang)
    else:
        done, items = interactions(uow, case_id, limit=1), ()
    last = done[0] if done else None
    return CaseView(
        case_id=case_id,
        now=at,
        locale=lang,
        identity=identity,
        points=tuple(point_views),
        debts=debts,
        totals=_totals(debts),
        parties=party_views,
        timeline=items,
        last_contact=None
        if last is None
        else LastContact(
            last.at, last.channel, last.outcome, last.goal, last.goal_note, last.goal_met, last.user_name
        ),
        next_action=NextAction(
            case.next_action_channel, case.next_action_goal, case.next_action_note, case.next_action_due_at
        ),
    )


def _probe(inputs: GateInputs, party: int | None, to: str | None, channel: str, at: datetime) -> Request:
    """A request only to place a person in time zones (for a point the gate is not asked about)."""
    who = person(inputs, party, to or "")
    return Request(at, Channel(channel), Purpose.LOCATE, who, inputs.facts, Debt(debt_id(inputs.accounts[0])))


def _totals(debts: Sequence[DebtView]) -> tuple[Total, ...]:
    out: dict[str, Total] = {}
    for x in debts:
        was = out.get(x.currency, Total(x.currency, 0, 0, 0, 0, 0))
        out[x.currency] = Total(
            x.currency,
            was.accounts + 1,
            was.principal + x.principal,
            was.interest + x.interest,
            was.fees + x.fees,
            was.balance + x.balance,
        )
    return tuple(out[c] for c in sorted(out))


def _may_discuss(pack: Pack, role: str) -> str:
    try:
        gate_role = Role(role)
    except ValueError:
        return NO_CONTACT
    if gate_role in pack.settings.collect_roles:
        return PAYMENT
    if gate_role in pack.settings.locate_roles:
        return LOCATION
    return NO_CONTACT


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _spans(value: Any, lang: str) -> tuple[str, ...]:
    """ "12:00-14:00", led by the days it holds on when the debtor named some ("Mon, Tue 09:00-18:00")."""
    out = []
    for item in json_list(value):
        if isinstance(item, dict):
            hours = f"{item.get('start', '?')}-{item.get('end', '?')}"
            days = [d for d in item.get("days") or [] if isinstance(d, int) and 1 <= d <= 7]
            if days and len(days) < 7:
                hours = ", ".join(gettext(_WEEKDAYS[d - 1], lang) for d in sorted(days)) + " " + hours
            out.append(hours)
    return tuple(out)


__all__ = [
    "CaseView",
    "GateVerdict",
    "case_360",
    "case_timeline",
    "label",
    "mask_contact",
    "mask_national_id",
    "point_verdict",
]
