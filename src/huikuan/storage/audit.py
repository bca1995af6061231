"""The audit log's one door: `record` appends an event to the hash chain, `check_chain` walks it.

Every row of `audit_events` has its place in the chain (`seq`, 1, 2, 3 ...), the hash of the row before
it (`prev_hash`; the first row's is GENESIS) and its own (`row_hash`: SHA-256 over a canonical JSON of
its fields and prev_hash, see `row_hash`). The one row of `audit_head` holds the last place and hash.
An append first moves the head on (`UPDATE ... RETURNING`): on PostgreSQL that locks the head until the
transaction ends, so concurrent writers append one after the other and never fork the chain; SQLite
writes one transaction at a time anyway. A unique index on `seq` refuses a fork even if that were
bypassed. Triggers (migration 0008) refuse UPDATE and DELETE on `audit_events`: the log only grows.

What a row refers to is given by ids (`entity`, `entity_id`, ids in `detail`), never copied personal data,
so that erasing a person never has to touch the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from huikuan.storage import tables as t

GENESIS = "0" * 64  # the `prev_hash` of the first row
HEAD_ID = 1  # the one row of audit_head


def canonical_json(value: Any) -> str:
    """The JSON both databases give back the same: keys sorted, no spaces, UTF-8 as is, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_at(at: datetime) -> str:
    """An instant as UTC text with microseconds (both databases keep microseconds)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given where an instant is stored; attach a zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str | None,
    entity_id: int | None,
    detail: Any,
) -> str:
    """The hash a row must carry: SHA-256 of the canonical JSON of its fields and the previous hash."""
    fields = {
        "seq": seq,
        "prev_hash": prev_hash,
        "at": canonical_at(at),
        "user_id": user_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail,
    }
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def record(
    db: Session | Connection,
    *,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str | None,
    entity_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Appends one event to the chain in the caller's transaction (the caller commits); its id.

    `detail` holds ids, codes, rule names and counts, never personal data (see the module's docstring)."""
    event = {"at": at, "user_id": user_id, "action": action, "entity": entity, "entity_id": entity_id}
    (new_id,) = record_many(db, [{**event, "detail": detail}])
    return new_id


def record_many(db: Session | Connection, events: Sequence[Mapping[str, Any]]) -> list[int]:
    """Appends these events (each `record`'s arguments) to the chain, in order, with one move of the head
    and one insert: a job that keeps many at once (the plan-dispatch job's refusals); their ids."""
    if not events:
        return []
    conn = db.connection() if isinstance(db, Session) else db
    for event in events:
        canonical_at(event["at"])  # refuses a naive time before anything is written
    last, prev = _advance_head(conn, len(events))
    rows = []
    for seq, event in enumerate(events, start=last - len(events) + 1):
        fields = {
            "at": event["at"].astimezone(UTC),
            "user_id": event["user_id"],
            "action": event["action"],
            "entity": event["entity"],
            "entity_id": event.get("entity_id"),
            # exactly what will be read back, tuples as lists
            "detail": json.loads(canonical_json(event.get("detail") or {})),
        }
        digest = row_hash(seq=seq, prev_hash=prev, **fields)
        rows.append({"seq": seq, "prev_hash": prev, "row_hash": digest, **fields})
        prev = digest
    added = insert(t.audit_events).returning(t.audit_events.c.id, sort_by_parameter_order=True)
    ids = [int(i) for i in conn.execute(added, rows).scalars()]
    h = t.audit_head.c
    conn.execute(update(t.audit_head).where(h.id == HEAD_ID, h.seq == last).values(last_hash=prev))
    return ids


def _advance_head(conn: Connection, places: int = 1) -> tuple[int, str]:
    """Takes the next `places` places in the chain (locking the head until the transaction ends): the
    last of them, and the hash of the row before the first."""
    h = t.audit_head.c
    move = (
        update(t.audit_head).where(h.id == HEAD_ID).values(seq=h.seq + places).returning(h.seq, h.last_hash)
    )
    row = conn.execute(move).one_or_none()
    if row is None:
        # A new database (or one emptied by TRUNCATE) has no head yet: whoever comes first makes it. With
        # rows already in the log the unique `seq` then refuses the append, and `check_chain` says why.
        maker = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        conn.execute(
            maker(t.audit_head).values(id=HEAD_ID, seq=0, last_hash=GENESIS).on_conflict_do_nothing()
        )
        row = conn.execute(move).one()
    return int(row.seq), str(row.last_hash)


# --- checking the chain -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainRow:
    """A row of the chain, as the check saw it."""

    id: int
    seq: int | None
    at: datetime
    action: str
    row_hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    """The first row that does not match, and why (a code: see PROBLEMS)."""

    problem: str
    row: ChainRow | None  # None when the head itself is what does not match


# What a break can be. A row's own hash is checked first, then its link to the row before it.
PROBLEMS = (
    "unchained",  # the row has no place or hash: written around `record`
    "altered",  # its hash does not match its fields: changed after it was written
    "gap",  # its place is not the one after the previous row's: a row before it is missing
    "unlinked",  # its prev_hash is not the previous row's hash: a row before it was replaced
    "head",  # the head does not name the last row: rows at the end are missing, or the head was changed
)


@dataclass(frozen=True)
class ChainCheck:
    """What a walk of the chain found: how many rows it checked, the last row that verified, the last row
    of the log, the head, and the first break if any."""

    checked: int
    verified_to: ChainRow | None
    last: ChainRow | None
    head_seq: int | None
    head_hash: str | None
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def check_chain(db: Session | Connection, *, batch: int = 1000) -> ChainCheck:
    """Walks the log in id order, recomputing every hash and link, then compares the end with the head."""
    conn = db.connection() if isinstance(db, Session) else db
    e, h = t.audit_events.c, t.audit_head.c
    head = conn.execute(select(h.seq, h.last_hash).where(h.id == HEAD_ID)).one_or_none()
    last_row = conn.execute(_rows().order_by(e.id.desc()).limit(1)).one_or_none()
    last = _chain_row(last_row) if last_row is not None else None
    head_seq, head_hash = (int(head.seq), str(head.last_hash)) if head is not None else (None, None)
    checked, good = 0, None
    after = 0
    while True:
        rows = conn.execute(_rows().where(e.id > after).order_by(e.id).limit(batch)).all()
        for r in rows:
            problem = _problem(r, good)
            if problem is not None:
                return ChainCheck(
                    checked, good, last, head_seq, head_hash, ChainBreak(problem, _chain_row(r))
                )
            checked += 1
            good = _chain_row(r)
        if len(rows) < batch:
            break
        after = rows[-1].id
    end_seq, end_hash = (good.seq, good.row_hash) if good is not None else (0, GENESIS)
    if (head_seq, head_hash) != (end_seq, end_hash) and not (head is None and good is None):
        return ChainCheck(checked, good, last, head_seq, head_hash, ChainBreak("head", None))
    return ChainCheck(checked, good, last, head_seq, head_hash, None)


def _rows() -> Any:
    e = t.audit_events.c
    return select(
        e.id, e.seq, e.prev_hash, e.row_hash, e.at, e.user_id, e.action, e.entity, e.entity_id, e.detail
    )


def _chain_row(r: Any) -> ChainRow:
    return ChainRow(int(r.id), None if r.seq is None else int(r.seq), r.at, str(r.action), r.row_hash)


def _problem(r: Any, previous: ChainRow | None) -> str | None:
    if r.seq is None or r.prev_hash is None or r.row_hash is None:
        return "unchained"
    fields = {
        "at": r.at,
        "user_id": r.user_id,
        "action": r.action,
        "entity": r.entity,
        "entity_id": r.entity_id,
        "detail": r.detail,
    }
    if row_hash(seq=int(r.seq), prev_hash=str(r.prev_hash), **fields) != r.row_hash:
        return "altered"
    if int(r.seq) != ((previous.seq or 0) + 1 if previous is not None else 1):
        return "gap"
    if r.prev_hash != (previous.row_hash if previous is not None else GENESIS):
        return "unlinked"
    return None


__all__ = ["GENESIS", "PROBLEMS", "ChainBreak", "ChainCheck", "ChainRow", "check_chain", "record", "row_hash"]
