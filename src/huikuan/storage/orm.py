"""Maps the tables onto the domain's dataclasses (imperative mapping: the domain never imports this)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import registry

from huikuan.domain import model
from huikuan.storage import tables

mapper_registry = registry(metadata=tables.metadata)
_started = False
_mapping = threading.Lock()

_MAPPINGS = {
    model.Creditor: tables.creditors,
    model.Team: tables.teams,
    model.User: tables.users,
    model.Debtor: tables.debtors,
    model.Party: tables.parties,
    model.ContactPoint: tables.contact_points,
    model.Case: tables.cases,
    model.Account: tables.accounts,
    model.Interaction: tables.interactions,
    model.PromiseToPay: tables.promises,
    model.Arrangement: tables.arrangements,
    model.Instalment: tables.instalments,
    model.Payment: tables.payments,
    model.Message: tables.messages,
    model.AuditEvent: tables.audit_events,
}


def start_mappers() -> None:
    """Map once per process; idempotent, and safe when the first requests arrive all at once."""
    global _started
    if _started:
        return
    with _mapping:
        if _started:
            return
        for cls, table in _MAPPINGS.items():
            mapper_registry.map_imperatively(cls, table)
        _started = True
