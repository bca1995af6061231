"""Finding a debtor's case (issue 15): by name (Chinese or Latin, its start, or its pinyin), phone (whole
or its last four digits and more), national ID (whole, or its last four with the name), contract number
and case id; from the top bar (/search), the API (/api/v1/search) alike.

Only the cases the viewer may see are found (services/access.py `case_scope`), shown as the case page
shows them (the national ID and the phone masked). Each search is audited as `search`: the kind of query
and the number of results, never what was typed.

The few exact hits (a case id, a contract number, a national ID, a name with the ID's last four) come
first; then the broad ones in their index's order (names by their normal form, phones by case), paged
in the database. Each count stops at COUNT_CAP (`capped` says so): a search is not a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select

from huikuan.domain.search_keys import has_han, pinyin_text, typed_phone_digits
from huikuan.domain.search_query import CASE_ID_MAX_DIGITS, QueryKind, SearchQuery, read_query
from huikuan.sealing import lookup_hash
from huikuan.services.access import Viewer, case_scope
from huikuan.services.masking import mask_contact
from huikuan.services.paging import Paging
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.search_match import ids_with_id_tail, starts_with
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_CAP = 1000  # counts stop here
NAME_ID_CANDIDATES = 500  # the debtors of one name whose IDs are compared with the last four typed
ACTION = "search"
OLD_ID_DIGITS = 15  # a PRC ID of the old form, as long as 0086 and a mobile number


@dataclass(frozen=True)
class SearchHit:
    case_id: int
    debtor_name: str
    creditor_name: str
    stage: str
    national_id: str  # masked
    phone: str | None  # masked: the phone that matched, else the debtor's first


@dataclass(frozen=True)
class SearchResults:
    query: str
    kind: str | None  # a QueryKind, None for a blank query
    hits: tuple[SearchHit, ...]
    paging: Paging
    capped: bool  # the true count is larger than `paging.total`

    def to_dict(self) -> dict[str, Any]:
        items = [
            {
                "case_id": h.case_id,
                "debtor_name": h.debtor_name,
                "creditor_name": h.creditor_name,
                "stage": h.stage,
                "national_id": h.national_id,
                "phone": h.phone,
                "url": f"/cases/{h.case_id}",
            }
            for h in self.hits
        ]
        return {"query": self.query, "kind": self.kind, "items": items, "capped": self.capped} | (
            self.paging.to_dict()
        )


def search(
    uow: UnitOfWork,
    viewer: Viewer,
    typed: str,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> SearchResults:
    """One page of the cases the viewer may see that the query finds; audited (see the module)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = min(max(page, 1), COUNT_CAP)  # past the cap there is no page to show
    query = read_query((typed or "").replace("\x00", ""))  # a character no stored text holds
    if query is None:
        return SearchResults("", None, (), Paging(1, per_page, 0), False)
    exact = _exact_ids(uow, viewer, query)
    broad = [(s, _count(uow, s)) for s in _broad_sources(viewer, query, exact)]
    total = min(len(exact) + sum(n for _, n in broad), COUNT_CAP)
    capped = len(exact) >= COUNT_CAP or any(n >= COUNT_CAP for _, n in broad)
    paging = Paging(page, per_page, total)
    ids = _page_ids(uow, exact, broad, paging.offset, per_page)
    hits = _hits(uow, ids, query)
    _audit(uow, viewer, query, total, capped, now)
    return SearchResults(query.text, query.kind.value, hits, paging, capped)


def _scoped(*columns: Any) -> Select[Any]:
    return select(*columns).select_from(t.cases)


def _exact_ids(uow: UnitOfWork, viewer: Viewer, query: SearchQuery) -> list[int]:
    """The case ids the query names exactly, in scope: case id, contract number, national ID, name with
    the ID's last four; each once, in that order."""
    c, a, d = t.cases.c, t.accounts.c, t.debtors.c
    scope = case_scope(viewer)
    found: list[int] = []
    wheres: list[Any] = []
    if query.kind is QueryKind.NUMBER and query.digits and query.text.isdigit():
        if len(query.digits) <= CASE_ID_MAX_DIGITS:
            wheres.append(c.id == int(query.digits))
    wheres.append(c.id.in_(select(a.case_id).where(a.external_ref == query.text)))
    old_id = query.kind is QueryKind.NUMBER and len(query.digits or "") == OLD_ID_DIGITS
    if query.kind in (QueryKind.NATIONAL_ID, QueryKind.REFERENCE) or old_id:
        hashed = lookup_hash(query.text)
        wheres.append(c.debtor_id.in_(select(d.id).where(d.national_id_hash == hashed)))
    if query.kind is QueryKind.NAME_ID and query.name and query.tail:
        debtors = ids_with_id_tail(uow.session, _same_name(query.name), query.tail, NAME_ID_CANDIDATES)
        if debtors:
            wheres.append(c.debtor_id.in_(debtors))
    for where in wheres:
        rows = uow.session.execute(_scoped(c.id).where(where, scope).order_by(c.id).limit(COUNT_CAP))
        found.extend(r for (r,) in rows if r not in found)
    return found[:COUNT_CAP]


def _same_name(key: str) -> Any:
    d = t.debtors.c
    if has_han(key):
        return d.name_key == key
    return (d.name_key == key) | (d.name_pinyin == pinyin_text(key))


def _broad_sources(viewer: Viewer, query: SearchQuery, exact: list[int]) -> list[Select[Any]]:
    """The broad matches, each a query of case ids in its order (the sources never overlap)."""
    c, d, cp = t.cases.c, t.debtors.c, t.contact_points.c
    base = [case_scope(viewer), c.id.not_in(exact)] if exact else [case_scope(viewer)]
    sources: list[Select[Any]] = []
    if query.kind is QueryKind.NAME and query.name:
        by_key = starts_with(d.name_key, query.name)
        named = _scoped(c.id).join(t.debtors, d.id == c.debtor_id)
        sources.append(named.where(by_key, *base).order_by(d.name_key, c.id))
        spelled = pinyin_text(query.name)
        if spelled and not has_han(query.name):
            by_pinyin = and_(starts_with(d.name_pinyin, spelled), ~by_key)
            sources.append(named.where(by_pinyin, *base).order_by(d.name_pinyin, c.id))
    if query.kind is QueryKind.NUMBER and query.digits and len(query.digits) >= 4:
        digits = typed_phone_digits(query.text)
        points = select(cp.debtor_id).where(
            cp.phone_last4 == digits[-4:], cp.phone_digits.endswith(digits, autoescape=True)
        )
        sources.append(_scoped(c.id).where(c.debtor_id.in_(points), *base).order_by(c.id))
    return sources


def _count(uow: UnitOfWork, source: Select[Any]) -> int:
    capped = source.order_by(None).limit(COUNT_CAP).subquery("capped")
    return int(uow.session.execute(select(func.count()).select_from(capped)).scalar_one())


def _page_ids(
    uow: UnitOfWork, exact: list[int], broad: list[tuple[Select[Any], int]], offset: int, size: int
) -> list[int]:
    """The case ids at [offset, offset + size) of the exact hits followed by each broad source."""
    ids = exact[offset : offset + size]
    skip = max(offset - len(exact), 0)
    for source, n in broad:
        if len(ids) >= size:
            break
        if skip >= n:
            skip -= n
            continue
        rows = uow.session.execute(source.offset(skip).limit(size - len(ids))).scalars()
        ids.extend(int(r) for r in rows)
        skip = 0
    return ids


def _hits(uow: UnitOfWork, ids: list[int], query: SearchQuery) -> tuple[SearchHit, ...]:
    if not ids:
        return ()
    c, d, cr, cp = t.cases.c, t.debtors.c, t.creditors.c, t.contact_points.c
    rows = uow.session.execute(
        select(c.id, c.debtor_id, c.stage, d.name, d.national_id_masked, cr.name.label("creditor"))
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id.in_(ids))
    ).all()
    points = uow.session.execute(
        select(cp.debtor_id, cp.party_id, cp.kind, cp.value, cp.phone_digits)
        .where(cp.debtor_id.in_([r.debtor_id for r in rows]), cp.phone_digits.is_not(None))
        .order_by(cp.id)
    ).all()
    tail = (query.digits or "")[-4:] if query.kind is QueryKind.NUMBER else None

    def rank(p: Any) -> tuple[bool, bool]:  # the phone that matched first, the debtor's own before a party's
        return (not (tail and str(p.phone_digits).endswith(tail)), p.party_id is not None)

    phones: dict[int, str] = {}
    for p in sorted(points, key=rank):
        phones.setdefault(p.debtor_id, mask_contact(p.kind, p.value))
    by_id = {r.id: r for r in rows}
    return tuple(
        SearchHit(
            case_id=i,
            debtor_name=by_id[i].name,
            creditor_name=by_id[i].creditor,
            stage=by_id[i].stage,
            national_id=by_id[i].national_id_masked or "",
            phone=phones.get(by_id[i].debtor_id),
        )
        for i in ids
        if i in by_id
    )


def _audit(
    uow: UnitOfWork, viewer: Viewer, query: SearchQuery, total: int, capped: bool, now: datetime | None
) -> None:
    """`search` in the audit log: the kind and the count, never the query (a short write of its own)."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    uow.begin_write()
    detail = {"kind": query.kind.value, "results": total, "capped": capped}
    record(uow.session, at=at, user_id=viewer.user_id, action=ACTION, entity="search", detail=detail)
    uow.commit()


__all__ = ["COUNT_CAP", "PER_PAGE", "SearchHit", "SearchResults", "search"]
