"""JSON API of the same person placed by several creditors (services/persons.py): what binds a debtor
because of its other placements, and a supervisor's link and unlink."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.services.persons import confirm_link, person_for, unlink
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/debtors", "persons")


class LinkIn(BaseModel):
    debtor_id: int = Field(ge=1, le=MAX_ID, description="The suggested debtor of another creditor")


class UnlinkIn(BaseModel):
    debtor_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The debtor to take out (default: this one)"
    )


@router.get("/{debtor_id}/person")
def get_person(debtor_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """`other_placements` (how many other creditors' debtors are the same person), `facts_from_elsewhere`
    (the kinds of fact that bind this debtor because of them: `cease`, `opt_out.sms` ...), `placements`
    (only those whose case the caller may see), `hidden_placements`, and for a supervisor `suggestions`
    (debtors of other creditors with one of this debtor's phone numbers and the same name)."""
    return person_for(uow, viewer, debtor_id)


@router.post("/{debtor_id}/person/link")
def link_person(debtor_id: PathId, body: LinkIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """A supervisor confirms a suggested link (a phone number and the name shared); audited."""
    return confirm_link(uow, viewer, debtor_id, body.debtor_id)


@router.post("/{debtor_id}/person/unlink")
def unlink_person(debtor_id: PathId, body: UnlinkIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """A supervisor undoes a mistaken link; the debtor is not linked automatically again. Audited."""
    return unlink(uow, viewer, debtor_id, body.debtor_id)
