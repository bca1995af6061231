"""The debtor 360: everything a collector needs before dialling, read in a fixed handful of queries.

`case_360(uow, viewer, case_id)` gathers the case's identity (national ID masked, the age but not the
birth date, so that nothing shown narrows a PRC ID to a few candidates), every contact point
(masked, with its owner's local time and the compliance gate's verdict now), the debts, the related
parties and what may be discussed with each, and one timeline of interactions, promises, payments,
messages, letters, arrangements and plan rows, newest first. The full values behind the masks are
given one at a time by services/reveal.py, which audits each reveal.

The gate is asked through the same door as the contact paths (services/point_judgement.py
`judge_point`), with the facts and the history read once for the whole page instead of once per contact
point: `point_verdict` is that question for one point.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from huikuan.domain.national_id import age_on
from huikuan.i18n import normalize_locale
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_history import interactions, json_list, latest_scores, plan_rows
from huikuan.services.case_labels import label, time_spans
from huikuan.services.case_parts import (
    CaseView,
    DebtView,
    GateVerdict,
    Identity,
    LastContact,
    LocalTime,
    NextAction,
    PartyView,
    PointView,
    Total,
)
from huikuan.services.case_timeline import case_timeline, timeline
from huikuan.services.clock import floor_today
from huikuan.services.gate import PHONE_KINDS, UNUSABLE, GateInputs, gate_inputs
from huikuan.services.gate import who as person
from huikuan.services.masking import mask_contact, mask_national_id
from huikuan.services.point_judgement import PointTerms, judge_point, point_terms
from huikuan.services.safe_harbour import ELECTRONIC, used_points
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


# --- the gate, once per page ------------------------------------------------------------------------


def point_verdict(
    inputs: GateInputs, *, channel: str, party: int | None, terms: PointTerms, at: datetime
) -> tuple[GateVerdict, tuple[str, ...]]:
    """The gate's verdict for a contact through one point, and the zones it placed the person in (asked
    through point_judgement.judge_point, as contacts.check_contact asks a collector's contact)."""
    verdict, requests = judge_point(inputs, channel=Channel(channel), party=party, terms=terms, at=at)
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
    head = _head(uow, case)
    pack = creditor_pack(head.pack, head.pack_overrides)
    parties, points = _people(uow, case.debtor_id)
    accounts = _accounts(uow, case_id)
    today = floor_today(at)
    debts = _debt_views(accounts, head.creditor_code, today)
    inputs = _case_gate_inputs(uow, case, pack, accounts, parties, points)
    party_by_id = {r.id: r for r in parties}
    used = used_points(uow, [r.id for r in points if NATURAL_CHANNELS.get(r.kind) in ELECTRONIC])
    point_views, debtor_zones = _point_views(inputs, points, party_by_id, head.name, at, used)
    plan = plan_rows(uow, case_id)
    identity = _identity(case, head, debtor_zones, latest_scores(plan), today, lang)
    if with_timeline:
        done = interactions(uow, case_id)
        items = timeline(uow, case_id, done, party_by_id, plan, head.creditor_currency, lang)
    else:
        done, items = interactions(uow, case_id, limit=1), ()
    return CaseView(
        case_id=case_id,
        now=at,
        locale=lang,
        identity=identity,
        points=point_views,
        debts=debts,
        totals=_totals(debts),
        parties=_party_views(head.name, parties, pack),
        timeline=items,
        last_contact=_last_contact(done),
        next_action=NextAction(
            case.next_action_channel, case.next_action_goal, case.next_action_note, case.next_action_due_at
        ),
    )


def _case_gate_inputs(
    uow: UnitOfWork,
    case: Any,
    pack: Pack,
    accounts: Sequence[Any],
    parties: Sequence[Any],
    points: Sequence[Any],
) -> GateInputs:
    """The gate's inputs of the case (services/gate.py), from the rows the page has read already."""
    return gate_inputs(
        uow,
        case.id,
        case.debtor_id,
        pack,
        [(r.id, r.status) for r in accounts],
        [(p.id, p.role) for p in parties],
        [(p.party_id, p.value) for p in points if p.party_id is not None and p.kind in PHONE_KINDS],
    )


def _last_contact(done: Sequence[Any]) -> LastContact | None:
    """The case's latest interaction (the first of `done`, newest first), if any."""
    if not done:
        return None
    last = done[0]
    return LastContact(
        last.at, last.channel, last.outcome, last.goal, last.goal_note, last.goal_met, last.user_name
    )


def _people(uow: UnitOfWork, debtor_id: int) -> tuple[Sequence[Any], Sequence[Any]]:
    """The debtor's related parties, and every contact point (the debtor's own first)."""
    s = uow.session
    p, cp = t.parties.c, t.contact_points.c
    parties = s.execute(
        select(p.id, p.role, p.name, p.liable, p.relation).where(p.debtor_id == debtor_id).order_by(p.id)
    ).all()
    points = s.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status, cp.consent, cp.source, cp.place)
        .where(cp.debtor_id == debtor_id)
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()
    return parties, points


def _accounts(uow: UnitOfWork, case_id: int) -> Sequence[Any]:
    """The case's accounts with their amounts and status."""
    a = t.accounts.c
    return uow.session.execute(
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


def _head(uow: UnitOfWork, case: Any) -> Any:
    """The debtor, the creditor and the names of who holds the case, in one row."""
    d, cr = t.debtors.c, t.creditors.c
    assigned, claimer = _ASSIGNED, _CLAIMER
    return uow.session.execute(
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


def _debt_views(accounts: Sequence[Any], creditor_code: str, today: date) -> tuple[DebtView, ...]:
    """The case's accounts with their days past due and bucket on `today`."""
    return tuple(
        DebtView(
            account_id=r.id,
            creditor_code=creditor_code,
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


def _point_views(
    inputs: GateInputs,
    points: Sequence[Any],
    owners: dict[int, Any],
    debtor_name: str,
    at: datetime,
    used: set[tuple[int, str]],
) -> tuple[tuple[PointView, ...], tuple[str, ...]]:
    """Each contact point masked, with its owner's local times and the gate's verdict at `at`; and the
    time zones the debtor may be in. `used`: the (point, channel) pairs the person wrote to us from."""
    pack = inputs.pack
    debtor_zones: tuple[str, ...] = ()
    point_views = []
    for r in points:
        channel = NATURAL_CHANNELS.get(r.kind)
        owner = owners.get(r.party_id) if r.party_id is not None else None
        verdict: GateVerdict | None = None
        zones: tuple[str, ...] = ()
        if channel is not None and inputs.accounts and r.status not in UNUSABLE:
            verdict, zones = point_verdict(
                inputs, channel=channel, party=r.party_id, terms=point_terms(r, r.id, channel, used), at=at
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
                owner_name=owner.name if owner is not None else debtor_name,
                owner_role=owner.role if owner is not None else "debtor",
                channel=channel,
                local_times=tuple(LocalTime(z, at.astimezone(ZoneInfo(z))) for z in zones),
                verdict=verdict,
                place=r.place,
            )
        )
    if not debtor_zones and inputs.accounts:
        debtor_zones = request_zones(_probe(inputs, None, None, "visit", at), pack.country)
    return tuple(point_views), debtor_zones


def _identity(
    case: Any, head: Any, time_zones: tuple[str, ...], scores: dict[str, float], today: date, lang: str
) -> Identity:
    """Who the debtor is and where the case stands, with nothing that narrows a PRC ID down."""
    return Identity(
        debtor_id=case.debtor_id,
        name=head.name,
        national_id=head.national_id_masked or "",
        has_national_id=bool(head.national_id_masked),
        age=age_on(head.birth_date, today),
        has_birth_date=head.birth_date is not None,
        language=head.language,
        flags=tuple(f for f in FLAGS if getattr(head, f)),
        opt_outs=tuple(json_list(head.opt_out_channels)),
        inconvenient_times=time_spans(head.inconvenient_times, lang),
        time_zones=time_zones,
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


def _party_views(debtor_name: str, parties: Sequence[Any], pack: Pack) -> tuple[PartyView, ...]:
    """The debtor and each related party, with what the creditor's pack lets a collector discuss."""
    return (
        PartyView(None, "debtor", debtor_name, True, None, PAYMENT),
        *(
            PartyView(r.id, r.role, r.name, bool(r.liable), r.relation, _may_discuss(pack, r.role))
            for r in parties
        ),
    )


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


__all__ = [
    "case_360",
    "case_timeline",
    "label",
    "mask_contact",
    "mask_national_id",
    "point_verdict",
]
