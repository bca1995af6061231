"""The decision contract of compliance.md, JSON out: a decision (decision_to_dict, with its stable id)
and the canonical JSON of a request, its debtor's facts and its history. JSON in is
compliance/contract_parse.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from huikuan.compliance.contract_fields import format_instant
from huikuan.compliance.model import Address, DebtorFacts, Decision, HistoryEvent, Request, epoch_seconds

# The encoder json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False) would make anew
# for every call, made once: the decision id digests the canonical text of its material.
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """The decision JSON of compliance.md, plus `id`: a stable digest of request, history, pack and result."""
    out: dict[str, Any] = {
        "allowed": decision.allowed,
        "violations": [{"rule": v.rule, "message": v.message} for v in decision.violations],
        "next_allowed_at": None
        if decision.next_allowed_at is None
        else format_instant(decision.next_allowed_at),
        "pack": decision.pack,
        "pack_version": decision.pack_version,
    }
    basis = decision.basis
    if basis is None:
        canon = _CANON.encode({"decision": out})
    else:
        # The canonical text of {"decision", "history", "pack_fingerprint", "request"} (keys sorted),
        # its history written from each event's own canonical text, each event encoded once.
        request = request_to_dict(basis.request, with_history=False)
        canon = (
            f'{{"decision":{_CANON.encode(out)},'
            f'"history":[{",".join(history_texts(basis.request, basis.history))}],'
            f'"pack_fingerprint":{_CANON.encode(basis.pack_fingerprint)},'
            f'"request":{_CANON.encode(request)}}}'
        )
    return {**out, "id": hashlib.sha256(canon.encode()).hexdigest()[:32]}


def history_texts(request: Request, history: Iterable[HistoryEvent]) -> list[str]:
    """The canonical text of each event the gate read for this request (the party's, up to its instant),
    in the order of those texts."""
    at = epoch_seconds(request.at)
    return sorted(event_text(e) for e in history if e.party_id == request.party.id and e.ts <= at)


def event_text(event: HistoryEvent) -> str:
    """The canonical text of `event_to_dict(event)` (keys sorted, no spaces), written field by field: the
    instant and the enums' values need no escaping, the party id and the debt ids are encoded (once)."""
    role = "null" if event.party_role is None else f'"{event.party_role.value}"'
    return (
        f'{{"at":"{format_instant(event.at)}","channel":"{event.channel.value}",'
        f'"debt_ids":{_strings(event.debt_ids)},"direction":"{event.direction.value}",'
        f'"outcome":"{event.outcome.value}","party_id":{_string(event.party_id)},"party_role":{role}}}'
    )


@lru_cache(maxsize=4096)
def _strings(values: tuple[str, ...]) -> str:
    return _CANON.encode(list(values))


@lru_cache(maxsize=4096)
def _string(value: str) -> str:
    return _CANON.encode(value)


def request_to_dict(request: Request, with_history: bool = True) -> dict[str, Any]:
    """The canonical JSON of a parsed request: every field present, sets sorted, instants in UTC."""
    party, debtor = request.party, request.debtor
    out: dict[str, Any] = {
        "at": format_instant(request.at),
        "channel": request.channel.value,
        "purpose": request.purpose.value,
        "party": {
            "id": party.id,
            "role": party.role.value,
            "to": party.to,
            "phones": list(party.phones),
            "address": _address_dict(party.address),
            "time_zone": party.time_zone,
            "workplace": party.workplace,
            "recontact": None if party.recontact is None else party.recontact.value,
        },
        "debtor": debtor_to_dict(debtor),
        "debt": {
            "id": request.debt.id,
            "time_barred": request.debt.time_barred,
            "validation_sent": request.debt.validation_sent,
            "disputed": request.debt.disputed,
        },
    }
    # Extensions written only when set, so that a request without them keeps its decision id.
    if party.express_consent:
        out["party"]["express_consent"] = True
    if party.safe_harbour is not None:
        out["party"]["safe_harbour"] = party.safe_harbour.value
    if request.automated:
        out["automated"] = True
    if with_history:
        out["history"] = [event_to_dict(e) for e in request.history]
    return out


def debtor_to_dict(debtor: DebtorFacts) -> dict[str, Any]:
    """The canonical JSON of the debtor's facts (the request's `debtor`): every field present, sets sorted."""
    return {
        "phones": list(debtor.phones),
        "address": _address_dict(debtor.address),
        "time_zone": debtor.time_zone,
        "inconvenient_times": [
            {"start": x.start.isoformat(), "end": x.end.isoformat(), "days": sorted(x.days)}
            for x in debtor.inconvenient_times
        ],
        "inconvenient_places": sorted(debtor.inconvenient_places),
        "flags": {
            "cease": debtor.flags.cease,
            "disputed": debtor.flags.disputed,
            "attorney": debtor.flags.attorney,
            "deceased": debtor.flags.deceased,
            "employer_prohibits": debtor.flags.employer_prohibits,
            "opt_out": sorted(c.value for c in debtor.flags.opt_out),
            "bankruptcy": debtor.flags.bankruptcy,
            "holds": sorted(
                (
                    {"kind": h.kind.value, "until": None if h.until is None else format_instant(h.until)}
                    for h in debtor.flags.holds
                ),
                key=lambda h: (h["kind"], h["until"] or ""),
            ),
        },
    }


def event_to_dict(event: HistoryEvent) -> dict[str, Any]:
    return {
        "at": format_instant(event.at),
        "channel": event.channel.value,
        "direction": event.direction.value,
        "party_id": event.party_id,
        "party_role": None if event.party_role is None else event.party_role.value,
        "outcome": event.outcome.value,
        "debt_ids": list(event.debt_ids),
    }


def _address_dict(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {"country": address.country, "region": address.region, "postal_code": address.postal_code}
