"""Anonymising a debtor: its personal data erased, its money and the compliance decisions about it kept.

Erased: the names of the debtor and its related parties (a placeholder instead), national IDs, the birth
date, the region of the address, every contact point's value (phones, e-mails, WeChat and QQ ids,
addresses), the free text written about the person (contact notes, a next action's note, an offer's
reason and its decision note), the messages' recipient, subject, body and provider error, the replies
received from the debtor's numbers and addresses (their sender, subject and text), its WeChat bindings
(openid, consent text and address) and when those openids last wrote, what the debtor wrote on their
own pages (a request's text and income and expenditure statement; the address each request, signature
and payment came from) and the private links to those pages, the letters' PDF files on disk, and in every
kept version of the debtor's facts (fact_versions) its phone numbers and its address's region, the number
each of its calls dialled, and its calls' recordings unless its pack's recording obligation still holds them
(services/recording_retention.py: cn keeps them 2 years from the call, then the retention job deletes them)
(the country, zone, flags, opt-outs and designated times the gate decided on stay, so a replay still
reads what the gate read of them).

Kept: accounts and their amounts, payments and allocations, promises, arrangements and instalments, the
statuses, dates and outcomes of contacts and messages, the gate's decision ids, the debtor's flags (cease,
dispute, attorney ...), the kinds and statuses of contact points, the daily plan's rows, and the audit log,
which refers to people by id and is never changed.

A person who still has an open account is never anonymised (`open_account_holders`): the debt is being
collected under a contract, and its contact restrictions must go on applying. One person placed by two
creditors is two debtor rows; the same national ID links them.

Letter files are deleted before the caller commits: a failure in between leaves rows that still name
their (deleted) letters, and the next run anonymises them again; never a letter without its row erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, select, update

from huikuan.config import get_settings
from huikuan.services.recording_retention import forget_calls
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.search_keys import CLEARED_DEBTOR, CLEARED_POINT
from huikuan.storage.uow import UnitOfWork

ANONYMISED_NAME = "***"  # in place of a name: the same in every language, like a mask
CHUNK = 500  # ids per IN list
T = TypeVar("T")

# What becomes of the debtor row's personal columns: the one place that lists them (a new column holding
# personal data, such as an encrypted national ID's keyed hash or its stored mask, is added here).
DEBTOR_ERASED: dict[str, Any] = {
    "name": ANONYMISED_NAME,
    "national_id": None,
    "national_id_hash": None,
    "national_id_masked": None,
    "birth_date": None,
    "address_region": None,
    **CLEARED_DEBTOR,
}
PARTY_ERASED: dict[str, Any] = {"name": ANONYMISED_NAME, "national_id": None, "relation": None}
CONTACT_POINT_ERASED: dict[str, Any] = {"value": "", **CLEARED_POINT}
CASE_ERASED: dict[str, Any] = {"next_action_note": None}
INTERACTION_ERASED: dict[str, Any] = {"notes": "", "goal_note": None}
ARRANGEMENT_ERASED: dict[str, Any] = {"reason": "", "decision_note": ""}
REPLY_ERASED: dict[str, Any] = {"sender": "", "subject": "", "text": ""}
REQUEST_ERASED: dict[str, Any] = {"text": "", "statement": None, "address": ""}
REPLY_KINDS = ("mobile", "landline", "email", "wechat")  # the points a reply may come from
MESSAGE_ERASED: dict[str, Any] = {"to": "", "subject": "", "body": "", "error": None, "document": None}


def chunks(ids: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in ids:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def person_key() -> ColumnElement[Any]:
    """The column that says two debtor rows are one person (placed by two creditors): the keyed hash of
    the national ID (the ID itself is sealed, each time with a new nonce)."""
    return t.debtors.c.national_id_hash


def open_account_holders(uow: UnitOfWork, debtor_ids: Iterable[int]) -> set[int]:
    """Those of `debtor_ids` who still have an open account: their own, or one of the same person at any
    creditor."""
    a, d = t.accounts.c, t.debtors.c
    held: set[int] = set()
    keys: dict[str, set[int]] = {}
    for batch in chunks(debtor_ids):
        held |= set(
            uow.session.execute(
                select(a.debtor_id).where(a.debtor_id.in_(batch), a.status == "open").distinct()
            ).scalars()
        )
        for debtor_id, key in uow.session.execute(
            select(d.id, person_key()).where(d.id.in_(batch), person_key().is_not(None), person_key() != "")
        ):
            keys.setdefault(key, set()).add(debtor_id)
    for batch_keys in chunks(keys):
        open_keys = uow.session.execute(
            select(person_key())
            .select_from(t.debtors.join(t.accounts, a.debtor_id == d.id))
            .where(person_key().in_(batch_keys), a.status == "open")
            .distinct()
        ).scalars()
        for key in open_keys:
            held |= keys.get(key, set())
    return held


def anonymise(
    uow: UnitOfWork, debtor_ids: Sequence[int], now: datetime, *, trigger: str, user_id: int | None = None
) -> list[int]:
    """Erases the personal data of the debtors not yet anonymised (see the module's docstring), closes
    their pending erasure requests and audits each (`privacy.anonymised`, ids only). Returns the debtors
    anonymised now; the caller makes sure none has an open account, and commits."""
    done: list[int] = []
    files: list[str] = []
    for batch in chunks(debtor_ids):
        claimed = _claim(uow, batch, now)
        if not claimed:
            continue
        files += _erase(uow, claimed)
        forget_calls(uow, claimed, now, user_id=user_id)
        requests = _close_requests(uow, claimed, now)
        for debtor_id in claimed:
            _audit(uow, now, user_id, debtor_id, trigger, requests.get(debtor_id, []))
        done += claimed
    _delete_letters(files)
    return done


def close_requests(uow: UnitOfWork, debtor_ids: Sequence[int], now: datetime) -> dict[int, list[int]]:
    """Marks the pending erasure requests of these (anonymised) debtors done; their ids by debtor."""
    found: dict[int, list[int]] = {}
    for batch in chunks(debtor_ids):
        for debtor_id, ids in _close_requests(uow, batch, now).items():
            found.setdefault(debtor_id, []).extend(ids)
    return found


def _claim(uow: UnitOfWork, batch: list[int], now: datetime) -> list[int]:
    """The debtors of the batch not yet anonymised, marked so in the same statement: two runs at once
    anonymise (and audit) each debtor once."""
    d = t.debtors.c
    rows = uow.session.execute(
        update(t.debtors)
        .where(d.id.in_(batch), d.anonymised_at.is_(None))
        .values(**DEBTOR_ERASED, anonymised_at=now)
        .returning(d.id)
    ).scalars()
    return sorted(int(r) for r in rows)


def _erase(uow: UnitOfWork, debtor_ids: list[int]) -> list[str]:
    """Erases what the debtors' other rows hold of them; returns the letter files to delete."""
    s = uow.session
    p, cp, c, i = t.parties.c, t.contact_points.c, t.cases.c, t.interactions.c
    ar, m = t.arrangements.c, t.messages.c
    s.execute(update(t.parties).where(p.debtor_id.in_(debtor_ids)).values(**PARTY_ERASED))
    _erase_replies(uow, debtor_ids)
    _erase_wechat(uow, debtor_ids)
    s.execute(update(t.contact_points).where(cp.debtor_id.in_(debtor_ids)).values(**CONTACT_POINT_ERASED))
    s.execute(update(t.interactions).where(i.debtor_id.in_(debtor_ids)).values(**INTERACTION_ERASED))
    _erase_fact_versions(uow, debtor_ids)
    case_ids = list(s.execute(select(c.id).where(c.debtor_id.in_(debtor_ids))).scalars())
    files: list[str] = []
    for batch in chunks(case_ids):
        s.execute(update(t.cases).where(c.id.in_(batch)).values(**CASE_ERASED))
        s.execute(update(t.arrangements).where(ar.case_id.in_(batch)).values(**ARRANGEMENT_ERASED))
        # A reviewer's comment on a call may name the person (docs/quality-review.md); the score stays.
        s.execute(update(t.call_reviews).where(t.call_reviews.c.case_id.in_(batch)).values(comment=""))
        _erase_self_service(uow, batch)
        files += [
            str(doc)
            for doc in s.execute(
                select(m.document).where(m.case_id.in_(batch), m.document.is_not(None))
            ).scalars()
        ]
        s.execute(update(t.messages).where(m.case_id.in_(batch)).values(**MESSAGE_ERASED))
    return files


def _erase_self_service(uow: UnitOfWork, case_ids: list[int]) -> None:
    """What the debtor wrote on their own pages and where from; their private links are deleted."""
    s = uow.session
    s.execute(
        update(t.self_service_requests)
        .where(t.self_service_requests.c.case_id.in_(case_ids))
        .values(**REQUEST_ERASED)
    )
    for table in (t.self_service_signatures, t.self_service_payments):
        s.execute(update(table).where(table.c.case_id.in_(case_ids)).values(address=""))
    s.execute(delete(t.debtor_links).where(t.debtor_links.c.case_id.in_(case_ids)))


def _erase_replies(uow: UnitOfWork, debtor_ids: list[int]) -> None:
    """The replies received from the debtors' numbers and addresses (inbound_messages): sender, text and
    subject cleared, read before the points themselves are."""
    cp, im = t.contact_points.c, t.inbound_messages.c
    values = sorted(
        set(
            uow.session.execute(
                select(cp.value).where(cp.debtor_id.in_(debtor_ids), cp.kind.in_(REPLY_KINDS))
            ).scalars()
        )
    )
    for batch in chunks(values):
        uow.session.execute(update(t.inbound_messages).where(im.sender.in_(batch)).values(**REPLY_ERASED))


def _erase_wechat(uow: UnitOfWork, debtor_ids: list[int]) -> None:
    """The debtors' WeChat bindings (openid, consent text and address) and the times their openids last
    wrote to the account: deleted, read before the points are erased."""
    b, wi = t.wechat_bindings.c, t.wechat_inbound.c
    openids = sorted(set(uow.session.execute(select(b.openid).where(b.debtor_id.in_(debtor_ids))).scalars()))
    uow.session.execute(delete(t.wechat_bindings).where(b.debtor_id.in_(debtor_ids)))
    for batch in chunks(openids):
        uow.session.execute(delete(t.wechat_inbound).where(wi.openid.in_(batch)))


def erased_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A version's facts without the person's phone numbers and address region."""
    debtor = dict(facts.get("debtor") or {})
    debtor["phones"] = []
    address = debtor.get("address")
    if isinstance(address, dict):
        debtor["address"] = {**address, "region": None}
    return {**facts, "debtor": debtor}


def _erase_fact_versions(uow: UnitOfWork, debtor_ids: list[int]) -> None:
    v = t.fact_versions.c
    rows = uow.session.execute(select(v.id, v.facts).where(v.debtor_id.in_(debtor_ids))).all()
    for row in rows:
        facts = row.facts if isinstance(row.facts, dict) else {}
        erased = erased_facts(facts)
        if erased != facts:
            uow.session.execute(update(t.fact_versions).where(v.id == row.id).values(facts=erased))


def _close_requests(uow: UnitOfWork, debtor_ids: list[int], now: datetime) -> dict[int, list[int]]:
    e = t.erasure_requests.c
    rows = uow.session.execute(
        update(t.erasure_requests)
        .where(e.debtor_id.in_(debtor_ids), e.status == "pending")
        .values(status="done", applied_at=now)
        .returning(e.debtor_id, e.id)
    ).all()
    found: dict[int, list[int]] = {}
    for debtor_id, request_id in rows:
        found.setdefault(int(debtor_id), []).append(int(request_id))
    return {k: sorted(v) for k, v in found.items()}


def _audit(
    uow: UnitOfWork, now: datetime, user_id: int | None, debtor_id: int, trigger: str, requests: list[int]
) -> None:
    record(
        uow.session,
        at=now,
        user_id=user_id,
        action="privacy.anonymised",
        entity="debtor",
        entity_id=debtor_id,
        detail={"trigger": trigger, "erasure_requests": requests},
    )


def _delete_letters(documents: list[str]) -> None:
    root = Path(get_settings().letters_dir).resolve()
    for document in documents:
        path = (root / document).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)


__all__ = [
    "ANONYMISED_NAME",
    "DEBTOR_ERASED",
    "anonymise",
    "chunks",
    "close_requests",
    "open_account_holders",
    "person_key",
]
