"""The personas of the workbench tests, in one place, and the small floor they work on.

- alice and bob: collectors of team 一组; carol: a collector of another team, who must see nothing of theirs
- sue: their supervisor; vic: the bank's read-only viewer (creditor BANK only)
- BANK (pack cn, CNY) with three cases; SHOP (pack cn) with one case that vic must not see

Use it through the `floor` fixture (tests/conftest.py): `floor.viewer("alice")`, `floor.cases[0]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, update

from huikuan.domain.enums import ContactKind, ContactStatus, PartyRole, Product
from huikuan.domain.ledger import Book, Entry, EntryKind, Leg, Side
from huikuan.domain.model import Account, Case, ContactPoint, Debtor, Party
from huikuan.domain.national_id import prc_id
from huikuan.services.access import Viewer, get_viewer
from huikuan.services.creditors import add_creditor
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.sealed import national_id_columns
from huikuan.storage.search_keys import write_search_keys
from huikuan.storage.uow import UnitOfWork

PASSWORD = "floor-password"
# 2026-11-20 is a Friday; Beijing is UTC+8: 02:00 UTC is 10:00 there.
MORNING = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
REGION = "110101"  # the floor's debtors live in Beijing, Dongcheng district (the ID's region code)
BORN = date(1980, 1, 1)
PLACED_AT = datetime(2026, 8, 1, tzinfo=UTC)  # when the floor's accounts were placed


@dataclass
class FloorCase:
    id: int
    debtor_id: int
    account_ids: list[int]
    mobile_id: int  # the debtor's own mobile
    email_id: int
    address_id: int
    spouse_id: int  # a related party who is not liable (location only)
    spouse_mobile_id: int
    guarantor_id: int  # liable: payment may be discussed


@dataclass
class Floor:
    uow: UnitOfWork
    users: dict[str, int] = field(default_factory=dict)
    cases: list[FloorCase] = field(default_factory=list)
    other_creditor_case: FloorCase | None = None

    def viewer(self, username: str) -> Viewer:
        return get_viewer(self.uow, self.users[username])


def floor_national_id(n: int) -> str:
    """The national ID of the floor's debtor `n`: a valid PRC ID of Beijing's Dongcheng district, born on
    BORN, sequence `n`."""
    return prc_id(REGION, BORN, n)


def _case(uow: UnitOfWork, creditor_id: int, n: int, balance: int, assigned: int | None) -> FloorCase:
    s = uow.session
    debtor = Debtor(
        creditor_id=creditor_id,
        name=f"测试债务人{n}",
        **national_id_columns(floor_national_id(n)),
        birth_date=BORN,
        language="zh",
        address_country="CN",
        address_region="11",
    )
    s.add(debtor)
    s.flush()
    assert debtor.id is not None
    case = Case(creditor_id=creditor_id, debtor_id=debtor.id, assigned_user_id=assigned, priority=100 - n)
    s.add(case)
    s.flush()
    accounts = [
        Account(
            creditor_id=creditor_id,
            debtor_id=debtor.id,
            case_id=case.id,
            external_ref=f"HT-{creditor_id}-{n:03d}-{k}",
            currency="CNY",
            product=Product.CREDIT_CARD,
            principal=part * 8 // 10,
            interest=part - part * 8 // 10,
            fees=0,
            balance=part,
            overdue_since=date(2026, 8, 1),
        )
        for k, part in enumerate((balance // 2, balance - balance // 2))
    ]
    s.add_all(accounts)
    spouse = Party(debtor_id=debtor.id, role=PartyRole.SPOUSE, name=f"配偶{n}")
    guarantor = Party(debtor_id=debtor.id, role=PartyRole.GUARANTOR, name=f"担保人{n}", liable=True)
    s.add_all([spouse, guarantor])
    s.flush()
    points = [
        ContactPoint(debtor.id, ContactKind.MOBILE, f"+86138{n:08d}", status=ContactStatus.VALID),
        ContactPoint(debtor.id, ContactKind.EMAIL, f"debtor{n}@example.com", consent=True),
        ContactPoint(debtor.id, ContactKind.ADDRESS, f"北京市朝阳区建国路{n}号"),
        ContactPoint(debtor.id, ContactKind.MOBILE, f"+86139{n:08d}", party_id=spouse.id),
    ]
    s.add_all(points)
    s.flush()
    return FloorCase(
        id=case.id or 0,
        debtor_id=debtor.id,
        account_ids=[a.id or 0 for a in accounts],
        mobile_id=points[0].id or 0,
        email_id=points[1].id or 0,
        address_id=points[2].id or 0,
        spouse_id=spouse.id or 0,
        spouse_mobile_id=points[3].id or 0,
        guarantor_id=guarantor.id or 0,
    )


def build_floor(uow: UnitOfWork) -> Floor:
    floor = Floor(uow)
    bank = add_creditor(uow, "BANK", name="某银行", region="CN", currency="CNY", pack="cn")
    shop = add_creditor(uow, "SHOP", name="某商城", region="CN", currency="CNY", pack="cn")
    for username, role, team, creditor in (
        ("alice", "collector", "一组", None),
        ("bob", "collector", "一组", None),
        ("carol", "collector", "二组", None),
        ("sue", "supervisor", "一组", None),
        ("vic", "creditor_viewer", None, "BANK"),
    ):
        user = add_user(uow, username, PASSWORD, role=role, team=team, creditor_code=creditor)
        floor.users[username] = user.id or 0
    assert bank.id is not None and shop.id is not None
    floor.cases = [
        _case(uow, bank.id, 1, 1_200_000, floor.users["alice"]),  # 12,000.00 CNY
        _case(uow, bank.id, 2, 500_000, floor.users["bob"]),
        _case(uow, bank.id, 3, 80_000, None),
    ]
    floor.other_creditor_case = _case(uow, shop.id, 4, 300_000, floor.users["carol"])
    # Negotiation limits per role (creditors.authority_policy, in basis points and counts).
    policy = {
        "collector": {"max_discount_bp": 2000, "max_instalments": 6, "min_first_payment_bp": 1000},
        "supervisor": {"max_discount_bp": 5000, "max_instalments": 24, "min_first_payment_bp": 500},
    }
    uow.session.execute(update(t.creditors).values(authority_policy=policy))
    for c in (*floor.cases, floor.other_creditor_case):
        open_journal(uow, c.account_ids)
    write_search_keys(uow.session.connection(), everything=True)  # written here without an import
    uow.commit()
    return floor


def open_journal(uow: UnitOfWork, account_ids: list[int]) -> None:
    """The placement entries of accounts made here without an import: each opened at its balance."""
    a = t.accounts.c
    rows = uow.session.execute(
        select(a.id, a.creditor_id, a.currency, a.balance).where(a.id.in_(account_ids))
    ).all()
    for r in rows:
        leg = Leg(Side(Book.RECEIVABLE, r.id), Side(Book.PORTFOLIO, r.creditor_id), r.balance, r.currency)
        write_entry(
            uow.session.connection(),
            Entry(EntryKind.PLACEMENT, r.creditor_id, (leg,), "floor"),
            at=PLACED_AT,
            posted_at=PLACED_AT,
        )


def us_case(floor: Floor) -> FloorCase:
    """A US creditor's case: Jane Roe of Springfield, who reads English, owes Acme Bank $1,500.00."""
    bank = add_creditor(
        floor.uow,
        "USB",
        "Acme Bank",
        region="US",
        currency="USD",
        pack="us-reg-f",
        time_zone="America/New_York",
    )
    assert bank.id is not None
    us = _case(floor.uow, bank.id, 5, 150_000, floor.users["alice"])
    s = floor.uow.session
    s.execute(
        update(t.accounts)
        .where(t.accounts.c.case_id == us.id)
        .values(currency="USD", charge_off_date=date(2026, 6, 30))
    )
    open_journal(floor.uow, us.account_ids)
    s.execute(update(t.debtors).where(t.debtors.c.id == us.debtor_id).values(name="Jane Roe", language="en"))
    s.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == us.address_id)
        .values(value="1 Main St|Springfield, IL 62704")
    )
    floor.uow.commit()
    return us
