"""The decision contract of compliance.md: JSON in (parse_request), JSON out (decision_to_dict)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, time
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from huikuan.compliance.model import (
    PLACES,
    Address,
    Debt,
    DebtorFacts,
    Decision,
    EventOutcome,
    Flags,
    HistoryEvent,
    Hold,
    HoldKind,
    InconvenientTime,
    Party,
    Purpose,
    Recontact,
    Request,
    Role,
    SafeHarbour,
    epoch_seconds,
)
from huikuan.domain.enums import Channel, Direction
from huikuan.errors import HuikuanError

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class InvalidRequest(HuikuanError):
    """A request that does not follow the decision contract; the message starts with the field's path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# "pack" picks the rule pack at the HTTP and command-line edges; the gate itself does not read it.
_REQUEST_KEYS = frozenset(
    {"at", "channel", "purpose", "party", "debtor", "debt", "history", "pack", "automated"}
)
_PARTY_KEYS = frozenset(
    {
        "id",
        "role",
        "to",
        "phones",
        "address",
        "time_zone",
        "workplace",
        "recontact",
        "express_consent",
        "safe_harbour",
    }
)
_DEBTOR_KEYS = frozenset(
    {"phones", "address", "time_zone", "inconvenient_times", "inconvenient_places", "flags"}
)
_FLAG_KEYS = frozenset(
    {"cease", "disputed", "attorney", "deceased", "employer_prohibits", "opt_out", "bankruptcy", "holds"}
)
_HOLD_KEYS = frozenset({"kind", "until"})
_ADDRESS_KEYS = frozenset({"country", "region", "postal_code"})
_DEBT_KEYS = frozenset({"id", "time_barred", "validation_sent", "disputed"})
_EVENT_KEYS = frozenset({"at", "channel", "direction", "party_id", "party_role", "outcome", "debt_ids"})


# The contract nests four levels (request.debtor.flags.opt_out); JSON nested much deeper is refused before
# it is walked (a thousand levels would exhaust the recursion of the decoder).
MAX_DEPTH = 32


def decode_request(raw: str | bytes) -> Any:
    """The request's JSON text decoded; InvalidRequest("request", ...) when it is not JSON or nests
    deeper than MAX_DEPTH."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise InvalidRequest("request", f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            "request", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except ValueError:  # bytes that are not UTF-8 (or UTF-16/32) text
        raise InvalidRequest("request", "not valid JSON (not UTF-8 text)") from None
    if _deeper_than(data, MAX_DEPTH):
        raise InvalidRequest("request", f"nested deeper than {MAX_DEPTH} levels")
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_request(data: Any) -> Request:
    """A Request from the contract's JSON (already decoded); InvalidRequest names the first bad field."""
    obj = _object(data, "request")
    _known(obj, _REQUEST_KEYS, "")
    return Request(
        at=_instant(_required(obj, "at", ""), "at"),
        channel=_enum(_required(obj, "channel", ""), "channel", Channel),
        purpose=_enum(_required(obj, "purpose", ""), "purpose", Purpose),
        party=_party(_required(obj, "party", ""), "party"),
        debtor=_debtor(_required(obj, "debtor", ""), "debtor"),
        debt=_debt(_required(obj, "debt", ""), "debt"),
        history=tuple(_list(obj.get("history"), "history", _event)),
        automated=_flag(obj.get("automated"), "automated"),
    )


# The encoders json.dumps(..., sort_keys=True[, separators=(",", ":"), ensure_ascii=False]) would make
# anew for every call, made once: the decision id digests the canonical text (`_CANON`) of a material
# whose history is in the order of each event's sorted-key text (`_ORDER`).
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_ORDER = json.JSONEncoder(sort_keys=True)


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
    material: dict[str, Any] = {"decision": out}
    if basis is not None:
        material["request"] = request_to_dict(basis.request, with_history=False)
        material["history"] = read_history(basis.request, basis.history)
        material["pack_fingerprint"] = basis.pack_fingerprint
    canon = _CANON.encode(material)
    return {**out, "id": hashlib.sha256(canon.encode()).hexdigest()[:32]}


def read_history(request: Request, history: Iterable[HistoryEvent]) -> list[dict[str, Any]]:
    """The events the gate read for this request, canonical and in a canonical order."""
    at = epoch_seconds(request.at)
    mine = [event_to_dict(e) for e in history if e.party_id == request.party.id and e.ts <= at]
    return sorted(mine, key=_ORDER.encode)


def format_instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


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


def parse_debtor(data: Any) -> DebtorFacts:
    """The debtor's facts from their JSON (the request's `debtor`); InvalidRequest names a bad field."""
    return _debtor(data, "debtor")


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


def _party(value: Any, path: str) -> Party:
    obj = _object(value, path)
    _known(obj, _PARTY_KEYS, path)
    recontact = obj.get("recontact")
    harbour = obj.get("safe_harbour")
    return Party(
        id=_string(_required(obj, "id", path), f"{path}.id"),
        role=_enum(_required(obj, "role", path), f"{path}.role", Role),
        to=_optional_string(obj.get("to"), f"{path}.to"),
        phones=tuple(_list(obj.get("phones"), f"{path}.phones", _string)),
        address=_address(obj.get("address"), f"{path}.address"),
        time_zone=_zone(obj.get("time_zone"), f"{path}.time_zone"),
        workplace=_flag(obj.get("workplace"), f"{path}.workplace"),
        recontact=None if recontact is None else _enum(recontact, f"{path}.recontact", Recontact),
        express_consent=_flag(obj.get("express_consent"), f"{path}.express_consent"),
        safe_harbour=None if harbour is None else _enum(harbour, f"{path}.safe_harbour", SafeHarbour),
    )


def _debtor(value: Any, path: str) -> DebtorFacts:
    obj = _object(value, path)
    _known(obj, _DEBTOR_KEYS, path)
    return DebtorFacts(
        phones=tuple(_list(obj.get("phones"), f"{path}.phones", _string)),
        address=_address(obj.get("address"), f"{path}.address"),
        time_zone=_zone(obj.get("time_zone"), f"{path}.time_zone"),
        inconvenient_times=tuple(_list(obj.get("inconvenient_times"), f"{path}.inconvenient_times", _span)),
        inconvenient_places=frozenset(
            _list(obj.get("inconvenient_places"), f"{path}.inconvenient_places", _place)
        ),
        flags=_flags(obj.get("flags"), f"{path}.flags"),
    )


def _flags(value: Any, path: str) -> Flags:
    if value is None:
        return Flags()
    obj = _object(value, path)
    _known(obj, _FLAG_KEYS, path)
    return Flags(
        cease=_flag(obj.get("cease"), f"{path}.cease"),
        disputed=_flag(obj.get("disputed"), f"{path}.disputed"),
        attorney=_flag(obj.get("attorney"), f"{path}.attorney"),
        deceased=_flag(obj.get("deceased"), f"{path}.deceased"),
        employer_prohibits=_flag(obj.get("employer_prohibits"), f"{path}.employer_prohibits"),
        opt_out=frozenset(_list(obj.get("opt_out"), f"{path}.opt_out", lambda v, p: _enum(v, p, Channel))),
        bankruptcy=_flag(obj.get("bankruptcy"), f"{path}.bankruptcy"),
        holds=tuple(sorted(_list(obj.get("holds"), f"{path}.holds", _hold), key=_hold_order)),
    )


def _hold_order(hold: Hold) -> tuple[str, str]:
    # The order debtor_to_dict writes them in, so that a parsed request equals its round trip.
    return hold.kind.value, "" if hold.until is None else format_instant(hold.until)


def _hold(value: Any, path: str) -> Hold:
    obj = _object(value, path)
    _known(obj, _HOLD_KEYS, path)
    until = obj.get("until")
    return Hold(
        kind=_enum(_required(obj, "kind", path), f"{path}.kind", HoldKind),
        until=None if until is None else _instant(until, f"{path}.until"),
    )


def _debt(value: Any, path: str) -> Debt:
    obj = _object(value, path)
    _known(obj, _DEBT_KEYS, path)
    sent = obj.get("validation_sent")
    if sent is not None and not isinstance(sent, bool):
        raise InvalidRequest(f"{path}.validation_sent", "expected a boolean or null")
    return Debt(
        id=_string(_required(obj, "id", path), f"{path}.id"),
        time_barred=_flag(obj.get("time_barred"), f"{path}.time_barred"),
        validation_sent=sent,
        disputed=_flag(obj.get("disputed"), f"{path}.disputed"),
    )


def _event(value: Any, path: str) -> HistoryEvent:
    obj = _object(value, path)
    _known(obj, _EVENT_KEYS, path)
    role = obj.get("party_role")
    return HistoryEvent(
        at=_instant(_required(obj, "at", path), f"{path}.at"),
        channel=_enum(_required(obj, "channel", path), f"{path}.channel", Channel),
        direction=_enum(_required(obj, "direction", path), f"{path}.direction", Direction),
        party_id=_string(_required(obj, "party_id", path), f"{path}.party_id"),
        outcome=_enum(_required(obj, "outcome", path), f"{path}.outcome", EventOutcome),
        party_role=None if role is None else _enum(role, f"{path}.party_role", Role),
        debt_ids=tuple(_list(obj.get("debt_ids"), f"{path}.debt_ids", _string)),
    )


def _address(value: Any, path: str) -> Address | None:
    if value is None:
        return None
    obj = _object(value, path)
    _known(obj, _ADDRESS_KEYS, path)
    return Address(
        country=_optional_string(obj.get("country"), f"{path}.country"),
        region=_optional_string(obj.get("region"), f"{path}.region"),
        postal_code=_optional_string(obj.get("postal_code"), f"{path}.postal_code"),
    )


def _span(value: Any, path: str) -> InconvenientTime:
    obj = _object(value, path)
    _known(obj, frozenset({"start", "end", "days"}), path)
    start = _time_of_day(_required(obj, "start", path), f"{path}.start")
    end = _time_of_day(_required(obj, "end", path), f"{path}.end")
    # start == end is the whole day (as a designation that cannot be read is kept: fail closed).
    return InconvenientTime(start, end, frozenset(_list(obj.get("days"), f"{path}.days", _weekday)))


def _weekday(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise InvalidRequest(path, "expected an ISO weekday, 1 (Monday) to 7 (Sunday)")
    return value


def _place(value: Any, path: str) -> str:
    if value not in PLACES:
        raise InvalidRequest(path, f"expected one of {', '.join(sorted(PLACES))}")
    return str(value)


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(path, "expected an object")
    return value


def _known(obj: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    # An unknown key is refused, not ignored: a misspelt flag ("ceased") must not pass as absent.
    for key in obj:
        if key not in allowed:
            raise InvalidRequest(f"{path}.{key}" if path else str(key), "unknown field")


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None:
        raise InvalidRequest(f"{path}.{key}" if path else key, "required")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(path, "expected a list")
    return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(path, "expected a non-empty string")
    return value


def _optional_string(value: Any, path: str) -> str | None:
    return None if value is None else _string(value, path)


def _flag(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidRequest(path, "expected a boolean")
    return value


def _enum(value: Any, path: str, kind: type[E]) -> E:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    raise InvalidRequest(path, f"expected one of {', '.join(m.value for m in kind)}")


def _instant(value: Any, path: str) -> datetime:
    problem = "expected an ISO-8601 date and time with a UTC offset, e.g. 2026-03-02T15:15:00Z"
    if not isinstance(value, str):
        raise InvalidRequest(path, problem)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(path, problem) from None
    if parsed.tzinfo is None or "T" not in value.upper():
        raise InvalidRequest(path, problem)
    return parsed.astimezone(UTC)


def _time_of_day(value: Any, path: str) -> time:
    problem = "expected a local time of day as HH:MM"
    if not isinstance(value, str) or len(value) not in (5, 8):
        raise InvalidRequest(path, problem)
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(path, problem) from None
    if parsed.tzinfo is not None:
        raise InvalidRequest(path, problem)
    return parsed


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in _zones():
        raise InvalidRequest(path, "expected an IANA time zone name, e.g. America/New_York")
    return value
