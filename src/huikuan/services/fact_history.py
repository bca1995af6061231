"""The debtor's facts kept with their history: what the gate knew of a debtor at any past instant.

Every service that changes what the gate reads of a debtor (contact points, stated preferences, holds,
disputes, notices, an import's scrub flags) makes the change inside `changing_facts`. It reads the facts
before and after, through the same reader as the gate (services.gate_inputs.debtor_facts), and when they
differ adds a version (table fact_versions) valid from that instant, with an audit event naming the version.
The first change of a debtor also keeps the facts it had before, valid from the beginning, so that
`facts_at` answers for every instant: the facts as they stood then, which `huikuan compliance replay`
runs every recorded contact against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from huikuan.compliance.contract import debtor_to_dict
from huikuan.compliance.contract_parse import parse_debtor
from huikuan.compliance.model import DebtorFacts
from huikuan.services.clock import floor_today
from huikuan.services.fact_effects import apply_fact_effects
from huikuan.services.gate_inputs import debt_facts, debtor_facts
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.gate_inputs import disputed_accounts, person_siblings
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import debt_id

BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


def snapshots(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The facts the gate reads now of each debtor, as the JSON a version keeps: the debtor's, and under
    "debts" each account's own ("A<id>": time_barred, validation_sent (services.gate_inputs.debt_facts) and
    disputed when an open dispute names it)."""
    ids = sorted(set(debtor_ids))
    out = {did: {"debtor": debtor_to_dict(facts)} for did, facts in debtor_facts(conn, ids).items()}
    a = t.accounts.c
    owners: dict[int, int] = {}
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        owners |= {
            int(r.id): int(r.debtor_id)
            for r in conn.execute(select(a.id, a.debtor_id).where(a.debtor_id.in_(chunk)))
        }
    for account, debt in debt_facts(conn, owners, floor_today()).items():
        debts = out.setdefault(owners[account], {}).setdefault("debts", {})
        debts[debt.id] = {"time_barred": debt.time_barred, "validation_sent": debt.validation_sent}
    for did, accounts in disputed_accounts(conn, ids).items():
        debts = out.setdefault(did, {}).setdefault("debts", {})
        for acc in sorted(accounts):
            debts.setdefault(debt_id(acc), {})["disputed"] = True
    return out


@contextmanager
def changing_facts(
    uow: UnitOfWork,
    debtor_ids: Iterable[int],
    *,
    user_id: int | None,
    reason: str,
    at: datetime | None = None,
) -> Iterator[None]:
    """Make a change of these debtors' facts inside the block; afterwards each debtor whose facts changed
    gets a new version valid from `at` (default: now) and an audit event `facts.changed`, and what the new
    facts refuse takes effect at once (services/fact_effects.py: queued messages cancelled, today's plan
    row and the next action asked about again). The other debtors of their persons are watched too: what
    one debtor states binds them all."""
    when = (at or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    # The other debtors of the same person read these debtors' facts too (gate_inputs.debtor_facts merges
    # them).
    asked = set(debtor_ids)
    ids = sorted(asked | {s for sibs in person_siblings(conn, asked).values() for s in sibs})
    before = snapshots(conn, ids)
    yield
    uow.session.flush()
    after = snapshots(conn, ids)
    changed: dict[int, int] = {}
    for did in ids:
        if did not in before or did not in after or before[did] == after[did]:
            continue
        changed[did] = keep_change(
            conn, did, before[did], after[did], at=when, user_id=user_id, reason=reason
        )
    # Effective at once: what the new facts refuse is cancelled, re-planned or moved in this transaction.
    apply_fact_effects(uow, changed, at=when, user_id=user_id, versions=changed)


def keep_change(
    conn: Connection,
    debtor_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    at: datetime,
    user_id: int | None,
    reason: str,
) -> int:
    """Keeps one change of a debtor's facts (snapshots as `snapshots` gives them): the facts before it
    from the beginning if no version exists yet, the new version from `at`, and the audit event naming it.
    The version's id. `changing_facts` uses it; so does the demo, for the history it simulates."""
    if _first_version_at(conn, debtor_id) is None:
        _add(conn, debtor_id, BEGINNING, at, None, "facts.before", before)
    version = _add(conn, debtor_id, at, at, user_id, reason, after)
    audit.record(
        conn,
        at=at,
        user_id=user_id,
        action="facts.changed",
        entity="debtor",
        entity_id=debtor_id,
        detail={"version": version, "reason": reason, "changed": _changed(before, after)},
    )
    return version


def facts_at(conn: Connection, debtor_id: int, at: datetime) -> DebtorFacts | None:
    """The debtor's facts as they stood at `at`: None when no change was ever recorded (the current facts
    are then the facts of every instant)."""
    v = t.fact_versions.c
    row = conn.execute(
        select(v.facts)
        .where(v.debtor_id == debtor_id, v.valid_from <= at)
        .order_by(v.valid_from.desc(), v.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return parse_debtor(row.facts["debtor"])


def versions(conn: Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Every version of the debtor's facts, oldest first: id, valid_from, user_id, reason and facts."""
    v = t.fact_versions.c
    rows = conn.execute(
        select(v.id, v.valid_from, v.user_id, v.reason, v.facts)
        .where(v.debtor_id == debtor_id)
        .order_by(v.valid_from, v.id)
    )
    return [dict(r._mapping) for r in rows]


def _first_version_at(conn: Connection, debtor_id: int) -> datetime | None:
    v = t.fact_versions.c
    found: datetime | None = conn.execute(
        select(func.min(v.valid_from)).where(v.debtor_id == debtor_id)
    ).scalar_one()
    return found


def _add(
    conn: Connection,
    debtor_id: int,
    valid_from: datetime,
    recorded_at: datetime,
    user_id: int | None,
    reason: str,
    facts: dict[str, Any],
) -> int:
    return int(
        conn.execute(
            insert(t.fact_versions)
            .values(
                debtor_id=debtor_id,
                valid_from=valid_from,
                recorded_at=recorded_at,
                user_id=user_id,
                reason=reason,
                facts=facts,
            )
            .returning(t.fact_versions.c.id)
        ).scalar_one()
    )


def changed_facts(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of the facts that differ between two versions' facts (flags one by one)."""
    return _changed(before, after)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of the facts that differ (flags one by one), never their values: the audit keeps no
    personal data; the versions hold the values."""
    names: list[str] = []
    for part in sorted(set(before) | set(after)):
        b, a = before.get(part) or {}, after.get(part) or {}
        for key in sorted(set(b) | set(a)):
            if key == "flags":
                bf, af = b.get(key) or {}, a.get(key) or {}
                names.extend(f"flags.{k}" for k in sorted(set(bf) | set(af)) if bf.get(k) != af.get(k))
            elif b.get(key) != a.get(key):
                names.append(key if part == "debtor" else f"{part}.{key}")
    return names
