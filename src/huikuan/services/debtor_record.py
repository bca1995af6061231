"""What we know about a debtor, in one record (GET /api/v1/debtors/{debtor_id}): the facts the gate reads,
every contact point (masked as on the case page: the full value only through the audited reveal of
services/reveal.py) and the debtor's stated preferences.

Other parts of the record (holds, open disputes) are added by their own services into the same dict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from huikuan.compliance.contract import debtor_to_dict
from huikuan.services.access import Viewer, debtor_case
from huikuan.services.disputes import open_disputes_for
from huikuan.services.gate import UNUSABLE
from huikuan.services.gate_inputs import debtor_facts
from huikuan.services.holds import holds_for
from huikuan.services.masking import mask_contact
from huikuan.services.persons import person_for
from huikuan.services.preferences import read_preferences
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# Facts of the debtors table the gate does not read (yet) but a collector acts on.
_OTHER_FLAGS = ("hardship", "bankruptcy")


def debtor_record(uow: UnitOfWork, viewer: Viewer, debtor_id: int) -> dict[str, Any]:
    """The record of a debtor the viewer may see (NotFound otherwise)."""
    case = debtor_case(uow, viewer, debtor_id)
    conn = uow.session.connection()
    facts = debtor_to_dict(debtor_facts(conn, [debtor_id])[debtor_id])
    # The numbers are listed (masked) with the contact points; the facts keep only what places the debtor.
    facts.pop("phones", None)
    d = t.debtors.c
    row = conn.execute(select(*(getattr(d, f) for f in _OTHER_FLAGS)).where(d.id == debtor_id)).one()
    facts["flags"].update({f: bool(getattr(row, f)) for f in _OTHER_FLAGS})
    return {
        "debtor_id": debtor_id,
        "case_id": case.id,
        "facts": facts,
        "contact_points": contact_points(uow, debtor_id),
        "preferences": read_preferences(conn, debtor_id),
        "holds": holds_for(conn, debtor_id),
        "open_disputes": open_disputes_for(conn, debtor_id),
        "person": person_for(uow, viewer, debtor_id),
    }


def contact_points(uow: UnitOfWork, debtor_id: int) -> list[dict[str, Any]]:
    """The debtor's and its related parties' points, the debtor's first, values masked."""
    cp = t.contact_points.c
    rows = uow.session.execute(
        select(
            cp.id,
            cp.party_id,
            cp.kind,
            cp.value,
            cp.status,
            cp.status_reason,
            cp.status_at,
            cp.source,
            cp.consent,
            cp.consent_at,
            cp.consent_how,
            cp.verified_at,
            cp.added_at,
            cp.place,
        )
        .where(cp.debtor_id == debtor_id)
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()
    out = []
    for r in rows:
        item = dict(r._mapping)
        item["value"] = mask_contact(r.kind, r.value)
        item["consent"] = bool(r.consent)
        item["usable"] = r.status not in UNUSABLE
        out.append(item)
    return out
