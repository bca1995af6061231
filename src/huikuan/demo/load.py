"""Loading the demo: creditors, users, placements and payments through the real import services, then
the simulated history written in bulk."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from huikuan.demo.gate_door import read_case_gates
from huikuan.demo.history import Simulator
from huikuan.demo.money import backdate_placements, post_agency_payments, set_demo_terms
from huikuan.demo.portfolio import (
    CREDITORS,
    DEMO_PASSWORD,
    VALIDATION_MAILED,
    DemoCreditor,
    DemoDebtor,
    Progress,
    generate_portfolio,
    money_cell,
    write_placement_file,
)
from huikuan.demo.recorder import CaseInput, History
from huikuan.demo.rows import write_history
from huikuan.demo.users import USERS, add_users, working_sessions
from huikuan.demo.wechat import bind_demo_wechat, demo_app_id
from huikuan.domain.days import local_day
from huikuan.errors import AlreadyExists, InvalidInput
from huikuan.services import notices
from huikuan.services.clock import floor_today, floor_zone
from huikuan.services.creditors import add_creditor
from huikuan.spreadsheet import csv_writer
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.search_keys import write_search_keys
from huikuan.storage.uow import UnitOfWork

# --- loading -------------------------------------------------------------------------------------

MARKER = "demo.loaded"

PAYMENT_HEADERS_CN = ["还款流水号", "合同号", "还款金额", "还款时间", "还款方式"]
PAYMENT_HEADERS_US = ["payment_ref", "account_no", "amount", "paid_at", "method"]


def load_demo(
    uow: UnitOfWork,
    *,
    accounts: int,
    seed: int,
    progress: Progress | None = None,
    today: date | None = None,
    wechat_app_id: str | None = None,
) -> dict[str, Any]:
    """Loads the demo portfolio through the import services; refuses a database that has it already.
    A share of the Chinese debtors is bound to the WeChat account `wechat_app_id` (default: the configured
    one, or the demo's own; demo/wechat.py)."""
    if accounts < 1:
        raise InvalidInput("accounts: the demo needs at least one account")
    say = progress or (lambda _stage: None)
    today = today or floor_today()
    _refuse_second_load(uow)
    rng = random.Random(seed)

    say("creditors")
    creditor_ids = _add_creditors(uow, today)
    say("users")
    users = add_users(uow)
    working_sessions(uow.session.connection(), users, today, floor_zone())
    portfolio = generate_portfolio(rng, accounts, today)

    say("placements")
    with tempfile.TemporaryDirectory(prefix="huikuan-demo-") as tmp:
        folder = Path(tmp)
        created = _import_placements(uow, folder, portfolio, today)
        say("history")
        cases, history = _play_history(uow, portfolio, creditor_ids, users, rng, today)
        say("payments")
        payments = _import_payments(uow, folder, history, today)

    say("money")
    _begin(uow)
    agency_payments = post_agency_payments(uow, rng, today, floor_zone())
    _begin(uow)
    app_id = wechat_app_id or demo_app_id()
    bound = bind_demo_wechat(uow.session.connection(), creditor_ids, seed=seed, today=today, app_id=app_id)
    write_search_keys(uow.session.connection(), everything=True)  # issue 15: every debtor findable
    record(
        uow.session,
        at=datetime.now(UTC),
        user_id=None,
        action=MARKER,
        entity="demo",
        detail={"seed": seed, "accounts": accounts},
    )
    uow.commit()
    return {
        "accounts": created,
        "debtors": len(cases),
        "interactions": len(history.interactions["case_id"]),
        "promises": len(history.promises["case_id"]),
        "payments": payments,
        "agency_payments": agency_payments,
        "wechat_bindings": bound,
        "creditors": [c.code for c in CREDITORS if portfolio[c.code]],
        "users": [{"username": u[0], "password": DEMO_PASSWORD, "role": u[1]} for u in USERS],
        "seed": seed,
    }


def _add_creditors(uow: UnitOfWork, today: date) -> dict[str, int | None]:
    """The demo's creditors, with their terms, by code."""
    creditor_ids = {
        c.code: add_creditor(uow, c.code, c.name, region=c.region, currency=c.currency, pack=c.pack).id
        for c in CREDITORS
    }
    set_demo_terms(uow, creditor_ids, today)
    return creditor_ids


def _import_placements(
    uow: UnitOfWork, folder: Path, portfolio: dict[str, list[DemoDebtor]], today: date
) -> int:
    """Each creditor's placement file written and imported through the real import; the accounts made."""
    from huikuan.services.imports import import_accounts

    created = 0
    for creditor in CREDITORS:
        if not portfolio[creditor.code]:
            continue
        path = folder / f"{creditor.code}-placement-{today:%Y%m%d}.csv"
        write_placement_file(path, creditor, portfolio[creditor.code])
        _begin(uow)
        created += import_accounts(uow, path, creditor.code, as_of=today).created
    _begin(uow)
    backdate_placements(uow, today)
    return created


def _play_history(
    uow: UnitOfWork,
    portfolio: dict[str, list[DemoDebtor]],
    creditor_ids: dict[str, int | None],
    users: dict[str, int],
    rng: random.Random,
    today: date,
) -> tuple[list[CaseInput], History]:
    """Every imported case played through the gate (history.Simulator) and its history written."""
    _begin(uow)
    conn = uow.session.connection()
    cases = _case_inputs(conn, portfolio, creditor_ids, users, rng, today)
    simulator = Simulator(rng, today, zone=floor_zone())
    for case in cases:
        simulator.run(case)
    write_history(conn, simulator.out, cases, today)
    _notices_from_history(conn, creditor_ids)
    return cases, simulator.out


def _import_payments(uow: UnitOfWork, folder: Path, history: History, today: date) -> int:
    """The payments the history made, in each creditor's payments file, imported; the payments made."""
    from huikuan.services.imports import import_payments

    payments = 0
    for creditor in CREDITORS:
        rows = history.payments.get(creditor.code)
        if not rows:
            continue
        path = folder / f"{creditor.code}-payments-{today:%Y%m%d}.csv"
        write_payments_file(path, creditor, rows)
        _begin(uow)
        payments += import_payments(uow, path, creditor.code).created
    return payments


def _notices_from_history(conn: Connection, creditor_ids: dict[str, int | None]) -> None:
    """The validation notices the history mailed are recorded on their accounts; limitation dates follow
    the demands made."""
    i = t.interactions.c
    mailed = conn.execute(
        select(i.case_id, func.min(i.at).label("at"))
        .where(i.channel == "letter", i.notes == VALIDATION_MAILED)
        .group_by(i.case_id)
    ).all()
    for row in mailed:
        notices.record_validation_mailed(conn, row.case_id, local_day(row.at, floor_zone()))
    for creditor_id in creditor_ids.values():
        notices.refresh_creditor(conn, creditor_id or 0)


def _begin(uow: UnitOfWork) -> None:
    """Starts the next transaction with SQLite's write lock: bulk writers allocate ids from MAX(id)."""
    if not uow.session.in_transaction():
        uow.begin_write()


def _refuse_second_load(uow: UnitOfWork) -> None:
    c = t.creditors.c
    found = uow.session.execute(select(c.code).where(c.code.in_([x.code for x in CREDITORS]))).scalars().all()
    if found:
        marker = uow.session.execute(
            select(t.audit_events.c.at).where(t.audit_events.c.action == MARKER).limit(1)
        ).scalar()
        if marker is not None:
            raise AlreadyExists(
                "the demo portfolio is already loaded (since {since} UTC); use a fresh database to load it "
                "again",
                since=f"{marker:%Y-%m-%d %H:%M}",
            )
        raise AlreadyExists(
            "an earlier demo load stopped half-way (creditor {codes} exists without the rest of the demo); "
            "load the demo into a fresh database",
            codes=", ".join(sorted(found)),
        )
    names = [u[0] for u in USERS]
    u = t.users.c
    taken = uow.session.execute(select(u.username).where(u.username.in_(names))).scalars().all()
    if taken:
        raise AlreadyExists(
            "user {names} exists already; the demo creates its own users: load it into a fresh database",
            names=", ".join(sorted(taken)),
        )


def _case_inputs(
    conn: Connection,
    portfolio: dict[str, list[DemoDebtor]],
    creditor_ids: dict[str, int | None],
    users: dict[str, int],
    rng: random.Random,
    today: date,
) -> list[CaseInput]:
    """Pairs each generated debtor with the case, accounts and contact points its import created, and
    each case with its door to the gate (gate_door.read_case_gates)."""
    ids = [i for i in creditor_ids.values() if i is not None]
    debtor_phone, party_phone = _phone_points(conn, ids)
    cases = _paired_cases(
        _accounts_by_ref(conn, ids),
        portfolio,
        creditor_ids,
        users,
        rng,
        debtor_phone,
        _contacts(conn, ids, party_phone),
    )
    owned = [(c.case_id, c.debtor_id, [account for account, _ref, _balance in c.accounts]) for c in cases]
    gates = read_case_gates(conn, ids, owned, today)
    for case in cases:
        case.gate = gates[case.case_id]
    return cases


def _accounts_by_ref(conn: Connection, creditor_ids: list[int]) -> dict[tuple[int | None, str], Any]:
    """The imported accounts by (creditor id, external reference)."""
    a = t.accounts.c
    query = select(a.creditor_id, a.external_ref, a.id, a.debtor_id, a.case_id).where(
        a.creditor_id.in_(creditor_ids)
    )
    return {(row.creditor_id, row.external_ref): row for row in conn.execute(query)}


def _phone_points(conn: Connection, creditor_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """The first phone contact point of each debtor (by debtor id) and of each related party (by party id)."""
    cp, d = t.contact_points.c, t.debtors.c
    debtor_phone: dict[int, int] = {}
    party_phone: dict[int, int] = {}
    points = conn.execute(
        select(cp.id, cp.debtor_id, cp.party_id)
        .join(t.debtors, d.id == cp.debtor_id)
        .where(d.creditor_id.in_(creditor_ids), cp.kind.in_(["mobile", "landline"]))
        .order_by(cp.id)
    )
    for point_id, debtor_id, party_id in points:
        if party_id is None:
            debtor_phone.setdefault(debtor_id, point_id)
        else:
            party_phone.setdefault(party_id, point_id)
    return debtor_phone, party_phone


def _contacts(
    conn: Connection, creditor_ids: list[int], party_phone: dict[int, int]
) -> dict[int, list[tuple[int, int | None]]]:
    """Each debtor's related parties with a phone (party id, its phone's contact point): whom the gate
    is asked about calling to locate the debtor (it refuses the roles its pack forbids)."""
    p, d = t.parties.c, t.debtors.c
    contacts: dict[int, list[tuple[int, int | None]]] = {}
    parties = conn.execute(
        select(p.id, p.debtor_id)
        .join(t.debtors, d.id == p.debtor_id)
        .where(d.creditor_id.in_(creditor_ids))
        .order_by(p.id)
    )
    for party_id, debtor_id in parties:
        if party_id in party_phone:
            contacts.setdefault(debtor_id, []).append((party_id, party_phone[party_id]))
    return contacts


def _paired_cases(
    by_ref: dict[tuple[int | None, str], Any],
    portfolio: dict[str, list[DemoDebtor]],
    creditor_ids: dict[str, int | None],
    users: dict[str, int],
    rng: random.Random,
    debtor_phone: dict[int, int],
    contacts: dict[int, list[tuple[int, int | None]]],
) -> list[CaseInput]:
    """Each imported case with its generated debtor, accounts, phone, contacts and collector."""
    zh_collectors = [users["collector1"], users["collector2"], users["collector3"]]
    cases: dict[int, CaseInput] = {}
    for creditor in CREDITORS:
        creditor_id = creditor_ids[creditor.code]
        for debtor in portfolio[creditor.code]:
            for account in debtor.accounts:
                row = by_ref[(creditor_id, account.ref)]
                case = cases.get(row.case_id)
                if case is None:
                    collector = users["collector4"] if creditor.region == "US" else rng.choice(zh_collectors)
                    case = cases[row.case_id] = CaseInput(
                        case_id=row.case_id,
                        debtor_id=row.debtor_id,
                        creditor=creditor,
                        debtor=debtor,
                        accounts=[],
                        overdue_since=account.overdue_since,
                        phone_point=debtor_phone.get(row.debtor_id),
                        contacts=contacts.get(row.debtor_id, []),
                        collector=collector,
                    )
                case.accounts.append((row.id, account.ref, account.balance))
                case.overdue_since = min(case.overdue_since, account.overdue_since)
    return list(cases.values())


def write_payments_file(
    path: Path, creditor: DemoCreditor, rows: list[tuple[datetime, str, int, str]]
) -> None:
    """The creditor's payments export: one line per payment received, in time order."""
    us = creditor.region == "US"
    with path.open("w", encoding=creditor.encoding, newline="") as fh:
        out = csv_writer(fh)
        out.writerow(PAYMENT_HEADERS_US if us else PAYMENT_HEADERS_CN)
        for n, (paid_at, ref, amount, method) in enumerate(sorted(rows), start=1):
            out.writerow(
                [
                    f"{creditor.pay_prefix}{paid_at:%Y%m%d}{n:07d}",
                    ref,
                    money_cell(amount),
                    paid_at.strftime("%Y-%m-%d %H:%M:%S"),
                    method,
                ]
            )
