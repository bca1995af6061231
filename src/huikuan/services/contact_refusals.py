"""A contact the compliance gate refused: the refusal kept as an audit event (who, when, what was asked,
which rules, the decision's id; never the rules' texts) and the error the person is shown, naming the
rules and when the contact is next allowed (services/contacts.py, services/contact_log.py and the
plan-dispatch job's batch, services/plan_queue.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.errors import ComplianceRefused
from huikuan.services.gate import Verdict
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def keep_refusal(
    uow: UnitOfWork, case_id: int, user_id: int | None, what: dict[str, Any], verdict: Verdict
) -> None:
    """The refusal as an audit event, committed: it is kept even though nothing else happens."""
    record(uow.session, at=datetime.now(UTC), **refusal_event(case_id, user_id, what, verdict))
    uow.commit()


def refusal_event(
    case_id: int, user_id: int | None, what: dict[str, Any], verdict: Verdict
) -> dict[str, Any]:
    """The refusal's audit event (all but its instant): who, what was asked, which rules, the decision's
    reference; the one form of it, whether kept at once (`keep_refusal`) or with a batch's messages."""
    return {
        "user_id": user_id,
        "action": "contact.refused",
        "entity": "case",
        "entity_id": case_id,
        "detail": {
            **what,
            "rules": list(verdict.refused_by),
            "decision": decision_reference(verdict.decision),
        },
    }


def decision_reference(decision: dict[str, Any]) -> dict[str, Any]:
    """What the audit keeps of a decision: its id and the rules, never the rules' texts (they can name the
    debtor's hours, zone or circumstances)."""
    return {
        "id": decision.get("id"),
        "pack": decision.get("pack"),
        "pack_version": decision.get("pack_version"),
        "next_allowed_at": decision.get("next_allowed_at"),
        "violations": [{"rule": v.get("rule")} for v in decision.get("violations", [])],
    }


def _when_text(instant: str, zone: str | None) -> str:
    """The gate's UTC instant, in the reader's zone when one is given."""
    if zone is None:
        return instant
    at = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{at:%Y-%m-%d %H:%M} ({zone})"


def _refused_error(msgid: str, decision: dict[str, Any], **values: object) -> ComplianceRefused:
    """ComplianceRefused with a translatable message (msgid and values, like every HuikuanError)."""
    exc = ComplianceRefused(msgid.format(**values), decision)
    exc.msgid, exc.values = msgid, values
    return exc


def refusal(verdict: Verdict, zone: str | None = None, *, next_action: bool = False) -> ComplianceRefused:
    """The error for a refused contact (or next action), naming the rules and when it is next allowed:
    in `zone` when given, else as the gate's UTC instant."""
    d = verdict.decision
    rules = ", ".join(verdict.refused_by)
    until = d["next_allowed_at"]
    if next_action:
        if until is None:
            return _refused_error(
                "The compliance gate would refuse the next action ({rules}) until the facts change: "
                "leave the next action empty",
                d,
                rules=rules,
            )
        return _refused_error(
            "The compliance gate would refuse the next action at that time ({rules}); "
            "it is next allowed at {until}",
            d,
            rules=rules,
            until=_when_text(until, zone),
        )
    if until is None:
        return _refused_error(
            "The compliance gate refused this contact ({rules}); allowed again at a change of facts",
            d,
            rules=rules,
        )
    return _refused_error(
        "The compliance gate refused this contact ({rules}); allowed again at {until}",
        d,
        rules=rules,
        until=_when_text(until, zone),
    )
