"""One check, JSON in and JSON out: the use case behind `huikuan compliance check` and the HTTP route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from huikuan.compliance.contract import decision_to_dict
from huikuan.compliance.contract_fields import InvalidRequest
from huikuan.compliance.contract_parse import parse_request
from huikuan.compliance.gate import decide
from huikuan.compliance.pack import available_packs, load_pack

# Until the app derives the pack from the creditor, a request that names none is judged by Regulation F,
# the pack whose example the contract itself shows.
DEFAULT_PACK = "us-reg-f"


def select_pack(data: Any, asked: str | None) -> str:
    """The pack named by the caller (--pack, ?pack=) or by the request's `pack`; they must agree."""
    named = data.get("pack") if isinstance(data, Mapping) else None
    if named is not None and not isinstance(named, str):
        raise InvalidRequest("pack", "expected a pack name")
    if asked and named and asked != named:
        raise InvalidRequest("pack", f"the request names {named!r} but {asked!r} was asked for")
    name = asked or named or DEFAULT_PACK
    if name not in available_packs():
        raise InvalidRequest("pack", f"unknown pack {name!r} (available: {', '.join(available_packs())})")
    return name


def check(
    data: Any, pack: str | None = None, overrides: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """The decision JSON for a decoded request; InvalidRequest, or PackError for a bad tightening."""
    rules = load_pack(select_pack(data, pack))
    if overrides:
        rules = rules.tightened(overrides)
    request = parse_request(data)
    return decision_to_dict(decide(request, request.history, rules))
