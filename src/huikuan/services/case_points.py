"""The contact points of the debtor 360 (services/case_view.py): each masked, with its owner's local times
and the compliance gate's verdict now.

The gate is asked through the same door as the contact paths (services/point_judgement.py
`judge_point`), with the facts and the history read once for the whole page instead of once per contact
point: `point_verdict` is that question for one point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.compliance import Request
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import Debt, Purpose
from huikuan.domain.enums import Channel
from huikuan.services.case_parts import GateVerdict, LocalTime, PointView
from huikuan.services.gate import UNUSABLE, GateInputs
from huikuan.services.gate import who as person
from huikuan.services.masking import mask_contact
from huikuan.services.point_judgement import PointTerms, judge_point, point_terms
from huikuan.strategy.gate_facts import debt_id

# The channel a contact point is naturally used for; a QQ number has none the gate knows.
NATURAL_CHANNELS: dict[str, str] = {
    "mobile": "call",
    "landline": "call",
    "email": "email",
    "wechat": "wechat",
    "address": "visit",
}


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


def point_views(
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
    views = []
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
        views.append(
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
    return tuple(views), debtor_zones


def _probe(inputs: GateInputs, party: int | None, to: str | None, channel: str, at: datetime) -> Request:
    """A request only to place a person in time zones (for a point the gate is not asked about)."""
    who = person(inputs, party, to or "")
    return Request(at, Channel(channel), Purpose.LOCATE, who, inputs.facts, Debt(debt_id(inputs.accounts[0])))
