"""The links of debtors to persons (tables persons, person_members, person_unlinks), read and written in
sets: the debtors of several creditors that share a national ID's keyed hash are one person.

`national_id_plan` finds, in a few set-based reads, every group of debtors with the same hash that is not
yet one person (limited to the hashes of one creditor's debtors after its import), joined with the persons
they already belong to; `apply_plan` then writes the whole plan at once. A debtor a supervisor unlinked
(person_unlinks) and an anonymised debtor are left out. A person exists only while it links two or more
debtors: `unlink` removes the last member's link with the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Subquery, and_, bindparam, delete, func, insert, select, update

from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids
from huikuan.storage.membership import one_of

NATIONAL_ID = "national_id"
CONFIRMED = "confirmed"


@dataclass
class LinkPlan:
    """Debtors that become one person: each component names an existing person it keeps (or None for
    a new one), the debtors in it, and the other persons it absorbs (their members move over)."""

    components: list[tuple[int | None, list[int], list[int]]] = field(default_factory=list)
    current: dict[int, int] = field(default_factory=dict)  # debtor -> its person now

    @property
    def debtor_ids(self) -> list[int]:
        return sorted({d for _keep, debtors, _gone in self.components for d in debtors})


def _group_hashes(creditor_id: int | None) -> Subquery:
    d, pm, un = t.debtors.c, t.person_members.c, t.person_unlinks.c
    query = (
        select(d.national_id_hash)
        .select_from(t.debtors.outerjoin(t.person_members, pm.debtor_id == d.id))
        .where(
            d.national_id_hash.is_not(None),
            d.anonymised_at.is_(None),
            d.id.not_in(select(un.debtor_id)),
        )
        .group_by(d.national_id_hash)
        .having(
            and_(
                func.count() > 1,
                (func.count(pm.person_id) < func.count())
                | (func.min(pm.person_id) != func.max(pm.person_id)),
            )
        )
    )
    if creditor_id is not None:
        mine = select(d.national_id_hash).where(d.creditor_id == creditor_id, d.national_id_hash.is_not(None))
        query = query.where(d.national_id_hash.in_(mine))
    return query.subquery()


def national_id_plan(conn: Connection, creditor_id: int | None = None) -> LinkPlan:
    """The links the national IDs call for (all debtors, or those sharing a hash with `creditor_id`'s)."""
    d, pm, un = t.debtors.c, t.person_members.c, t.person_unlinks.c
    hashes = _group_hashes(creditor_id)
    rows = conn.execute(
        select(d.id, d.national_id_hash, pm.person_id)
        .select_from(t.debtors.outerjoin(t.person_members, pm.debtor_id == d.id))
        .where(
            d.national_id_hash.in_(select(hashes.c.national_id_hash)),
            d.anonymised_at.is_(None),
            d.id.not_in(select(un.debtor_id)),
        )
    ).all()
    if not rows:
        return LinkPlan()
    persons = sorted({r.person_id for r in rows if r.person_id is not None})
    members: list[tuple[int, int]] = []
    for chunk in _chunks(persons):
        members.extend(
            conn.execute(select(pm.debtor_id, pm.person_id).where(one_of(pm.person_id, chunk))).all()
        )
    return _components([(r.id, r.national_id_hash, r.person_id) for r in rows], members)


# A node of the union-find: ("d", debtor id), ("p", person id) or ("h", national ID hash).
Node = tuple[str, int | str]


def _components(rows: Sequence[tuple[int, str, int | None]], members: Sequence[tuple[int, int]]) -> LinkPlan:
    """Union-find over debtors ("d", id), persons ("p", id) and hashes ("h", hash)."""
    parent: dict[Node, Node] = {}

    def root(x: Node) -> Node:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: Node, b: Node) -> None:
        parent[root(a)] = root(b)

    for debtor, hashed, person in rows:
        join(("d", debtor), ("h", hashed))
        if person is not None:
            join(("d", debtor), ("p", person))
    for debtor, person in members:
        join(("d", debtor), ("p", person))
    groups: dict[Node, tuple[set[int], set[int]]] = {}
    for node in list(parent):
        debtors, persons = groups.setdefault(root(node), (set(), set()))
        if node[0] == "d":
            debtors.add(int(node[1]))
        elif node[0] == "p":
            persons.add(int(node[1]))
    plan = LinkPlan(current=dict(members))
    for debtor, _h, person in rows:
        if person is not None:
            plan.current[debtor] = person
    for debtors, persons in groups.values():
        keep = min(persons) if persons else None
        plan.components.append((keep, sorted(debtors), sorted(persons - {keep} if keep else persons)))
    return plan


def apply_plan(conn: Connection, plan: LinkPlan, *, at: datetime, user_id: int | None, how: str) -> list[int]:
    """Writes the plan in a few statements; the person of each component, in the plan's order."""
    pm = t.person_members.c
    new = [c for c in plan.components if c[0] is None]
    ids = allocate_ids(conn, t.persons, len(new)).to_list()
    if ids:
        conn.execute(insert(t.persons), [{"id": i, "created_at": at} for i in ids])
    fresh = iter(ids)
    inserts, moves, gone, persons = [], [], [], []
    for keep, debtors, absorbed in plan.components:
        person = keep if keep is not None else next(fresh)
        persons.append(person)
        gone.extend(absorbed)
        for debtor in debtors:
            now = plan.current.get(debtor)
            if now is None:
                inserts.append(
                    {
                        "debtor_id": debtor,
                        "person_id": person,
                        "how": how,
                        "linked_at": at,
                        "linked_by": user_id,
                    }
                )
            elif now != person:
                moves.append({"d": debtor, "p": person})
    if inserts:
        conn.execute(insert(t.person_members), inserts)
    if moves:
        conn.execute(
            update(t.person_members).where(pm.debtor_id == bindparam("d")).values(person_id=bindparam("p")),
            moves,
        )
    for chunk in _chunks(sorted(set(gone))):
        conn.execute(delete(t.persons).where(one_of(t.persons.c.id, chunk)))
    return persons


def manual_plan(conn: Connection, debtor_ids: Sequence[int]) -> LinkPlan:
    """The plan that makes these debtors (and the persons they belong to) one person."""
    pm = t.person_members.c
    rows = [(d, "", person_of(conn, d)) for d in debtor_ids]
    persons = sorted({p for _d, _h, p in rows if p is not None})
    found = conn.execute(select(pm.debtor_id, pm.person_id).where(one_of(pm.person_id, persons))).all()
    return _components(rows, [(r.debtor_id, r.person_id) for r in found])


def person_of(conn: Connection, debtor_id: int) -> int | None:
    pm = t.person_members.c
    found: int | None = conn.execute(select(pm.person_id).where(pm.debtor_id == debtor_id)).scalar()
    return found


def members(conn: Connection, person_id: int) -> list[int]:
    pm = t.person_members.c
    return [int(r) for r in conn.execute(select(pm.debtor_id).where(pm.person_id == person_id)).scalars()]


def unlink(conn: Connection, debtor_id: int, *, at: datetime, user_id: int | None) -> int | None:
    """Takes the debtor out of its person (and keeps it out of automatic links); the person it left, whose
    link ends too when a single debtor would remain. None when it was not linked."""
    pm, un = t.person_members.c, t.person_unlinks.c
    person = person_of(conn, debtor_id)
    if person is None:
        return None
    conn.execute(delete(t.person_members).where(pm.debtor_id == debtor_id))
    if conn.execute(select(un.debtor_id).where(un.debtor_id == debtor_id)).first() is None:
        conn.execute(insert(t.person_unlinks).values(debtor_id=debtor_id, unlinked_at=at, user_id=user_id))
    if len(members(conn, person)) < 2:
        conn.execute(delete(t.person_members).where(pm.person_id == person))
        conn.execute(delete(t.persons).where(t.persons.c.id == person))
    return person


def _chunks(ids: Sequence[int], size: int = 5_000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
