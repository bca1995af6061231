"""Holds on collection with a start and an end: set, end and list them (table holds).

A hold says who set it, why and until when. The gate reads the open ones (services.gate_inputs.debtor_facts):
each kind refuses under the rule of its name until its end, `next_allowed_at` naming that end. A hold
"until" a day ends at the end of that day in the debtor's local time (the debtor's zone, else the
creditor's). The debtor's boolean columns of the same kinds (cease, attorney, deceased, hardship,
bankruptcy), which the daily plan reads, stay equal to "an open hold of this kind exists" in the same
transaction. Every change is made inside `changing_facts` and audited.

Kinds: hardship (a pause until a date), attorney (the attorney is the party to contact instead),
deceased (the estate's representative is), bankruptcy, cease, breathing_space (uk-conc: 60 days),
breathing_space_crisis (uk-conc: a mental health crisis moratorium, until it is ended) and vulnerability
(no gate rule: the case goes only to a collector with the skill "vulnerability").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import Connection, insert, select, update

from huikuan.compliance.model import ESTATE_ROLES, Role
from huikuan.domain.days import day_start, local_day
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.intake.phones import classify
from huikuan.services.fact_history import changing_facts
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.holds import sync_hold_flags
from huikuan.storage.search_keys import write_search_keys
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import GATE_HOLDS, creditor_pack

KINDS = (
    "hardship",
    "attorney",
    "deceased",
    "bankruptcy",
    "cease",
    "breathing_space",
    "breathing_space_crisis",
    "vulnerability",
)
SOURCES = ("collector", "debtor", "creditor", "import")
BREATHING_SPACE_DAYS = 60
VULNERABILITY_SKILL = "vulnerability"
_NEEDS_UNTIL = frozenset({"hardship"})
_NO_UNTIL = frozenset({"breathing_space", "breathing_space_crisis"})
_BREATHING = frozenset({"breathing_space", "breathing_space_crisis"})
_POINT_KINDS = ("mobile", "landline", "email", "address")
_ZONES = frozenset(available_timezones())


@dataclass(frozen=True)
class SetHold:
    """One hold to set; for an attorney or a death, the party to contact instead: an existing related
    party (`party_id`) or a new one (`party_name`, `party_role`, and a contact point)."""

    debtor_id: int
    kind: str
    until: date | None = None
    note: str | None = None
    source: str = "collector"
    party_id: int | None = None
    party_name: str | None = None
    party_role: str | None = None
    point_kind: str | None = None
    point_value: str | None = None


def set_hold(uow: UnitOfWork, user_id: int | None, cmd: SetHold, *, now: datetime | None = None) -> int:
    """Sets the hold and commits; its id. InvalidInput for a bad kind, date or party; Conflict when one
    of the same kind is open already."""
    hold_id = add_hold(uow, user_id, cmd, now=now)
    uow.commit()
    return hold_id


def add_hold(uow: UnitOfWork, user_id: int | None, cmd: SetHold, *, now: datetime | None = None) -> int:
    """set_hold without the commit, in the caller's transaction (a contact's outcome sets one)."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    debtor = _debtor(uow, cmd.debtor_id)
    _check(uow, cmd, debtor, when)
    ends_at, until = _end(cmd, debtor, when)
    with changing_facts(uow, [cmd.debtor_id], user_id=user_id, reason="hold.set", at=when):
        party = _party(uow, cmd, debtor)
        hold_id = int(
            uow.session.execute(
                insert(t.holds)
                .values(
                    debtor_id=cmd.debtor_id,
                    kind=cmd.kind,
                    started_at=when,
                    ends_at=ends_at,
                    until=until,
                    note=(cmd.note or "").strip() or None,
                    source=cmd.source,
                    set_by=user_id,
                    party_id=party,
                )
                .returning(t.holds.c.id)
            ).scalar_one()
        )
        sync_flags(uow.session.connection(), [cmd.debtor_id])
        audit.record(
            uow.session,
            at=when,
            user_id=user_id,
            action="hold.set",
            entity="debtor",
            entity_id=cmd.debtor_id,
            detail={"hold_id": hold_id, "kind": cmd.kind, "source": cmd.source, "party_id": party},
        )
    return hold_id


def end_hold(
    uow: UnitOfWork, user_id: int | None, hold_id: int, reason: str = "", *, now: datetime | None = None
) -> int:
    """Ends an open hold and commits; the debtor's id. NotFound, or Conflict when it ended already."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    h = t.holds.c
    row = uow.session.execute(select(h.debtor_id, h.kind, h.ended_at).where(h.id == hold_id)).one_or_none()
    if row is None:
        raise NotFound("no hold {hold_id}", hold_id=hold_id)
    if row.ended_at is not None:
        raise Conflict("hold {hold_id} has ended already", hold_id=hold_id)
    with changing_facts(uow, [row.debtor_id], user_id=user_id, reason="hold.end", at=when):
        uow.session.execute(
            update(t.holds)
            .where(h.id == hold_id, h.ended_at.is_(None))
            .values(ended_at=when, ended_by=user_id, end_reason=reason.strip()[:200] or None)
        )
        sync_flags(uow.session.connection(), [row.debtor_id])
        audit.record(
            uow.session,
            at=when,
            user_id=user_id,
            action="hold.end",
            entity="debtor",
            entity_id=row.debtor_id,
            detail={"hold_id": hold_id, "kind": row.kind},
        )
    uow.commit()
    return int(row.debtor_id)


def hold_debtor(uow: UnitOfWork, hold_id: int) -> int:
    """The debtor a hold belongs to (NotFound for an unknown hold)."""
    found = uow.session.execute(select(t.holds.c.debtor_id).where(t.holds.c.id == hold_id)).scalar()
    if found is None:
        raise NotFound("no hold {hold_id}", hold_id=hold_id)
    return int(found)


def holds_for(
    conn_or_uow: Connection | UnitOfWork, debtor_id: int, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every hold of the debtor, open ones first, newest first: kind, status (open, expired, ended),
    dates, who set and ended it, why, and the party to contact instead. For the API and the case page."""
    conn = conn_or_uow.session.connection() if isinstance(conn_or_uow, UnitOfWork) else conn_or_uow
    when = (now or datetime.now(UTC)).astimezone(UTC)
    h, p = t.holds.c, t.parties.c
    setter, ender = t.users.alias("setter"), t.users.alias("ender")
    rows = conn.execute(
        select(
            h.id,
            h.kind,
            h.started_at,
            h.ends_at,
            h.until,
            h.note,
            h.source,
            h.set_by,
            h.party_id,
            h.ended_at,
            h.ended_by,
            h.end_reason,
            setter.c.display_name.label("set_by_name"),
            ender.c.display_name.label("ended_by_name"),
            p.name.label("party_name"),
            p.role.label("party_role"),
        )  # fmt: skip
        .select_from(
            t.holds.outerjoin(setter, setter.c.id == h.set_by)
            .outerjoin(ender, ender.c.id == h.ended_by)
            .outerjoin(t.parties, p.id == h.party_id)
        )
        .where(h.debtor_id == debtor_id)
        .order_by(h.ended_at.is_not(None), h.started_at.desc(), h.id.desc())
    ).all()
    out = []
    for r in rows:
        item = dict(r._mapping)
        if r.ended_at is not None:
            item["status"] = "ended"
        elif r.ends_at is not None and r.ends_at <= when:
            item["status"] = "expired"
        else:
            item["status"] = "open"
        item["gate_rule"] = None if r.kind not in GATE_HOLDS else GATE_HOLDS[r.kind].value
        out.append(item)
    return out


def open_hold_kinds(conn: Connection, debtor_id: int, *, now: datetime | None = None) -> list[str]:
    """The kinds of the debtor's holds in force now."""
    return sorted({x["kind"] for x in open_holds_of(conn, debtor_id, now=now)})


def open_holds_of(conn: Connection, debtor_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The debtor's holds in force now (for the case header's badge): kind, until, ends_at."""
    return [x for x in holds_for(conn, debtor_id, now=now) if x["status"] == "open"]


def sync_flags(conn: Connection, debtor_ids: list[int]) -> None:
    """The debtor's boolean columns set to "an open hold of this kind exists"."""
    sync_hold_flags(conn, debtor_ids)


def is_vulnerable(conn: Connection, case_id: int) -> bool:
    """Whether the case's debtor has an open vulnerability hold."""
    h, c = t.holds.c, t.cases.c
    query = (
        select(h.id)
        .join(t.cases, c.debtor_id == h.debtor_id)
        .where(c.id == case_id, h.kind == "vulnerability", h.ended_at.is_(None))
    )
    return conn.execute(query.limit(1)).first() is not None


def debtor_zone(uow: UnitOfWork, debtor_id: int) -> str:
    return str(_debtor(uow, debtor_id).zone)


# --- checks --------------------------------------------------------------------------------------


def _debtor(uow: UnitOfWork, debtor_id: int) -> Any:
    d, cr = t.debtors.c, t.creditors.c
    row = uow.session.execute(
        select(d.id, d.time_zone, cr.time_zone.label("creditor_zone"), cr.region, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == d.creditor_id)
        .where(d.id == debtor_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no debtor {debtor_id} that you may see", debtor_id=debtor_id)
    zone = row.time_zone if row.time_zone in _ZONES else row.creditor_zone
    pack = creditor_pack(row.pack, row.pack_overrides)
    return _Debtor(row.id, zone, row.region, pack.enabled("breathing-space"))


@dataclass(frozen=True)
class _Debtor:
    id: int
    zone: str
    region: str  # the creditor's country, for numbers written without a country code
    breathing_space: bool


def _check(uow: UnitOfWork, cmd: SetHold, debtor: _Debtor, when: datetime) -> None:
    if cmd.kind not in KINDS:
        raise InvalidInput("unknown kind of hold {kind}", kind=cmd.kind)
    if cmd.source not in SOURCES:
        raise InvalidInput("unknown source {source}", source=cmd.source)
    if cmd.kind in _BREATHING and not debtor.breathing_space:
        raise InvalidInput("a Breathing Space moratorium exists only under the uk-conc pack")
    if cmd.kind in _NEEDS_UNTIL and cmd.until is None:
        raise InvalidInput("a {kind} hold needs the day it lasts until", kind=cmd.kind)
    if cmd.kind in _NO_UNTIL and cmd.until is not None:
        raise InvalidInput("a {kind} hold sets its own end", kind=cmd.kind)
    if cmd.until is not None and cmd.until < local_day(when, debtor.zone):
        raise InvalidInput("the day a hold lasts until cannot be in the past")
    if (cmd.party_id is not None or cmd.party_name) and cmd.kind not in ("attorney", "deceased"):
        raise InvalidInput("only an attorney or a death hold names a party to contact instead")
    h = t.holds.c
    same = _BREATHING if cmd.kind in _BREATHING else frozenset({cmd.kind})
    found = uow.session.execute(
        select(h.id)
        .where(h.debtor_id == cmd.debtor_id, h.kind.in_(sorted(same)), h.ended_at.is_(None))
        .limit(1)
    ).scalar()
    if found is not None:
        raise Conflict("hold {hold_id} of this kind is open already: end it first", hold_id=found)


def _end(cmd: SetHold, debtor: _Debtor, when: datetime) -> tuple[datetime | None, date | None]:
    """(ends_at, until): the end of the stated day in the debtor's zone; 60 days for a Breathing Space."""
    if cmd.kind == "breathing_space":
        ends = when + timedelta(days=BREATHING_SPACE_DAYS)
        return ends, local_day(ends, debtor.zone)
    if cmd.until is None:
        return None, None
    return day_start(cmd.until + timedelta(days=1), debtor.zone), cmd.until


def _party(uow: UnitOfWork, cmd: SetHold, debtor: _Debtor) -> int | None:
    """The party to contact instead: checked if given, created (with its contact point) if named."""
    if cmd.kind not in ("attorney", "deceased"):
        return None
    allowed = {Role.ATTORNEY.value} if cmd.kind == "attorney" else {r.value for r in ESTATE_ROLES}
    p = t.parties.c
    if cmd.party_id is not None:
        role = uow.session.execute(
            select(p.role).where(p.id == cmd.party_id, p.debtor_id == debtor.id)
        ).scalar()
        if role is None:
            raise NotFound("no related party {party} of this debtor", party=cmd.party_id)
        if role not in allowed:
            raise InvalidInput("a {role} cannot speak for the debtor under this hold", role=role)
        return cmd.party_id
    name = (cmd.party_name or "").strip()
    if not name:
        return None
    role = cmd.party_role or (Role.ATTORNEY.value if cmd.kind == "attorney" else Role.EXECUTOR.value)
    if role not in allowed:
        raise InvalidInput("a {role} cannot speak for the debtor under this hold", role=role)
    point = _point(cmd, debtor)
    party = int(
        uow.session.execute(
            insert(t.parties)
            .values(debtor_id=debtor.id, role=role, name=name[:200], liable=role == Role.HEIR.value)
            .returning(p.id)
        ).scalar_one()
    )
    if point is not None:
        point_id = uow.session.execute(
            insert(t.contact_points)
            .values(
                debtor_id=debtor.id,
                party_id=party,
                kind=point[0],
                value=point[1],
                status="unverified",
                source=cmd.source if cmd.source != "import" else "placement",
                consent=False,
            )
            .returning(t.contact_points.c.id)
        ).scalar_one()
        write_search_keys(uow.session.connection(), point_ids=[point_id])
    return party


def _point(cmd: SetHold, debtor: _Debtor) -> tuple[str, str] | None:
    value = (cmd.point_value or "").strip()
    if not value:
        return None
    kind = cmd.point_kind or "mobile"
    if kind not in _POINT_KINDS:
        raise InvalidInput("unknown kind of contact point {kind}", kind=kind)
    if kind in ("mobile", "landline"):
        found = classify(value, debtor.region)
        if found is None:
            raise InvalidInput("{value} is not a telephone number", value=value)
        return found[1], found[0]
    if kind == "email" and "@" not in value:
        raise InvalidInput("{value} is not an e-mail address", value=value)
    return kind, value[:500]
