"""The decision contract of compliance.md, JSON in: a request's text decoded (decode_request) and read
into a Request (parse_request), refusing the first field that does not follow the contract."""

from __future__ import annotations

import json
from typing import Any

from huikuan.compliance.contract_fields import (
    InvalidRequest,
    check_known,
    format_instant,
    read_enum,
    read_flag,
    read_instant,
    read_list,
    read_object,
    read_optional_string,
    read_place,
    read_string,
    read_time_of_day,
    read_weekday,
    read_zone,
    required,
)
from huikuan.compliance.model import (
    Address,
    Debt,
    DebtorFacts,
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
)
from huikuan.domain.enums import Channel, Direction

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
    obj = read_object(data, "request")
    check_known(obj, _REQUEST_KEYS, "")
    return Request(
        at=read_instant(required(obj, "at", ""), "at"),
        channel=read_enum(required(obj, "channel", ""), "channel", Channel),
        purpose=read_enum(required(obj, "purpose", ""), "purpose", Purpose),
        party=_party(required(obj, "party", ""), "party"),
        debtor=_debtor(required(obj, "debtor", ""), "debtor"),
        debt=_debt(required(obj, "debt", ""), "debt"),
        history=tuple(read_list(obj.get("history"), "history", _event)),
        automated=read_flag(obj.get("automated"), "automated"),
    )


def parse_debtor(data: Any) -> DebtorFacts:
    """The debtor's facts from their JSON (the request's `debtor`); InvalidRequest names a bad field."""
    return _debtor(data, "debtor")


def _party(value: Any, path: str) -> Party:
    obj = read_object(value, path)
    check_known(obj, _PARTY_KEYS, path)
    recontact = obj.get("recontact")
    harbour = obj.get("safe_harbour")
    return Party(
        id=read_string(required(obj, "id", path), f"{path}.id"),
        role=read_enum(required(obj, "role", path), f"{path}.role", Role),
        to=read_optional_string(obj.get("to"), f"{path}.to"),
        phones=tuple(read_list(obj.get("phones"), f"{path}.phones", read_string)),
        address=_address(obj.get("address"), f"{path}.address"),
        time_zone=read_zone(obj.get("time_zone"), f"{path}.time_zone"),
        workplace=read_flag(obj.get("workplace"), f"{path}.workplace"),
        recontact=None if recontact is None else read_enum(recontact, f"{path}.recontact", Recontact),
        express_consent=read_flag(obj.get("express_consent"), f"{path}.express_consent"),
        safe_harbour=None if harbour is None else read_enum(harbour, f"{path}.safe_harbour", SafeHarbour),
    )


def _debtor(value: Any, path: str) -> DebtorFacts:
    obj = read_object(value, path)
    check_known(obj, _DEBTOR_KEYS, path)
    return DebtorFacts(
        phones=tuple(read_list(obj.get("phones"), f"{path}.phones", read_string)),
        address=_address(obj.get("address"), f"{path}.address"),
        time_zone=read_zone(obj.get("time_zone"), f"{path}.time_zone"),
        inconvenient_times=tuple(
            read_list(obj.get("inconvenient_times"), f"{path}.inconvenient_times", _span)
        ),
        inconvenient_places=frozenset(
            read_list(obj.get("inconvenient_places"), f"{path}.inconvenient_places", read_place)
        ),
        flags=_flags(obj.get("flags"), f"{path}.flags"),
    )


def _flags(value: Any, path: str) -> Flags:
    if value is None:
        return Flags()
    obj = read_object(value, path)
    check_known(obj, _FLAG_KEYS, path)
    return Flags(
        cease=read_flag(obj.get("cease"), f"{path}.cease"),
        disputed=read_flag(obj.get("disputed"), f"{path}.disputed"),
        attorney=read_flag(obj.get("attorney"), f"{path}.attorney"),
        deceased=read_flag(obj.get("deceased"), f"{path}.deceased"),
        employer_prohibits=read_flag(obj.get("employer_prohibits"), f"{path}.employer_prohibits"),
        opt_out=frozenset(
            read_list(obj.get("opt_out"), f"{path}.opt_out", lambda v, p: read_enum(v, p, Channel))
        ),
        bankruptcy=read_flag(obj.get("bankruptcy"), f"{path}.bankruptcy"),
        holds=tuple(sorted(read_list(obj.get("holds"), f"{path}.holds", _hold), key=_hold_order)),
    )


def _hold_order(hold: Hold) -> tuple[str, str]:
    # The order debtor_to_dict writes them in, so that a parsed request equals its round trip.
    return hold.kind.value, "" if hold.until is None else format_instant(hold.until)


def _hold(value: Any, path: str) -> Hold:
    obj = read_object(value, path)
    check_known(obj, _HOLD_KEYS, path)
    until = obj.get("until")
    return Hold(
        kind=read_enum(required(obj, "kind", path), f"{path}.kind", HoldKind),
        until=None if until is None else read_instant(until, f"{path}.until"),
    )


def _debt(value: Any, path: str) -> Debt:
    obj = read_object(value, path)
    check_known(obj, _DEBT_KEYS, path)
    sent = obj.get("validation_sent")
    if sent is not None and not isinstance(sent, bool):
        raise InvalidRequest(f"{path}.validation_sent", "expected a boolean or null")
    return Debt(
        id=read_string(required(obj, "id", path), f"{path}.id"),
        time_barred=read_flag(obj.get("time_barred"), f"{path}.time_barred"),
        validation_sent=sent,
        disputed=read_flag(obj.get("disputed"), f"{path}.disputed"),
    )


def _event(value: Any, path: str) -> HistoryEvent:
    obj = read_object(value, path)
    check_known(obj, _EVENT_KEYS, path)
    role = obj.get("party_role")
    return HistoryEvent(
        at=read_instant(required(obj, "at", path), f"{path}.at"),
        channel=read_enum(required(obj, "channel", path), f"{path}.channel", Channel),
        direction=read_enum(required(obj, "direction", path), f"{path}.direction", Direction),
        party_id=read_string(required(obj, "party_id", path), f"{path}.party_id"),
        outcome=read_enum(required(obj, "outcome", path), f"{path}.outcome", EventOutcome),
        party_role=None if role is None else read_enum(role, f"{path}.party_role", Role),
        debt_ids=tuple(read_list(obj.get("debt_ids"), f"{path}.debt_ids", read_string)),
    )


def _address(value: Any, path: str) -> Address | None:
    if value is None:
        return None
    obj = read_object(value, path)
    check_known(obj, _ADDRESS_KEYS, path)
    return Address(
        country=read_optional_string(obj.get("country"), f"{path}.country"),
        region=read_optional_string(obj.get("region"), f"{path}.region"),
        postal_code=read_optional_string(obj.get("postal_code"), f"{path}.postal_code"),
    )


def _span(value: Any, path: str) -> InconvenientTime:
    obj = read_object(value, path)
    check_known(obj, frozenset({"start", "end", "days"}), path)
    start = read_time_of_day(required(obj, "start", path), f"{path}.start")
    end = read_time_of_day(required(obj, "end", path), f"{path}.end")
    # start == end is the whole day (as a designation that cannot be read is kept: fail closed).
    return InconvenientTime(start, end, frozenset(read_list(obj.get("days"), f"{path}.days", read_weekday)))
