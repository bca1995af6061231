"""The one reader of the compliance gate's inputs, for the daily plan and for a collector's workbench alike:
a debtor's facts, an account's, the history of contacts, each read from the stored rows
(storage/gate_inputs.py) and turned into the gate's objects (strategy/gate_facts.py); and the daily plan's
ALLOWED frame, whose pure steps (strategy/gating.py) are handed what they ask for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection

from huikuan.compliance import HistoryEvent
from huikuan.compliance.model import Debt, DebtorFacts
from huikuan.domain.portfolio import Portfolio
from huikuan.storage.gate_inputs import (
    CaseAccount,
    ContactRow,
    account_rows,
    awaiting_validation,
    case_accounts,
    contact_rows,
    debtor_rows,
    disputed_accounts,
    owed_accounts,
    person_siblings,
)
from huikuan.strategy import gating
from huikuan.strategy.gate_facts import (
    GATE_HOLDS,
    collectible_account,
    debts_from_rows,
    facts_from_row,
    history_from_rows,
    person_facts,
    person_history,
)
from huikuan.strategy.gating import (
    AllowedPlan,
    CaseInputs,
    history_since,
    reference_cases,
    reference_rows,
    unvalidated_debtors,
    validation_creditors,
)


def debt_facts(conn: Connection, account_ids: Iterable[int], today: date) -> dict[int, Debt]:
    """What the gate knows of each account from its stored facts (strategy.gate_facts.debts_from_rows)."""
    return debts_from_rows(account_rows(conn, account_ids), today)


def debtor_facts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, DebtorFacts]:
    """What the gate knows of each debtor: its own facts (`own_facts`), tightened by those of the other
    debtors of the same person (compliance.person.merge_person_facts), whose statements and holds bind it."""
    ids = sorted(set(debtor_ids))
    siblings = person_siblings(conn, ids)
    extra = {s for sibs in siblings.values() for s in sibs} - set(ids)
    return person_facts(ids, own_facts(conn, [*ids, *extra]), siblings)


def own_facts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, DebtorFacts]:
    """What the gate knows of each debtor: own phone numbers, address, zone, designated times and places,
    flags (strategy.gate_facts.facts_from_row)."""
    return {row.id: facts_from_row(row) for row in debtor_rows(conn, debtor_ids, sorted(GATE_HOLDS))}


def gate_history(
    conn: Connection,
    debtor_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, list[HistoryEvent]]:
    """The debtors' own history (`_own_history`), and for a debtor linked to a person, the contacts with
    that person made on behalf of the other creditors, under this debtor's party id: the person is one
    party, so the rules that count per person (daily-call-cap) count them; each keeps the debts of its
    own case, so the rules that count per debt (call-frequency, post-conversation) do not."""
    ids = sorted(set(debtor_ids))
    history = _own_history(conn, ids, since=since, until=until)
    siblings = person_siblings(conn, ids)
    if not siblings:
        return history
    extra = sorted({s for sibs in siblings.values() for s in sibs} - set(ids))
    others = _own_history(conn, extra, since=since, until=until) if extra else {}
    return person_history(history, others, siblings, set(ids))


def _own_history(
    conn: Connection,
    debtor_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, list[HistoryEvent]]:
    """The stored interactions and sent messages of these debtors as the gate's history, by party id,
    oldest first (strategy.gate_facts.history_from_rows)."""
    rows = contact_rows(conn, debtor_ids, since=since, until=until)
    accounts: dict[int, list[int]] = {}
    for acc in case_accounts(conn, {r.case_id for r in rows}):
        accounts.setdefault(acc.case_id, []).append(acc.id)
    return history_from_rows(rows, accounts)


def histories_by_debtor(
    conn: Connection, debtor_ids: Iterable[int]
) -> dict[int, dict[str, list[HistoryEvent]]]:
    """`gate_history(conn, [debtor])` of each of these debtors (their whole history), read at once: each
    debtor's own events, with its person's contacts made on behalf of the other creditors."""
    ids = sorted(set(debtor_ids))
    siblings = person_siblings(conn, ids)
    extra = sorted({s for sibs in siblings.values() for s in sibs} - set(ids))
    rows = contact_rows(conn, [*ids, *extra])
    accounts: dict[int, list[int]] = {}
    for acc in case_accounts(conn, {r.case_id for r in rows}):
        accounts.setdefault(acc.case_id, []).append(acc.id)
    by_debtor: dict[int, list[ContactRow]] = {}
    for row in rows:
        by_debtor.setdefault(row.debtor_id, []).append(row)
    own = {did: history_from_rows(by_debtor.get(did, []), accounts) for did in [*ids, *extra]}
    out: dict[int, dict[str, list[HistoryEvent]]] = {}
    for did in ids:
        sibs = siblings.get(did)
        if not sibs:
            out[did] = own[did]
            continue
        others = {k: v for s in sibs for k, v in own[s].items()}
        out[did] = person_history(dict(own[did]), others, {did: sibs}, {did})
    return out


def case_debts(conn: Connection, case_ids: Sequence[int], day: date) -> dict[int, list[Debt]]:
    """The stored debt facts of each case's open accounts (every account when none is open)."""
    rows = case_accounts(conn, case_ids)
    facts = debt_facts(conn, [r.id for r in rows], day)
    by_case: dict[int, list[CaseAccount]] = {}
    for r in rows:
        by_case.setdefault(r.case_id, []).append(r)
    out: dict[int, list[Debt]] = {}
    for case_id, accounts in by_case.items():
        chosen = [r for r in accounts if r.status == "open"] or accounts
        out[case_id] = [facts[r.id] for r in chosen]
    return out


def collected_accounts(
    conn: Connection, cases: Iterable[tuple[int, int, int]]
) -> dict[int, tuple[int, bool]]:
    """For each (case, debtor, first open account): the account the plan's contact is about and whether
    a dispute stops its collection (`collectible_account` over the case's open accounts)."""
    rows = list(cases)
    disputed = disputed_accounts(conn, [debtor for _c, debtor, _a in rows])
    out = {case: (account, False) for case, debtor, account in rows if debtor not in disputed}
    owned = owed_accounts(conn, [case for case, debtor, _a in rows if debtor in disputed])
    for case, debtor, account in rows:
        if debtor in disputed:
            out[case] = collectible_account(owned.get(case) or [account], disputed[debtor])
    return out


def allowed_frame(conn: Connection, portfolio: Portfolio) -> pl.DataFrame:
    """The ALLOWED frame (ALLOWED_SCHEMA): one row per plannable case and contact action
    (strategy.gating.allowed_frame), with the stored facts and history of the cases the gate is asked
    about one by one."""
    return gating.allowed_frame(portfolio, _StoredInputs(conn))


class _StoredInputs:
    """The GateReader of the daily plan: what the gate's steps ask for, read from the database."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def awaiting_validation(self, plan: AllowedPlan) -> set[int]:
        wanted = set(plan.portfolio.cases.get_column("case_id").to_list())
        return awaiting_validation(self.conn, validation_creditors(plan), wanted)

    def case_inputs(self, plan: AllowedPlan, special: pl.DataFrame) -> CaseInputs:
        return _special_inputs(self.conn, plan, special)


def _special_inputs(conn: Connection, plan: AllowedPlan, cases: pl.DataFrame) -> CaseInputs:
    """The facts, recent history (the whole history when a validation notice is not sent), debts and
    collected accounts of the cases asked about one by one."""
    portfolio = plan.portfolio
    facts = debtor_facts(conn, cases.get_column("debtor_id").to_list())
    with_history = cases.filter(pl.col("history") | pl.col("exhaustive")).get_column("debtor_id").to_list()
    history = gate_history(conn, with_history, since=history_since(plan), until=portfolio.now)
    debts = case_debts(conn, cases.get_column("case_id").to_list(), portfolio.day)
    history.update(gate_history(conn, unvalidated_debtors(cases, debts), until=portfolio.now))
    accounts_of = collected_accounts(conn, cases.select("case_id", "debtor_id", "first_account").iter_rows())
    return CaseInputs(facts, history, debts, accounts_of)


def reference_allowed(conn: Connection, portfolio: Portfolio) -> pl.DataFrame:
    """The specification: the gate asked about every case, action and hour, with no grouping at all
    (strategy.gating.reference_rows), from every case's stored facts and whole history."""
    cases = reference_cases(portfolio)
    debtors = cases.get_column("debtor_id").to_list()
    inputs = CaseInputs(
        facts=debtor_facts(conn, debtors),
        history=gate_history(conn, debtors, until=portfolio.now),
        debts=case_debts(conn, cases.get_column("case_id").to_list(), portfolio.day),
        accounts_of=collected_accounts(
            conn, cases.select("case_id", "debtor_id", "first_account").iter_rows()
        ),
    )
    return reference_rows(portfolio, inputs)


__all__ = [
    "allowed_frame",
    "case_debts",
    "collected_accounts",
    "debt_facts",
    "debtor_facts",
    "gate_history",
    "histories_by_debtor",
    "own_facts",
    "reference_allowed",
]
