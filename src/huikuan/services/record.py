"""The case page's compliance record: the versions of the debtor's facts (when, who, why, which facts
changed: names only, the values stay in the dossier) and the replay of the case's contacts against the
facts of their time (services/replay.py). For whoever may see the case; the dossier itself, with the
facts' values, is services/dossier.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from huikuan.services.access import Viewer, visible_case
from huikuan.services.fact_history import changed_facts, versions
from huikuan.services.replay import CaseReplay, replay_case
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class VersionRow:
    id: int
    valid_from: datetime
    user: str | None  # None: a job, an import or the command line
    reason: str
    changed: tuple[str, ...]
    first: bool  # the facts as they were before the first recorded change


@dataclass(frozen=True)
class CaseRecord:
    case_id: int
    versions: tuple[VersionRow, ...]
    replay: CaseReplay


def case_record(uow: UnitOfWork, viewer: Viewer, case_id: int) -> CaseRecord:
    case = visible_case(uow, viewer, case_id)
    return CaseRecord(case_id, version_rows(uow, case.debtor_id), replay_case(uow, case_id))


def version_rows(uow: UnitOfWork, debtor_id: int) -> tuple[VersionRow, ...]:
    """The versions newest first, each with the facts it changed from the one before."""
    u = t.users.c
    kept = versions(uow.session.connection(), debtor_id)
    ids = {v["user_id"] for v in kept if v["user_id"] is not None}
    names: dict[int, str] = {}
    if ids:
        names = {
            r.id: r.display_name
            for r in uow.session.execute(select(u.id, u.display_name).where(u.id.in_(ids)))
        }
    rows: list[VersionRow] = []
    previous: dict[str, Any] | None = None
    for v in kept:
        changed = changed_facts(previous, v["facts"]) if previous is not None else []
        rows.append(
            VersionRow(
                v["id"],
                v["valid_from"],
                names.get(v["user_id"]) if v["user_id"] is not None else None,
                v["reason"],
                tuple(changed),
                previous is None,
            )
        )
        previous = v["facts"]
    return tuple(reversed(rows))
