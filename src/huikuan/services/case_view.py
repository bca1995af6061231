"""The debtor 360: everything a collector needs before dialling, read in a fixed handful of queries.

`case_360(uow, viewer, case_id)` gathers the case's identity (national ID masked, the age but not the
birth date, so that nothing shown narrows a PRC ID to a few candidates), every contact point
(masked, with its owner's local time and the compliance gate's verdict now: services/case_points.py),
the debts, the related parties and what may be discussed with each, and one timeline of interactions,
promises, payments, messages, letters, arrangements and plan rows, newest first. The rows it reads are
services/case_reads.py. The full values behind the masks are given one at a time by services/reveal.py,
which audits each reveal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from huikuan.compliance import Pack
from huikuan.compliance.model import Role
from huikuan.domain.days import days_past_due
from huikuan.domain.model import bucket
from huikuan.domain.national_id import age_on
from huikuan.i18n import normalize_locale
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_history import interactions, json_list, latest_scores, plan_rows
from huikuan.services.case_labels import time_spans
from huikuan.services.case_parts import (
    CaseView,
    DebtView,
    Identity,
    LastContact,
    NextAction,
    PartyView,
    Total,
)
from huikuan.services.case_points import NATURAL_CHANNELS, point_views
from huikuan.services.case_reads import FLAGS, read_accounts, read_head, read_people
from huikuan.services.case_timeline import timeline
from huikuan.services.clock import floor_today
from huikuan.services.gate import PHONE_KINDS, GateInputs, gate_inputs
from huikuan.services.safe_harbour import ELECTRONIC, used_points
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack

PAYMENT, LOCATION, NO_CONTACT = "payment", "location", "none"


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
    head = read_head(uow, case)
    pack = creditor_pack(head.pack, head.pack_overrides)
    parties, points = read_people(uow, case.debtor_id)
    accounts = read_accounts(uow, case_id)
    today = floor_today(at)
    debts = _debt_views(accounts, head.creditor_code, today)
    inputs = _case_gate_inputs(uow, case, pack, accounts, parties, points)
    party_by_id = {r.id: r for r in parties}
    used = used_points(uow, [r.id for r in points if NATURAL_CHANNELS.get(r.kind) in ELECTRONIC])
    shown, debtor_zones = point_views(inputs, points, party_by_id, head.name, at, used)
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
        points=shown,
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
            original_creditor=r.original_creditor or None,
        )
        for r in accounts
    )


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
