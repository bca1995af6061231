"""The demo's creditors and their portfolio: people with debts, written as each creditor's placement file."""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from huikuan.demo.people import (
    CHENGDU,
    CN_REGIONS,
    CN_RELATION_CUM,
    CN_RELATIONS,
    CN_ZONE,
    FIRM_TRADES,
    FIRM_WORDS,
    US_CITIES,
    US_FIRM_TRADES,
    US_FIRM_WORDS,
    US_FIRST_FEMALE,
    US_FIRST_MALE,
    US_LAST,
    US_MAIL,
    US_RELATIONS,
    US_STREETS,
    US_SUFFIXES,
    cn_address,
    cn_landline,
    cn_mobile,
    cn_name,
    random_birth,
    us_phone,
)
from huikuan.domain.enums import (
    Product,
)
from huikuan.domain.national_id import prc_id
from huikuan.spreadsheet import csv_writer

Progress = Callable[[str], None]

DEMO_PASSWORD = "huikuan-demo"
HISTORY_DAYS = 90
STAGES = ("creditors", "users", "placements", "history", "payments", "money")


# --- the creditors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCreditor:
    code: str
    name: str
    region: str
    currency: str
    pack: str
    share: float  # of the demo's accounts
    products: tuple[tuple[Product, float], ...]
    two_accounts: float  # share of its debtors with a second account
    encoding: str
    pay_prefix: str


CREDITORS = (
    DemoCreditor(
        "DEMO-YHCC",
        "云海银行信用卡中心",
        "CN",
        "CNY",
        "cn",
        0.40,
        ((Product.CREDIT_CARD, 0.85), (Product.CONSUMER_LOAN, 0.15)),
        0.12,
        "gbk",
        "YH",
    ),
    DemoCreditor(
        "DEMO-YJXF",
        "易借消费金融有限公司",
        "CN",
        "CNY",
        "cn",
        0.30,
        ((Product.MICROLOAN, 0.6), (Product.CONSUMER_LOAN, 0.3), (Product.PRIVATE_LOAN, 0.1)),
        0.08,
        "gbk",
        "YJ",
    ),
    DemoCreditor(
        "DEMO-JCWY",
        "锦城物业服务有限公司",
        "CN",
        "CNY",
        "cn",
        0.15,
        ((Product.PROPERTY_FEE, 0.8), (Product.OTHER, 0.2)),
        0.2,
        "gbk",
        "JC",
    ),
    DemoCreditor(
        "DEMO-HBL",
        "Harbor Bay Lending LLC",
        "US",
        "USD",
        "us-reg-f",
        0.15,
        ((Product.CONSUMER_LOAN, 0.6), (Product.TRADE_CONTRACT, 0.3), (Product.CREDIT_CARD, 0.1)),
        0.05,
        "utf-8",
        "HB",
    ),
)
BANK = CREDITORS[0]

# Balances in whole currency units: (median, low, high) of a log-normal spread, per creditor and product.
BALANCES: dict[tuple[str, Product], tuple[float, float, float]] = {
    ("DEMO-YHCC", Product.CREDIT_CARD): (18_000, 5_000, 80_000),
    ("DEMO-YHCC", Product.CONSUMER_LOAN): (60_000, 20_000, 300_000),
    ("DEMO-YJXF", Product.MICROLOAN): (2_500, 500, 10_000),
    ("DEMO-YJXF", Product.CONSUMER_LOAN): (12_000, 3_000, 60_000),
    ("DEMO-YJXF", Product.PRIVATE_LOAN): (40_000, 10_000, 200_000),
    ("DEMO-JCWY", Product.PROPERTY_FEE): (3_000, 600, 15_000),
    ("DEMO-JCWY", Product.OTHER): (1_200, 200, 5_000),
    ("DEMO-HBL", Product.CONSUMER_LOAN): (6_000, 1_000, 35_000),
    ("DEMO-HBL", Product.TRADE_CONTRACT): (4_000, 800, 25_000),
    ("DEMO-HBL", Product.CREDIT_CARD): (3_500, 500, 15_000),
}
OVERDUE_DAYS = {"DEMO-YHCC": (30, 720), "DEMO-YJXF": (10, 400), "DEMO-JCWY": (30, 720), "DEMO-HBL": (60, 720)}

# Written in the files as the creditors' staff would (the intake knows these words).
PRODUCT_LABELS_ZH = {
    Product.CREDIT_CARD: "信用卡",
    Product.CONSUMER_LOAN: "消费贷",
    Product.MICROLOAN: "小额贷款",
    Product.PROPERTY_FEE: "物业费",
    Product.PRIVATE_LOAN: "个人借款",
    Product.TRADE_CONTRACT: "合同欠款",
    Product.OTHER: "其他",
}
PRODUCT_LABELS_EN = {
    Product.CREDIT_CARD: "Credit Card",
    Product.CONSUMER_LOAN: "Personal Loan",
    Product.TRADE_CONTRACT: "Trade Contract",
}

# --- the portfolio -------------------------------------------------------------------------------


@dataclass
class DemoAccount:
    ref: str
    product: Product
    principal: int  # minor units
    interest: int
    fees: int
    overdue_since: date

    @property
    def balance(self) -> int:
        return self.principal + self.interest + self.fees


@dataclass
class DemoDebtor:
    name: str
    male: bool
    national_id: str | None
    birth: date
    phones: list[str]
    address: str
    region: str  # province (CN) or state (US)
    zone: str
    language: str
    email: str | None = None
    employer: str | None = None
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # name, phone, relation
    guarantor: tuple[str, str, str] | None = None  # name, phone, national ID
    co_borrower: tuple[str, str] | None = None
    accounts: list[DemoAccount] = field(default_factory=list)


def _shares(total: int) -> list[int]:
    """Accounts per creditor: shares of the total, every creditor at least one when there are enough."""
    counts = [int(total * c.share) for c in CREDITORS]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def _amounts(rng: random.Random, creditor: DemoCreditor, product: Product) -> tuple[int, int, int]:
    median, low, high = BALANCES[(creditor.code, product)]
    total = min(max(rng.lognormvariate(0, 0.6) * median, low), high)
    balance = round(total * 100)
    if product in (Product.PROPERTY_FEE, Product.OTHER):
        fees = round(balance * rng.uniform(0, 0.08))  # 违约金 on the unpaid fees
        return balance - fees, 0, fees
    interest = round(balance * rng.uniform(0.04, 0.2))
    fees = round(balance * rng.uniform(0.0, 0.06))
    return balance - interest - fees, interest, fees


VALIDATION_MAILED = "Validation notice mailed"


def generate_portfolio(rng: random.Random, accounts: int, today: date) -> dict[str, list[DemoDebtor]]:
    """The debtors and accounts of each demo creditor, in file order."""
    portfolio: dict[str, list[DemoDebtor]] = {}
    for creditor, count in zip(CREDITORS, _shares(accounts), strict=True):
        debtors: list[DemoDebtor] = []
        made = 0
        products = [p for p, _w in creditor.products]
        cum = list(accumulate(w for _p, w in creditor.products))
        seen: set[str] = set()
        while made < count:
            while True:  # one person per ID (or name and phone): the import would merge them
                if creditor.region == "US":
                    debtor = _us_debtor(rng, today)
                else:
                    debtor = _cn_debtor(rng, today, creditor)
                key = debtor.national_id or f"{debtor.name}|{debtor.phones[0]}"
                if key not in seen:
                    seen.add(key)
                    break
            n = 2 if rng.random() < creditor.two_accounts and count - made >= 2 else 1
            for _ in range(n):
                # The first accounts take each product in turn, so that every product appears.
                if made < len(products):
                    product = products[made]
                else:
                    product = products[bisect.bisect(cum, rng.random() * cum[-1])]
                low, high = OVERDUE_DAYS[creditor.code]
                overdue = today - timedelta(days=int(low + (high - low) * rng.random() ** 1.6))
                principal, interest, fees = _amounts(rng, creditor, product)
                ref = _reference(rng, creditor, product, made, overdue)
                debtor.accounts.append(DemoAccount(ref, product, principal, interest, fees, overdue))
                made += 1
            _relations(rng, creditor, debtor, today)
            debtors.append(debtor)
        portfolio[creditor.code] = debtors
    return portfolio


def _reference(
    rng: random.Random, creditor: DemoCreditor, product: Product, index: int, overdue: date
) -> str:
    if creditor.code == "DEMO-YHCC":
        kind = "XYK" if product is Product.CREDIT_CARD else "XFD"
        return f"{kind}{overdue.year - rng.randint(1, 4)}{index + 1:08d}"
    if creditor.code == "DEMO-YJXF":
        return f"YJ-{overdue.year - 1}-{index + 1:07d}"
    if creditor.code == "DEMO-JCWY":
        return f"JC{index + 1:06d}-{'WY' if product is Product.PROPERTY_FEE else 'CW'}"
    return f"HB{index + 1:08d}"


def _cn_debtor(rng: random.Random, today: date, creditor: DemoCreditor) -> DemoDebtor:
    male = rng.random() < 0.55
    birth = random_birth(rng, today)
    origin = rng.choice(CN_REGIONS)
    # Most people live where they were registered; the property company's owners live on its estates.
    home = (
        rng.choice(CHENGDU)
        if creditor.code == "DEMO-JCWY"
        else (origin if rng.random() < 0.7 else rng.choice(CN_REGIONS))
    )
    has_id = creditor.code != "DEMO-JCWY" or rng.random() < 0.6
    phones = [cn_mobile(rng)]
    roll = rng.random()
    if roll < 0.08:
        phones.append(cn_mobile(rng))
    elif roll < 0.18:
        phones.append(cn_landline(rng, home[4]))
    debtor = DemoDebtor(
        name=cn_name(rng, male),
        male=male,
        national_id=prc_id(origin[3], birth, rng.randrange(500) * 2 + int(male)) if has_id else None,
        birth=birth,
        phones=phones,
        address=cn_address(rng, home),
        region=home[0],
        zone=CN_ZONE,
        language="zh",
    )
    if creditor.code != "DEMO-JCWY" and rng.random() < 0.55:
        city = (home[1] or home[0])[:-1]
        debtor.employer = f"{city}{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_TRADES)}有限公司"
    return debtor


def _us_debtor(rng: random.Random, today: date) -> DemoDebtor:
    male = rng.random() < 0.5
    first = rng.choice(US_FIRST_MALE if male else US_FIRST_FEMALE)
    last = rng.choice(US_LAST)
    city, state, zip3, areas, zone = rng.choice(US_CITIES)
    street = f"{rng.randint(100, 9899)} {rng.choice(US_STREETS)} {rng.choice(US_SUFFIXES)}"
    if rng.random() < 0.35:
        street += f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}"
    debtor = DemoDebtor(
        name=f"{first} {last}",
        male=male,
        national_id=None,
        birth=random_birth(rng, today, 21, 70),
        phones=[us_phone(rng, rng.choice(areas))],
        address=f"{street}, {city}, {state} {zip3}{rng.randint(1, 99):02d}",
        region=state,
        zone=zone,
        language="en",
        email=f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(US_MAIL)}".lower()
        if rng.random() < 0.6
        else None,
    )
    if rng.random() < 0.15:
        debtor.phones.append(us_phone(rng, rng.choice(areas)))
    if rng.random() < 0.5:
        firm = f"{rng.choice(US_FIRM_WORDS)} {rng.choice(US_FIRM_TRADES)}"
        debtor.employer = f"{firm} {rng.choice(('Inc.', 'LLC'))}"
    return debtor


def _relations(rng: random.Random, creditor: DemoCreditor, debtor: DemoDebtor, today: date) -> None:
    """Emergency contacts for most, guarantors and co-borrowers for some loans."""
    products = {a.product for a in debtor.accounts}
    if creditor.region == "US":
        city = next(c for c in US_CITIES if c[1] == debtor.region)
        if rng.random() < 0.5:
            relation = rng.choice(US_RELATIONS)
            family = relation in ("spouse", "parent", "sibling")
            last = debtor.name.split()[-1] if family else rng.choice(US_LAST)
            name = f"{rng.choice(US_FIRST_MALE + US_FIRST_FEMALE)} {last}"
            debtor.contacts.append((name, us_phone(rng, rng.choice(city[3])), relation))
        if Product.CONSUMER_LOAN in products and rng.random() < 0.15:
            name = f"{rng.choice(US_FIRST_MALE + US_FIRST_FEMALE)} {debtor.name.split()[-1]}"
            debtor.co_borrower = (name, us_phone(rng, rng.choice(city[3])))
        return
    if creditor.code == "DEMO-JCWY":
        if rng.random() < 0.2:
            debtor.contacts.append((cn_name(rng, not debtor.male), cn_mobile(rng), "配偶"))
        return
    if rng.random() < 0.85:
        relation = CN_RELATIONS[bisect.bisect(CN_RELATION_CUM, rng.random() * CN_RELATION_CUM[-1])]
        surname = debtor.name[0] if relation in ("父亲", "兄弟", "姐妹") else None
        if relation == "配偶":
            male = not debtor.male
        else:
            male = relation in ("父亲", "兄弟") or (relation not in ("母亲", "姐妹") and rng.random() < 0.5)
        debtor.contacts.append((cn_name(rng, male, surname), cn_mobile(rng), relation))
    loans = {Product.CONSUMER_LOAN, Product.PRIVATE_LOAN, Product.MICROLOAN}
    if products & loans and creditor.code == "DEMO-YJXF":
        if rng.random() < 0.3:
            male = rng.random() < 0.6
            nid = prc_id(
                rng.choice(CN_REGIONS)[3], random_birth(rng, today, 28, 65), rng.randrange(500) * 2 + male
            )
            debtor.guarantor = (cn_name(rng, male), cn_mobile(rng), nid)
        if rng.random() < 0.12:
            debtor.co_borrower = (cn_name(rng, not debtor.male), cn_mobile(rng))


# --- the files -----------------------------------------------------------------------------------

_PERSON = "合同号 客户姓名 身份证号 手机号 家庭住址"
_CONTACT = "紧急联系人 紧急联系人电话 关系"
CN_HEADERS = {
    "DEMO-YHCC": f"{_PERSON} 工作单位 产品 本金 利息 滞纳金 欠款金额 逾期日期 {_CONTACT}".split(),
    "DEMO-YJXF": (
        f"{_PERSON} 工作单位 产品 本金 利息 滞纳金 欠款金额 逾期日期 "
        f"担保人 担保人电话 担保人身份证 共同借款人 共同借款人电话 {_CONTACT}"
    ).split(),
    # The property company's export keeps the 利息 column, always 0.00 for fees.
    "DEMO-JCWY": f"{_PERSON} 产品 本金 利息 滞纳金 欠款金额 逾期日期 {_CONTACT}".split(),
}
US_HEADERS = (
    "account_no product name phone email address employer principal interest fees balance overdue_since "
    "co_borrower_name co_borrower_phone contact_name contact_phone contact_relation"
).split()


def money_cell(minor: int, style: int = 0) -> str:
    """The ways the creditors' exports write an amount."""
    value = f"{minor // 100}.{minor % 100:02d}"
    if style == 1:
        return f"{minor // 100:,}.{minor % 100:02d}"
    if style == 2:
        return f"{value}元"
    return value


def _date(day: date, style: int = 0) -> str:
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _product(product: Product, us: bool) -> str:
    return PRODUCT_LABELS_EN.get(product, product.value) if us else PRODUCT_LABELS_ZH[product]


def write_placement_file(path: Path, creditor: DemoCreditor, debtors: list[DemoDebtor]) -> None:
    """The creditor's placement CSV, in its encoding and with its headers."""
    # Each creditor's export has its own habits: the bank pads amounts, the lender writes 2025/3/1...
    money_style = {"DEMO-YHCC": 1, "DEMO-YJXF": 0, "DEMO-JCWY": 2, "DEMO-HBL": 1}[creditor.code]
    date_style = {"DEMO-YHCC": 0, "DEMO-YJXF": 1, "DEMO-JCWY": 2, "DEMO-HBL": 0}[creditor.code]
    us = creditor.region == "US"
    with path.open("w", encoding=creditor.encoding, newline="") as fh:
        out = csv_writer(fh)
        out.writerow(US_HEADERS if us else CN_HEADERS[creditor.code])
        for d in debtors:
            contact = d.contacts[0] if d.contacts else ("", "", "")
            phones = ("; " if us else _separator(d)).join(d.phones)
            for a in d.accounts:
                money = [
                    money_cell(a.principal, money_style),
                    money_cell(a.interest, money_style),
                    money_cell(a.fees, money_style),
                    money_cell(a.balance, money_style),
                ]
                if us:
                    co = d.co_borrower or ("", "")
                    out.writerow(
                        [
                            a.ref,
                            _product(a.product, us),
                            d.name,
                            phones,
                            d.email or "",
                            d.address,
                            d.employer or "",
                            *money,
                            _date(a.overdue_since, date_style),
                            *co,
                            *contact,
                        ]
                    )
                    continue
                head = [a.ref, d.name, d.national_id or "", phones, d.address]
                if creditor.code == "DEMO-JCWY":
                    out.writerow(
                        [*head, _product(a.product, us), *money, _date(a.overdue_since, date_style), *contact]
                    )
                    continue
                row = [*head, d.employer or "", _product(a.product, us), *money]
                row.append(_date(a.overdue_since, date_style))
                if creditor.code == "DEMO-YJXF":
                    g = d.guarantor or ("", "", "")
                    co = d.co_borrower or ("", "")
                    row += [*g[:2], g[2], *co]
                out.writerow([*row, *contact])


def _separator(debtor: DemoDebtor) -> str:
    """Two numbers in one cell: separated as the bank's system or a clerk would."""
    return "、" if len(debtor.name) % 2 else ";"
