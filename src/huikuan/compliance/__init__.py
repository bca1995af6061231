"""The compliance gate: pure decisions on whether a contact may happen now, and if not, when."""

from __future__ import annotations

from huikuan.compliance.contract import decision_to_dict, request_to_dict
from huikuan.compliance.contract_fields import InvalidRequest
from huikuan.compliance.contract_parse import parse_request
from huikuan.compliance.gate import decide, decide_many
from huikuan.compliance.model import Decision, HistoryEvent, Request, Violation
from huikuan.compliance.pack import Pack, available_packs, load_pack
from huikuan.compliance.pack_params import PackError, PackLoosening

__all__ = [
    "Decision",
    "HistoryEvent",
    "InvalidRequest",
    "Pack",
    "PackError",
    "PackLoosening",
    "Request",
    "Violation",
    "available_packs",
    "decide",
    "decide_many",
    "decision_to_dict",
    "load_pack",
    "parse_request",
    "request_to_dict",
]
