"""A case's compliance dossier: what the gate knew of the debtor over time, every decision it made about
the case with its id, every contact, and the replay of each contact against the facts of its time.

`case_dossier` gives it as one JSON object (the API, `huikuan compliance dossier --json`, and the PDF of
services/dossier_pdf.py are built from it). It is for those who answer for compliance: supervisors and
administrators (`may_download_dossier`), within the case's scope; each download is audited
(`dossier.downloaded`, the case and the format).

Personal data is masked: phone numbers in the facts and the recipients of messages as on the case page
(services/masking.py). What the dossier must show is kept: the debtor's name (whose dossier it is), the
facts the gate decides on (flags, opt-outs, designated times, time zone, the address's country and region
code), who changed them and why, and every decision id. The contacts' notes and the messages' texts are
left out (they are in the case's timeline and the subject-access export).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.compliance.contract import debtor_to_dict
from huikuan.domain.enums import Role
from huikuan.errors import Forbidden
from huikuan.services.access import Viewer, visible_case
from huikuan.services.fact_history import changed_facts, versions
from huikuan.services.gate_inputs import debtor_facts
from huikuan.services.masking import mask_address, mask_email, mask_handle, mask_phone
from huikuan.services.replay import replay_case
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

DOSSIER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
FORMATS = ("json", "pdf")


def may_download_dossier(viewer: Viewer) -> bool:
    """Whether the viewer's role may download dossiers at all (the case's scope still applies)."""
    return viewer.role in DOSSIER_ROLES


def case_dossier(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, fmt: str = "json", now: datetime | None = None
) -> dict[str, Any]:
    """The dossier of a case the viewer may see, for a supervisor or an administrator; audited and
    committed (the download is kept even if nothing else happens)."""
    if not may_download_dossier(viewer):
        raise Forbidden("Only supervisors and administrators may download a compliance dossier")
    visible_case(uow, viewer, case_id)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    data = build_dossier(uow, case_id, now=when)
    record_download(uow, viewer.user_id, case_id, fmt, when)
    uow.commit()
    return data


def record_download(uow: UnitOfWork, user_id: int | None, case_id: int, fmt: str, at: datetime) -> None:
    """The audit event of a download (the case and the format; the caller commits)."""
    record(
        uow.session,
        at=at,
        user_id=user_id,
        action="dossier.downloaded",
        entity="case",
        entity_id=case_id,
        detail={"format": fmt if fmt in FORMATS else "json"},
    )


def build_dossier(uow: UnitOfWork, case_id: int, *, now: datetime) -> dict[str, Any]:
    """The dossier's contents (no access check, no audit: the caller's)."""
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    case = uow.session.execute(
        select(c.id, c.debtor_id, d.name, cr.code, cr.name.label("creditor_name"))
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one()
    replayed = replay_case(uow, case_id)
    conn = uow.session.connection()
    current = debtor_facts(conn, [case.debtor_id])[case.debtor_id]
    kept = fact_versions(uow, case.debtor_id)
    made = decisions(uow, case_id)
    return {
        "case_id": case.id,
        "debtor_id": case.debtor_id,
        "debtor_name": case.name,
        "creditor": {"code": case.code, "name": case.creditor_name},
        "pack": {"name": replayed.pack, "version": replayed.pack_version},
        "generated_at": now.isoformat(),
        "facts": {
            "current": masked_facts({"debtor": debtor_to_dict(current)}),
            "versions": kept,
        },
        "decisions": made,
        "contacts": contacts(uow, case_id),
        "replay": replayed.to_dict(every=True),
        "summary": {
            "versions": len(kept),
            "decisions": len(made),
            "refusals": sum(1 for x in made if not x["allowed"]),
            "contacts_replayed": len(replayed.contacts),
            "refused_on_replay": len(replayed.refused),
        },
    }


def masked_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A version's facts with the phone numbers masked (the gate reads their calling and area codes)."""
    debtor = dict(facts.get("debtor") or {})
    if "phones" in debtor:
        debtor["phones"] = [mask_phone(str(p)) for p in debtor.get("phones") or []]
    return {**facts, "debtor": debtor}


def fact_versions(uow: UnitOfWork, debtor_id: int) -> list[dict[str, Any]]:
    """Every version of the debtor's facts, oldest first: when, who (and the audit event naming it), why,
    what changed from the version before, and the facts (masked)."""
    u, ev = t.users.c, t.audit_events.c
    names = dict(uow.session.execute(select(u.id, u.display_name)).all())
    events = {
        (e.detail or {}).get("version"): e.id
        for e in uow.session.execute(
            select(ev.id, ev.detail).where(
                ev.action == "facts.changed", ev.entity == "debtor", ev.entity_id == debtor_id
            )
        )
    }
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for v in versions(uow.session.connection(), debtor_id):
        out.append(
            {
                "id": v["id"],
                "valid_from": v["valid_from"].astimezone(UTC).isoformat(),
                "user_id": v["user_id"],
                "user": names.get(v["user_id"]) if v["user_id"] is not None else None,
                "reason": v["reason"],
                "changed": changed_facts(previous, v["facts"]) if previous is not None else [],
                "audit_event_id": events.get(v["id"]),
                "facts": masked_facts(v["facts"]),
            }
        )
        previous = v["facts"]
    return out


def decisions(uow: UnitOfWork, case_id: int) -> list[dict[str, Any]]:
    """Every gate decision about the case with its id: the contacts made and messages queued (allowed),
    and the refusals kept in the audit log."""
    i, m, ev = t.interactions.c, t.messages.c, t.audit_events.c
    out: list[dict[str, Any]] = []
    for r in uow.session.execute(
        select(i.id, i.at, i.channel, i.decision_id).where(i.case_id == case_id, i.decision_id.is_not(None))
    ):
        out.append(_decision("interaction", r.id, r.at, r.channel, r.decision_id, True, []))
    for r in uow.session.execute(
        select(m.id, m.created_at, m.channel, m.decision_id).where(
            m.case_id == case_id, m.decision_id.is_not(None)
        )
    ):
        out.append(_decision("message", r.id, r.created_at, r.channel, r.decision_id, True, []))
    for e in uow.session.execute(
        select(ev.id, ev.at, ev.detail).where(
            ev.action == "contact.refused", ev.entity == "case", ev.entity_id == case_id
        )
    ):
        what = e.detail or {}
        decision = what.get("decision") or {}
        rules = [str(x) for x in what.get("rules") or []]
        at = _instant(what.get("at")) or e.at
        out.append(_decision("refusal", e.id, at, what.get("channel"), decision.get("id"), False, rules))
    return sorted(out, key=lambda x: (x["at"] or "", x["kind"], x["id"]))


def _decision(
    kind: str,
    ident: int,
    at: datetime | None,
    channel: Any,
    decision_id: Any,
    allowed: bool,
    rules: list[str],
) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": ident,
        "at": at.astimezone(UTC).isoformat() if at else None,
        "channel": channel,
        "decision_id": decision_id,
        "allowed": allowed,
        "rules": rules,
    }


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def contacts(uow: UnitOfWork, case_id: int) -> list[dict[str, Any]]:
    """Every contact and message of the case, oldest first (no notes, no texts; recipients masked)."""
    i, m, u = t.interactions.c, t.messages.c, t.users.c
    out: list[dict[str, Any]] = []
    rows = uow.session.execute(
        select(i.id, i.at, i.channel, i.direction, i.outcome, i.party_id, i.decision_id, u.display_name)
        .select_from(t.interactions.outerjoin(t.users, u.id == i.user_id))
        .where(i.case_id == case_id)
    )
    for r in rows:
        out.append(
            {
                "kind": "interaction",
                "id": r.id,
                "at": r.at.astimezone(UTC).isoformat(),
                "channel": r.channel,
                "direction": r.direction,
                "outcome": r.outcome,
                "party_id": r.party_id,
                "by": r.display_name,
                "decision_id": r.decision_id,
            }
        )
    messages = uow.session.execute(
        select(
            m.id, m.created_at, m.sent_at, m.channel, m.status, m.party_id, m.to, m.decision_id, m.error
        ).where(m.case_id == case_id)
    )
    for msg in messages:
        at = msg.sent_at or msg.created_at
        out.append(
            {
                "kind": "message",
                "id": msg.id,
                "at": at.astimezone(UTC).isoformat() if at else None,
                "queued_at": msg.created_at.astimezone(UTC).isoformat() if msg.created_at else None,
                "channel": msg.channel,
                "status": msg.status,
                "party_id": msg.party_id,
                "to": _masked_to(msg.channel, msg.to),
                "decision_id": msg.decision_id,
                "error": msg.error if msg.status in ("refused", "cancelled") else None,
            }
        )
    return sorted(out, key=lambda x: (x["at"] or "", x["kind"], x["id"]))


def _masked_to(channel: str, to: str | None) -> str:
    if not to:
        return ""
    if channel == "sms":
        return mask_phone(to)
    if channel == "email":
        return mask_email(to)
    if channel == "letter":
        return mask_address(to)
    return mask_handle(to)
