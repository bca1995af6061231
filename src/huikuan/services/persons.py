"""One person, one set of facts: the same person placed by several creditors is linked, and what it stated
and its holds then bind every one of its cases (services.gate_inputs.debtor_facts merges them; the calls made
to it on behalf of each creditor count together towards the daily call cap, gate_inputs.gate_history).

- By national ID, automatically: after each placement import (`link_by_national_id`, one set-based pass
  over the debtors that share a keyed hash with the creditor's) and once for the data already on file
  (`huikuan persons link`).
- By a confirmed phone and name: `suggestions` lists the debtors of other creditors with one of the
  debtor's own phone numbers and the same name; a supervisor confirms one (`confirm_link`). A phone alone
  never links.
- `unlink` undoes a mistaken link (the debtor is then never linked automatically again).

Every link and unlink is made inside `changing_facts` for all the debtors whose facts it changes, and
audited (`person.linked`, `person.unlinked`). Seeing a link is not seeing the other case: `person_for`
names another creditor's placement only if the viewer may see its case (services/access.case_scope).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from huikuan.compliance.person import facts_from_elsewhere, merge_person_facts
from huikuan.errors import Conflict, Forbidden, InvalidInput
from huikuan.services.access import Viewer, case_scope, debtor_case
from huikuan.services.fact_history import changing_facts
from huikuan.services.gate_inputs import own_facts
from huikuan.services.masking import mask_phone
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.person_links import (
    CONFIRMED,
    NATIONAL_ID,
    LinkPlan,
    apply_plan,
    manual_plan,
    members,
    national_id_plan,
    person_of,
)
from huikuan.storage.person_links import unlink as unlink_rows
from huikuan.storage.uow import UnitOfWork

PHONE_KINDS = ("mobile", "landline")


def link_by_national_id(
    uow: UnitOfWork, creditor_id: int | None = None, *, user_id: int | None = None, at: datetime | None = None
) -> int:
    """Links the debtors that share a national ID (those sharing one with `creditor_id`'s debtors, or
    all); how many debtors were in the groups linked. The caller commits."""
    conn = uow.session.connection()
    plan = national_id_plan(conn, creditor_id)
    if not plan.components:
        return 0
    _write(uow, plan, user_id=user_id, how=NATIONAL_ID, at=at)
    return len(plan.debtor_ids)


def _write(uow: UnitOfWork, plan: LinkPlan, *, user_id: int | None, how: str, at: datetime | None) -> None:
    conn = uow.session.connection()
    when = (at or datetime.now(UTC)).astimezone(UTC)
    with changing_facts(uow, plan.debtor_ids, user_id=user_id, reason="person.linked", at=when):
        persons = apply_plan(conn, plan, at=when, user_id=user_id, how=how)
    for (_keep, debtors, absorbed), person in zip(plan.components, persons, strict=True):
        audit.record(
            conn,
            at=when,
            user_id=user_id,
            action="person.linked",
            entity="person",
            entity_id=person,
            detail={"debtors": debtors, "how": how, "merged_persons": absorbed},
        )


def _normal_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def suggestions(conn: Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Debtors of other creditors that share one of this debtor's own phone numbers and its name, and are
    not yet the same person: links a supervisor may confirm."""
    d, cp, c, cr = t.debtors.c, t.contact_points.c, t.cases.c, t.creditors.c
    me = conn.execute(select(d.name, d.creditor_id).where(d.id == debtor_id)).one_or_none()
    if me is None:
        return []
    phones = list(
        conn.execute(
            select(cp.value).where(cp.debtor_id == debtor_id, cp.party_id.is_(None), cp.kind.in_(PHONE_KINDS))
        ).scalars()
    )
    if not phones:
        return []
    person = person_of(conn, debtor_id)
    already = set(members(conn, person)) if person is not None else set()
    rows = conn.execute(
        select(d.id, d.name, c.id.label("case_id"), cr.code, cr.name.label("creditor"), cp.value)
        .join(t.contact_points, cp.debtor_id == d.id)
        .join(t.cases, c.debtor_id == d.id)
        .join(t.creditors, cr.id == d.creditor_id)
        .where(
            cp.value.in_(phones),
            cp.kind.in_(PHONE_KINDS),
            cp.party_id.is_(None),
            d.creditor_id != me.creditor_id,
            d.anonymised_at.is_(None),
        )
        .order_by(d.id, cp.value)
    ).all()
    found: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r.id in already or r.id == debtor_id or _normal_name(r.name) != _normal_name(me.name):
            continue
        item = found.setdefault(
            r.id,
            {
                "debtor_id": r.id,
                "case_id": r.case_id,
                "creditor": r.creditor,
                "creditor_code": r.code,
                "phones": [],
            },
        )
        item["phones"].append(mask_phone(r.value))
    return list(found.values())


def require_supervisor(viewer: Viewer) -> None:
    if not viewer.supervises:
        raise Forbidden("Only a supervisor may link or unlink placements of the same person")


def confirm_link(uow: UnitOfWork, viewer: Viewer, debtor_id: int, other_id: int) -> dict[str, Any]:
    """A supervisor confirms a suggested link: the two debtors (and their persons) become one person."""
    require_supervisor(viewer)
    debtor_case(uow, viewer, debtor_id)
    debtor_case(uow, viewer, other_id)
    conn = uow.session.connection()
    if other_id not in {s["debtor_id"] for s in suggestions(conn, debtor_id)}:
        raise InvalidInput(
            "debtor {other_id} shares no phone number and name with this debtor: it is not a suggested link",
            other_id=other_id,
        )
    _write(uow, manual_plan(conn, [debtor_id, other_id]), user_id=viewer.user_id, how=CONFIRMED, at=None)
    uow.commit()
    return person_for(uow, viewer, debtor_id)


def unlink(uow: UnitOfWork, viewer: Viewer, debtor_id: int, member_id: int | None = None) -> dict[str, Any]:
    """A supervisor takes a debtor (this one, or another of its person) out of the person: a mistaken
    link. Its facts and history are its own again; it is not linked automatically again."""
    require_supervisor(viewer)
    debtor_case(uow, viewer, debtor_id)
    conn = uow.session.connection()
    person = person_of(conn, debtor_id)
    if person is None:
        raise Conflict("This placement is not linked to any other")
    together = members(conn, person)
    target = debtor_id if member_id is None else member_id
    if target not in together:
        raise InvalidInput("debtor {member_id} is not linked to this placement", member_id=target)
    when = datetime.now(UTC)
    with changing_facts(uow, together, user_id=viewer.user_id, reason="person.unlinked", at=when):
        unlink_rows(conn, target, at=when, user_id=viewer.user_id)
    audit.record(
        conn,
        at=when,
        user_id=viewer.user_id,
        action="person.unlinked",
        entity="debtor",
        entity_id=target,
        detail={"person": person},
    )
    uow.commit()
    return person_for(uow, viewer, debtor_id)


def person_for(uow: UnitOfWork, viewer: Viewer, debtor_id: int) -> dict[str, Any]:
    """What the viewer may know of the debtor's other placements: how many, which facts bind this case
    because of them (kinds only), the placements whose case the viewer may see, and for a supervisor the
    suggested links."""
    debtor_case(uow, viewer, debtor_id)
    conn = uow.session.connection()
    person = person_of(conn, debtor_id)
    others = [m for m in members(conn, person) if m != debtor_id] if person is not None else []
    facts = own_facts(conn, [debtor_id, *others])
    own = facts[debtor_id]
    merged = merge_person_facts(own, [facts[o] for o in others if o in facts])
    c, cr = t.cases.c, t.creditors.c
    seen = conn.execute(
        select(c.id, c.debtor_id, cr.name)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.debtor_id.in_(others), case_scope(viewer))
        .order_by(c.id)
    ).all()
    placements = [
        {
            "debtor_id": r.debtor_id,
            "case_id": r.id,
            "creditor": r.name,
            "facts": facts_from_elsewhere(own, merge_person_facts(own, [facts[r.debtor_id]]))
            if r.debtor_id in facts
            else [],
        }
        for r in seen
    ]
    return {
        "debtor_id": debtor_id,
        "linked": person is not None,
        "other_placements": len(others),
        "facts_from_elsewhere": facts_from_elsewhere(own, merged),
        "placements": placements,
        "hidden_placements": len(others) - len(placements),
        "may_link": viewer.supervises,
        "suggestions": suggestions(conn, debtor_id) if viewer.supervises else [],
    }


__all__ = ["confirm_link", "link_by_national_id", "person_for", "require_supervisor", "suggestions", "unlink"]
