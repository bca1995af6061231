"""Request and history builders for the gate's tests: a New York number, a California address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from huikuan.compliance import Decision, HistoryEvent, decide, load_pack, parse_request
from huikuan.compliance.model import Channel, Direction, EventOutcome, Role

NY_PHONE = "+12125550100"
SF_PHONE = "+14155550100"
SHANGHAI_PHONE = "+8613800138000"
LONDON_PHONE = "+442079460000"


def at(text: str) -> datetime:
    """An instant from "2026-03-02T15:15" or with seconds, read as UTC unless it carries an offset."""
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _harbour(channel: str) -> dict[str, Any]:
    """An e-mail or text goes by default to an address the debtor used (the safe harbour of 12 CFR
    1006.6(d)(4), its own rule's tests aside); a call's request stays as it was, with its decision id."""
    return {"safe_harbour": "used"} if channel in ("email", "sms") else {}


def body(
    when: str = "2026-03-04T18:00:00Z",
    *,
    channel: str = "call",
    purpose: str = "collect",
    party: dict[str, Any] | None = None,
    phones: list[str] | None = None,
    address: dict[str, Any] | None = None,
    time_zone: str | None = None,
    inconvenient: list[tuple[str, str]] | None = None,
    flags: dict[str, Any] | None = None,
    debt: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The contract's JSON; by default a call to debtor P-1 (New York number, California address)."""
    return {
        "at": when,
        "channel": channel,
        "purpose": purpose,
        "party": party or {"id": "P-1", "role": "debtor", "to": NY_PHONE, **_harbour(channel)},
        "debtor": {
            "phones": [NY_PHONE] if phones is None else phones,
            "address": {"country": "US", "region": "CA", "postal_code": "94103"}
            if address is None
            else address,
            "time_zone": time_zone,
            "inconvenient_times": [{"start": s, "end": e} for s, e in inconvenient or []],
            "flags": {"opt_out": [], **(flags or {})},
        },
        "debt": debt or {"id": "A-1", "time_barred": False},
        "history": history or [],
    }


def event(
    when: str,
    outcome: str = "no_answer",
    *,
    channel: str = "call",
    direction: str = "outbound",
    party_id: str = "P-1",
    role: str = "debtor",
    debts: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "at": when,
        "channel": channel,
        "direction": direction,
        "party_id": party_id,
        "party_role": role,
        "outcome": outcome,
        "debt_ids": ["A-1"] if debts is None else debts,
    }


def hist(when: datetime, outcome: EventOutcome = EventOutcome.NO_ANSWER, **kw: Any) -> HistoryEvent:
    return HistoryEvent(
        at=when,
        channel=kw.get("channel", Channel.CALL),
        direction=kw.get("direction", Direction.OUTBOUND),
        party_id=kw.get("party_id", "P-1"),
        outcome=outcome,
        party_role=kw.get("role", Role.DEBTOR),
        debt_ids=tuple(kw.get("debts", ("A-1",))),
    )


def judge(data: dict[str, Any], pack: str = "us-reg-f") -> Decision:
    request = parse_request(data)
    return decide(request, request.history, load_pack(pack))


def rules(decision: Decision) -> list[str]:
    return [v.rule for v in decision.violations]


def calls(start: str, count: int, step_hours: float = 24, **kw: Any) -> list[dict[str, Any]]:
    """`count` outbound calls, the first at start, then every step_hours."""
    first = at(start)
    return [event(iso(first + timedelta(hours=step_hours * i)), **kw) for i in range(count)]
