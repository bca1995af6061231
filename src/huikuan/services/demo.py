"""The demo portfolio: four creditors, their real placement files, 90 days of history, payments, users.

The placements and payments are written as the creditors would send them (GBK CSV with Chinese headers,
UTF-8 CSV with English ones) and go in through the import services, so the demo exercises the real
intake path. The history (calls, SMS, letters, visits, promises) is simulated per case within the
contact rules (08:00-21:00 local; at most three connected calls a day in China; at most seven call
attempts in seven days and none in the week after a conversation in the US) and written in bulk.
Everything follows from the seed and the date: the same seed on the same day gives the same portfolio.
"""

from __future__ import annotations

import bisect
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, func, select

from huikuan.compliance import load_pack
from huikuan.domain.days import day_start, local_day
from huikuan.domain.disputes import dispute_deadline
from huikuan.domain.enums import (
    CaseStage,
    Channel,
    ContactStatus,
    Direction,
    Outcome,
    Product,
    PromiseStatus,
)
from huikuan.domain.goals import Goal
from huikuan.domain.model import Team, bucket
from huikuan.errors import AlreadyExists, InvalidInput
from huikuan.services import notices
from huikuan.services.clock import floor_today, floor_zone
from huikuan.services.creditors import add_creditor
from huikuan.services.fact_history import keep_change, snapshots
from huikuan.services.users import add_user
from huikuan.spreadsheet import csv_writer
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.bulk import insert_frame, update_frame
from huikuan.storage.uow import UnitOfWork

Progress = Callable[[str], None]

DEMO_PASSWORD = "huikuan-demo"
HISTORY_DAYS = 90
STAGES = ("creditors", "users", "placements", "history", "payments")


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

# --- people and places ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Roughly Zipf: 王, 李, 张 and 刘 together name about a quarter of the population.
SURNAME_CUM = list(accumulate(1 / (i + 3) for i in range(len(SURNAMES))))
MALE_GIVEN = (
    "伟 强 磊 军 洋 勇 杰 涛 明 超 辉 鹏 华 飞 刚 平 斌 建国 建华 志强 志明 海涛 俊杰 "
    "浩然 子轩 宇航 博文 文博 家豪 晓东 国强 永刚 立新 振华 春生 德明 少华 一鸣 天佑 "
    "思远 子豪 建军 红军 卫东 玉明 金龙 文华 国庆 宏伟"
).split()
FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀英 桂英 玉兰 婷婷 雪 琳 颖 倩 佳怡 梓涵 欣怡 思琪 雨萱 "
    "晓燕 丽华 淑珍 海燕 美玲 春梅 雅婷 慧敏 秀兰 红梅 丹 洁 璐 萍 冬梅 玉珍 小红 丽娟 "
    "文静 晓丽 亚楠 嘉欣 诗涵"
).split()

# (province, city, district, ID region code, landline area code): real codes of real districts.
CN_REGIONS = (
    ("北京市", "", "朝阳区", "110105", "010"),
    ("北京市", "", "海淀区", "110108", "010"),
    ("上海市", "", "浦东新区", "310115", "021"),
    ("上海市", "", "徐汇区", "310104", "021"),
    ("天津市", "", "南开区", "120104", "022"),
    ("重庆市", "", "渝北区", "500112", "023"),
    ("广东省", "广州市", "天河区", "440106", "020"),
    ("广东省", "深圳市", "南山区", "440305", "0755"),
    ("广东省", "东莞市", "", "441900", "0769"),
    ("浙江省", "杭州市", "西湖区", "330106", "0571"),
    ("江苏省", "南京市", "鼓楼区", "320106", "025"),
    ("江苏省", "苏州市", "姑苏区", "320508", "0512"),
    ("四川省", "成都市", "武侯区", "510107", "028"),
    ("四川省", "成都市", "锦江区", "510104", "028"),
    ("湖北省", "武汉市", "洪山区", "420111", "027"),
    ("陕西省", "西安市", "雁塔区", "610113", "029"),
    ("山东省", "济南市", "历下区", "370102", "0531"),
    ("山东省", "青岛市", "市南区", "370202", "0532"),
    ("湖南省", "长沙市", "岳麓区", "430104", "0731"),
    ("河南省", "郑州市", "金水区", "410105", "0371"),
    ("福建省", "厦门市", "思明区", "350203", "0592"),
    ("辽宁省", "沈阳市", "和平区", "210102", "024"),
    ("安徽省", "合肥市", "蜀山区", "340104", "0551"),
    ("河北省", "石家庄市", "长安区", "130102", "0311"),
    ("云南省", "昆明市", "五华区", "530102", "0871"),
    ("广西壮族自治区", "南宁市", "青秀区", "450103", "0771"),
    ("江西省", "南昌市", "东湖区", "360102", "0791"),
    ("黑龙江省", "哈尔滨市", "南岗区", "230103", "0451"),
    ("山西省", "太原市", "小店区", "140105", "0351"),
    ("贵州省", "贵阳市", "南明区", "520102", "0851"),
    ("吉林省", "长春市", "朝阳区", "220104", "0431"),
)
CHENGDU = [r for r in CN_REGIONS if r[1] == "成都市"]  # where the property company manages estates
STREETS = (
    "人民路 解放路 中山路 建设路 和平路 新华路 长江路 黄河路 "
    "文化路 学府路 科技路 幸福路 光明路 朝阳路 东风路 胜利路"
).split()
ESTATES = "阳光花园 金色家园 翠湖小区 锦绣华庭 幸福里小区 丽景苑 碧水湾 书香门第 国际花城 滨江壹号".split()
FIRM_WORDS = "恒信 鑫达 华创 众诚 佳和 新锐 博远 瑞祥 天成 宏图 金鹏 联创 盛世 嘉禾 永安".split()
FIRM_TRADES = "科技 贸易 建筑工程 物流 餐饮管理 电子 商贸 装饰工程 教育咨询 医药 汽车服务 房地产经纪".split()
CN_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 "
    "171 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
).split()
CN_RELATIONS = ("配偶", "父亲", "母亲", "朋友", "同事", "兄弟", "姐妹")
CN_RELATION_CUM = list(accumulate((30, 18, 18, 14, 12, 4, 4)))

US_FIRST_MALE = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Steven Andrew Joshua Kevin Brian Jose Luis Carlos Kenneth Ryan Jason Tyler Marcus"
).split()
US_FIRST_FEMALE = (
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra "
    "Ashley Emily Donna Michelle Amanda Melissa Maria Rosa Keisha Laura Stephanie Nicole Megan Angela"
).split()
US_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Wong Patel Kim"
).split()
# (city, state, ZIP prefix, area codes, zone)
US_CITIES = (
    ("New York", "NY", "100", ("212", "646", "718"), "America/New_York"),
    ("Boston", "MA", "021", ("617",), "America/New_York"),
    ("Atlanta", "GA", "303", ("404", "470"), "America/New_York"),
    ("Miami", "FL", "331", ("305", "786"), "America/New_York"),
    ("Chicago", "IL", "606", ("312", "773"), "America/Chicago"),
    ("Houston", "TX", "770", ("713", "832"), "America/Chicago"),
    ("Dallas", "TX", "752", ("214", "469"), "America/Chicago"),
    ("Nashville", "TN", "372", ("615",), "America/Chicago"),
    ("Denver", "CO", "802", ("303", "720"), "America/Denver"),
    ("Phoenix", "AZ", "850", ("602", "480"), "America/Phoenix"),
    ("Seattle", "WA", "981", ("206",), "America/Los_Angeles"),
    ("Portland", "OR", "972", ("503", "971"), "America/Los_Angeles"),
    ("San Francisco", "CA", "941", ("415",), "America/Los_Angeles"),
    ("Los Angeles", "CA", "900", ("213", "310"), "America/Los_Angeles"),
)
US_STREETS = "Oak Maple Cedar Pine Elm Washington Lake Hill Park Main Sunset Highland Franklin".split()
US_SUFFIXES = ("St", "Ave", "Blvd", "Dr", "Ln", "Rd", "Ct")
US_FIRM_WORDS = "Summit Pioneer Lakeside Evergreen Granite Bluewater Redwood Keystone Liberty".split()
US_FIRM_TRADES = "Logistics Health Foods Construction Retail Staffing Auto Hospitality Systems".split()
US_MAIL = ("example.com", "example.net", "example.org")  # reserved domains: the demo mails nobody
US_RELATIONS = ("spouse", "parent", "sibling", "friend", "colleague")

CN_ZONE = "Asia/Shanghai"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def prc_id(region_code: str, birth: date, sequence: int) -> str:
    """An 18-character resident ID with its ISO 7064 MOD 11-2 check character (odd sequence: male)."""
    body = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def _cn_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    family = surname or SURNAMES[bisect.bisect(SURNAME_CUM, rng.random() * SURNAME_CUM[-1])]
    return family + rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)


def _cn_mobile(rng: random.Random) -> str:
    return f"{rng.choice(CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


SEVEN_DIGIT_AREAS = frozenset({"0351", "0592", "0771"})  # cities whose local numbers still have 7 digits


def _cn_landline(rng: random.Random, area: str) -> str:
    # A local number starts 2-7 (8 is taken by special services in some cities).
    width = 6 if area in SEVEN_DIGIT_AREAS else 7
    rest = rng.randrange(10**width)
    return f"{area}-{rng.randint(2, 7)}{rest:0{width}d}"


def _cn_address(rng: random.Random, region: tuple[str, ...]) -> str:
    province, city, district = region[0], region[1], region[2]
    return (
        f"{province}{city}{district}{rng.choice(STREETS)}{rng.randint(1, 399)}号{rng.choice(ESTATES)}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )


def _us_phone(rng: random.Random, area: str) -> str:
    while True:
        exchange = rng.randint(201, 999)
        if exchange % 100 != 11 and exchange != 555:  # N11 codes and the 555 fiction block
            return f"({area}) {exchange}-{rng.randrange(10_000):04d}"


def _birth(rng: random.Random, today: date, low: int = 22, high: int = 62) -> date:
    return today - timedelta(days=rng.randint(low * 365, high * 365))


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
    birth = _birth(rng, today)
    origin = rng.choice(CN_REGIONS)
    # Most people live where they were registered; the property company's owners live on its estates.
    home = (
        rng.choice(CHENGDU)
        if creditor.code == "DEMO-JCWY"
        else (origin if rng.random() < 0.7 else rng.choice(CN_REGIONS))
    )
    has_id = creditor.code != "DEMO-JCWY" or rng.random() < 0.6
    phones = [_cn_mobile(rng)]
    roll = rng.random()
    if roll < 0.08:
        phones.append(_cn_mobile(rng))
    elif roll < 0.18:
        phones.append(_cn_landline(rng, home[4]))
    debtor = DemoDebtor(
        name=_cn_name(rng, male),
        male=male,
        national_id=prc_id(origin[3], birth, rng.randrange(500) * 2 + int(male)) if has_id else None,
        birth=birth,
        phones=phones,
        address=_cn_address(rng, home),
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
        birth=_birth(rng, today, 21, 70),
        phones=[_us_phone(rng, rng.choice(areas))],
        address=f"{street}, {city}, {state} {zip3}{rng.randint(1, 99):02d}",
        region=state,
        zone=zone,
        language="en",
        email=f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(US_MAIL)}".lower()
        if rng.random() < 0.6
        else None,
    )
    if rng.random() < 0.15:
        debtor.phones.append(_us_phone(rng, rng.choice(areas)))
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
            debtor.contacts.append((name, _us_phone(rng, rng.choice(city[3])), relation))
        if Product.CONSUMER_LOAN in products and rng.random() < 0.15:
            name = f"{rng.choice(US_FIRST_MALE + US_FIRST_FEMALE)} {debtor.name.split()[-1]}"
            debtor.co_borrower = (name, _us_phone(rng, rng.choice(city[3])))
        return
    if creditor.code == "DEMO-JCWY":
        if rng.random() < 0.2:
            debtor.contacts.append((_cn_name(rng, not debtor.male), _cn_mobile(rng), "配偶"))
        return
    if rng.random() < 0.85:
        relation = CN_RELATIONS[bisect.bisect(CN_RELATION_CUM, rng.random() * CN_RELATION_CUM[-1])]
        surname = debtor.name[0] if relation in ("父亲", "兄弟", "姐妹") else None
        if relation == "配偶":
            male = not debtor.male
        else:
            male = relation in ("父亲", "兄弟") or (relation not in ("母亲", "姐妹") and rng.random() < 0.5)
        debtor.contacts.append((_cn_name(rng, male, surname), _cn_mobile(rng), relation))
    loans = {Product.CONSUMER_LOAN, Product.PRIVATE_LOAN, Product.MICROLOAN}
    if products & loans and creditor.code == "DEMO-YJXF":
        if rng.random() < 0.3:
            male = rng.random() < 0.6
            nid = prc_id(rng.choice(CN_REGIONS)[3], _birth(rng, today, 28, 65), rng.randrange(500) * 2 + male)
            debtor.guarantor = (_cn_name(rng, male), _cn_mobile(rng), nid)
        if rng.random() < 0.12:
            debtor.co_borrower = (_cn_name(rng, not debtor.male), _cn_mobile(rng))


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


def _money(minor: int, style: int = 0) -> str:
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
                    _money(a.principal, money_style),
                    _money(a.interest, money_style),
                    _money(a.fees, money_style),
                    _money(a.balance, money_style),
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


# --- the history ---------------------------------------------------------------------------------

CALL_HOURS = tuple(range(8, 21))
US_CALL_HOURS = (10, 18)  # the first and last local hour of a US call
CALL_HOUR_CUM = list(accumulate((1, 3, 4, 3, 1, 1, 3, 3, 3, 4, 4, 4, 2)))
# What one call attempt comes to; None is a right-party conversation, drawn from RPC_OUTCOMES.
_O = Outcome
CN_ATTEMPTS = (
    (_O.NO_ANSWER, 45),
    (_O.BUSY, 10),
    (_O.VOICEMAIL, 3),
    (_O.NOT_CONNECTED, 12),
    (_O.WRONG_PARTY, 3),
    (_O.THIRD_PARTY, 5),
    (None, 22),
)
US_ATTEMPTS = (
    (_O.NO_ANSWER, 40),
    (_O.VOICEMAIL, 25),
    (_O.BUSY, 5),
    (_O.NOT_CONNECTED, 5),
    (_O.WRONG_PARTY, 2),
    (_O.THIRD_PARTY, 3),
    (None, 20),
)
RPC_OUTCOMES = (
    (_O.PROMISE, 70),
    (_O.REFUSES, 55),
    (_O.CALLBACK, 50),
    (_O.HARDSHIP, 10),
    (_O.DISPUTES, 1),
    (_O.PAID, 10),
)
# A debtor who disputes the debt mostly says so the first time a collector gets through.
FIRST_RPC_OUTCOMES = (
    (_O.PROMISE, 30),
    (_O.REFUSES, 28),
    (_O.CALLBACK, 26),
    (_O.HARDSHIP, 5),
    (_O.DISPUTES, 3),
    (_O.PAID, 3),
)
CONTACT_ATTEMPTS = ((_O.THIRD_PARTY, 45), (_O.NO_ANSWER, 45), (_O.WRONG_PARTY, 10))
VISIT_OUTCOMES = ((_O.THIRD_PARTY, 40), (_O.PROMISE, 25), (_O.REFUSES, 20), (_O.HARDSHIP, 15))
PROMISE_KEPT, PROMISE_PARTLY = 0.6, 0.1  # calibration.md: kept 0.5-0.7; the rest are broken
CONVERSATIONS = frozenset(
    {Outcome.PROMISE, Outcome.PAID, Outcome.REFUSES, Outcome.DISPUTES, Outcome.HARDSHIP, Outcome.CALLBACK}
)

# The goal of each kind of contact the demo's history makes (codes of domain/goals.py).
GOALS = {
    "first": Goal.VERIFY_IDENTITY,
    "promise": Goal.OBTAIN_PROMISE,
    "follow": Goal.CHECK_PROMISED_PAYMENT,
    "broken": Goal.PROMISE_BROKEN,
    "callback": Goal.CALL_BACK,
    "locate": Goal.LOCATE_DEBTOR,
    "sms": Goal.PAYMENT_REMINDER,
    "email": Goal.PAYMENT_REMINDER,
    "letter": Goal.SEND_NOTICE,
    "visit": Goal.VISIT_ASSESS,
    "hardship": Goal.ASSESS_HARDSHIP,
    "dispute": Goal.REVIEW_DISPUTE,
    "inbound": Goal.TAKE_INBOUND_CALL,
}
NOTES = {
    "zh": {
        Outcome.NO_ANSWER: "无人接听",
        Outcome.BUSY: "占线",
        Outcome.VOICEMAIL: "转语音信箱，未留言",
        Outcome.NOT_CONNECTED: "关机或停机",
        Outcome.WRONG_PARTY: "非本人，对方称不认识债务人",
        Outcome.THIRD_PARTY: "他人接听，已请其转告回电，未透露欠款",
        Outcome.PROMISE: "承诺{due}前还款{amount}",
        Outcome.PAID: "称已还款{amount}，待核实到账",
        Outcome.REFUSES: "拒绝还款，态度强硬",
        Outcome.DISPUTES: "对欠款金额有异议，要求提供明细",
        Outcome.HARDSHIP: "称失业或患病，暂无还款能力",
        Outcome.CALLBACK: "约定稍后回电",
        Outcome.DELIVERED: "已送达",
        Outcome.FAILED: "发送失败",
    },
    "en": {
        Outcome.NO_ANSWER: "No answer",
        Outcome.BUSY: "Busy",
        Outcome.VOICEMAIL: "Limited-content message left",
        Outcome.NOT_CONNECTED: "Number not in service",
        Outcome.WRONG_PARTY: "Wrong number; does not know the debtor",
        Outcome.THIRD_PARTY: "Third party answered; asked for a call back, debt not disclosed",
        Outcome.PROMISE: "Promised {amount} by {due}",
        Outcome.PAID: "Says {amount} was paid; to be confirmed",
        Outcome.REFUSES: "Refuses to pay",
        Outcome.DISPUTES: "Disputes the debt; verification requested",
        Outcome.HARDSHIP: "Lost job / medical bills; cannot pay now",
        Outcome.CALLBACK: "Asked to be called back",
        Outcome.DELIVERED: "Delivered",
        Outcome.FAILED: "Not delivered",
    },
}
SETTLED = {"zh": "称已全部结清，核实到账", "en": "Says the balance is paid in full; payment confirmed"}
CN_METHODS = ("银行转账", "微信支付", "支付宝", "银联代扣")
US_METHODS = ("ACH", "debit card", "check")


def _draw(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    roll = rng.random() * sum(w for _v, w in table)
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]


@dataclass
class CaseInput:
    """What the simulator knows of a case once the placement is imported."""

    case_id: int
    debtor_id: int
    creditor: DemoCreditor
    debtor: DemoDebtor
    accounts: list[tuple[int, str, int]]  # account id, external ref, balance
    overdue_since: date
    phone_point: int | None
    contacts: list[tuple[int, int | None]]  # party id, its phone's contact point
    collector: int | None


@dataclass
class CaseState:
    stage: CaseStage
    collector: int | None
    next_channel: str | None = None
    next_goal: str | None = None
    next_due: datetime | None = None
    disputed: bool = False
    disputed_at: datetime | None = None
    cease: bool = False
    hardship: bool = False
    employer_prohibits: bool = False
    phone_status: str | None = None
    # When a dispute or a cease request changed the facts the gate reads: kept as a version from then.
    facts_changed_at: datetime | None = None


@dataclass
class History:
    """Column lists of the rows the simulation makes: cheap to append, turned into frames at the end."""

    interactions: dict[str, list[Any]] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "case_id",
                "debtor_id",
                "party_id",
                "contact_point_id",
                "user_id",
                "at",
                "channel",
                "direction",
                "outcome",
                "goal",
                "goal_met",
                "notes",
                "duration_s",
            )
        }
    )
    promises: dict[str, list[Any]] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "case_id",
                "amount",
                "currency",
                "due_date",
                "created_at",
                "created_by",
                "status",
                "paid_amount",
                "resolved_at",
            )
        }
    )
    payments: dict[str, list[tuple[datetime, str, int, str]]] = field(default_factory=dict)
    states: dict[int, CaseState] = field(default_factory=dict)


class Simulator:
    """Plays 90 days of a collection floor over each case, one at a time, from one random stream.

    `today` is the floor's (in `zone`); a case's history stops where that day begins, which on the
    debtor's clock may still be the day before (a US evening is the next morning in Shanghai)."""

    def __init__(
        self, rng: random.Random, today: date, history: History | None = None, *, zone: str = "Asia/Shanghai"
    ) -> None:
        self.rng = rng
        self.today = today
        self.begins = day_start(today, zone)
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.out = history or History()

    def _first_day_not_played(self, c: CaseInput) -> date:
        """The debtor's date when the floor's today begins: the case's history ends the day before."""
        return local_day(self.begins, c.debtor.zone)

    # Recording -----------------------------------------------------------------------------------

    def _at(self, c: CaseInput, day: date, minute: int) -> datetime:
        clock = time(minute // 60, minute % 60, self.rng.randrange(60))
        return datetime.combine(day, clock, ZoneInfo(c.debtor.zone)).astimezone(UTC)

    def _record(
        self,
        c: CaseInput,
        day: date,
        minute: int,
        channel: Channel,
        outcome: Outcome,
        *,
        direction: Direction = Direction.OUTBOUND,
        goal: str | None = None,
        goal_met: bool | None = None,
        party: int | None = None,
        point: int | None = None,
        user: int | None = None,
        duration: int = 0,
        notes: str | None = None,
    ) -> None:
        i = self.out.interactions
        i["case_id"].append(c.case_id)
        i["debtor_id"].append(c.debtor_id)
        i["party_id"].append(party)
        i["contact_point_id"].append(point)
        i["user_id"].append(user)
        i["at"].append(self._at(c, day, minute))
        i["channel"].append(channel.value)
        i["direction"].append(direction.value)
        i["outcome"].append(outcome.value)
        i["goal"].append(goal)
        i["goal_met"].append(goal_met)
        i["notes"].append(notes if notes is not None else NOTES[c.debtor.language].get(outcome, ""))
        i["duration_s"].append(duration)

    def _minutes(self, n: int, *, us: bool = False) -> list[int]:
        """n call times on one day, in distinct hours between 08:00 and 20:45 local; in the US between
        10:00 and 18:59, so that they are within the contact hours in every zone the gate finds plausible
        for the debtor (a phone's area code and an address may be a zone or two apart)."""
        hours: list[int] = []
        while len(hours) < n:
            hour = CALL_HOURS[bisect.bisect(CALL_HOUR_CUM, self.rng.random() * CALL_HOUR_CUM[-1])]
            if us and not US_CALL_HOURS[0] <= hour <= US_CALL_HOURS[1]:
                continue
            if hour not in hours:
                hours.append(hour)
        return sorted(h * 60 + self.rng.randint(0, 45 if h == 20 else 59) for h in hours)

    def _amount_text(self, c: CaseInput, minor: int) -> str:
        if c.creditor.currency == "USD":
            return f"${minor / 100:,.2f}"
        return f"{minor / 100:,.2f}元"

    # Money ---------------------------------------------------------------------------------------

    def _pay(self, c: CaseInput, balances: list[int], amount: int, day: date, minute: int) -> int:
        """Pays `amount` into the case's accounts in order, one payment per account touched."""
        paid = 0
        local = datetime.combine(day, time(minute // 60, minute % 60, self.rng.randrange(60)))
        methods = US_METHODS if c.creditor.region == "US" else CN_METHODS
        method = self.rng.choice(methods)
        for k, (_account_id, ref, _balance) in enumerate(c.accounts):
            take = min(balances[k], amount - paid)
            if take <= 0:
                continue
            balances[k] -= take
            paid += take
            self.out.payments.setdefault(c.creditor.code, []).append((local, ref, take, method))
        return paid

    def _promise_amount(self, c: CaseInput, remaining: int) -> int:
        unit = 10_000 if c.creditor.currency == "CNY" else 5_000  # 100 yuan, 50 dollars
        if remaining <= 10 * unit or self.rng.random() < 0.1:
            return remaining
        return max(unit, min(remaining, round(remaining * self.rng.uniform(0.05, 0.4) / unit) * unit))

    # One case ------------------------------------------------------------------------------------

    def run(self, c: CaseInput) -> None:
        rng, today = self.rng, self._first_day_not_played(c)
        us = c.creditor.region == "US"
        lang = c.debtor.language
        goals = GOALS
        state = CaseState(CaseStage.CONTACTING, c.collector)
        state.employer_prohibits = us and c.debtor.employer is not None and rng.random() < 0.05
        self.out.states[c.case_id] = state
        balances = [balance for _id, _ref, balance in c.accounts]
        overdue = c.overdue_since
        day = max(self.start, overdue + timedelta(days=rng.randint(3, 15)))
        if day >= today or rng.random() < 0.05:  # placed lately: not worked yet
            state.stage = CaseStage.NEW
            if rng.random() < 0.3:
                state.collector = None
            self._next(c, state, Channel.CALL, goals["first"], today)
            return

        user = c.collector
        p_call = rng.uniform(0.12, 0.3) if us else rng.uniform(0.12, 0.35)
        quiet_until = day  # no collection calls before this day
        contact_after = day
        goal = "first"
        pending: tuple[date, int] | None = None  # due date, amount of a promise still running
        bad_streak = 0
        talked_before = False
        inbound_on: date | None = None
        asked: set[int] = set()  # the third parties called for location
        cease_on = day + timedelta(days=rng.randint(5, 60)) if us and rng.random() < 0.03 else None
        visit_on = (
            day + timedelta(days=rng.randint(10, 80))
            if not us and sum(balances) > 3_000_000 and rng.random() < 0.08
            else None
        )
        letter_on = (
            day + timedelta(days=rng.randint(0, 60))
            if not us and (today - overdue).days > 180 and rng.random() < 0.04
            else None
        )
        pay_on = day + timedelta(days=rng.randint(0, 89)) if rng.random() < 0.02 else None

        if us:  # Regulation F: the validation notice goes out with the first communication
            self._record(
                c,
                day,
                rng.randint(9 * 60, 16 * 60),
                Channel.LETTER,
                Outcome.DELIVERED,
                goal=goals["letter"],
                notes=VALIDATION_MAILED,
            )
            quiet_until = day + timedelta(days=1)

        def conversation(
            outcome: Outcome,
            when: date,
            minute: int,
            duration: int,
            channel: Channel,
            direction: Direction,
            current_goal: str,
        ) -> bool:
            """Records a right-party conversation and its consequences; False ends the case's work."""
            nonlocal quiet_until, pending, goal, talked_before
            talked_before = True
            remaining = sum(balances)
            notes = None
            point = c.phone_point if channel is Channel.CALL else None
            if outcome in (Outcome.PROMISE, Outcome.DISPUTES, Outcome.HARDSHIP):
                self._cancel_running_promise(c, when, minute)
            if remaining == 0 and outcome in (Outcome.PROMISE, Outcome.PAID):
                # Everything was paid already (a promise's payment is booked when it is made).
                self._record(
                    c,
                    when,
                    minute,
                    channel,
                    Outcome.PAID,
                    direction=direction,
                    goal=goals[current_goal],
                    goal_met=True,
                    point=point,
                    user=user,
                    duration=duration,
                    notes=SETTLED[lang],
                )
                state.stage = CaseStage.CLOSED
                return False
            met = outcome in (Outcome.PROMISE, Outcome.PAID) or (current_goal == "first")
            if outcome is Outcome.PROMISE:
                amount = self._promise_amount(c, remaining)
                due = when + timedelta(days=rng.randint(1, 10) if not us else rng.randint(3, 14))
                notes = NOTES[lang][outcome].format(due=due.isoformat(), amount=self._amount_text(c, amount))
                self._record(
                    c,
                    when,
                    minute,
                    channel,
                    outcome,
                    direction=direction,
                    goal=goals[current_goal],
                    goal_met=met,
                    point=point,
                    user=user,
                    duration=duration,
                    notes=notes,
                )
                self._promise(c, balances, when, minute, amount, due)
                pending = (due, amount)
                quiet_until = due + timedelta(days=1)
                return True
            if outcome is Outcome.PAID:
                amount = self._promise_amount(c, remaining)
                notes = NOTES[lang][outcome].format(amount=self._amount_text(c, amount))
            self._record(
                c,
                when,
                minute,
                channel,
                outcome,
                direction=direction,
                goal=goals[current_goal],
                goal_met=met,
                point=c.phone_point if channel is Channel.CALL else None,
                user=user,
                duration=duration,
                notes=notes,
            )
            if outcome is Outcome.PAID:
                self._pay(c, balances, amount, when, max(0, minute - rng.randint(60, 480)))
                quiet_until = when + timedelta(days=rng.randint(5, 10))
                goal = "promise"
            elif outcome is Outcome.REFUSES:
                quiet_until = when + timedelta(days=rng.randint(2, 5))
                goal = "promise"
            elif outcome is Outcome.CALLBACK:
                quiet_until = when + timedelta(days=rng.randint(1, 2))
                goal = "callback"
            elif outcome is Outcome.HARDSHIP:
                if rng.random() < 0.3:
                    state.hardship = True
                    state.facts_changed_at = self.out.interactions["at"][-1]
                    state.stage = CaseStage.HOLD
                    self._next(c, state, Channel.CALL, goals["hardship"], when + timedelta(days=30))
                    return False
                quiet_until = when + timedelta(days=rng.randint(7, 14))
                goal = "promise"
            elif outcome is Outcome.DISPUTES:
                state.disputed = True
                state.facts_changed_at = self.out.interactions["at"][-1]
                state.disputed_at = state.disputed_at or self._at(c, when, minute)
                state.stage = CaseStage.DISPUTE
                self._next(c, state, Channel.LETTER, goals["dispute"], max(today, when + timedelta(days=2)))
                return False
            return True

        while day < today:
            if sum(balances) == 0:
                break
            if cease_on == day:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 17 * 60),
                    Channel.LETTER,
                    Outcome.REFUSES,
                    direction=Direction.INBOUND,
                    notes="Written request to stop all communication",
                )
                state.cease = True
                state.facts_changed_at = self.out.interactions["at"][-1]
                state.stage = CaseStage.HOLD
                return
            if pay_on == day:  # paid without being asked, after a letter or a message
                self._pay(c, balances, self._promise_amount(c, sum(balances)), day, rng.randint(0, 1439))
                if sum(balances) == 0:
                    break
            if pending and day > pending[0]:
                goal = "broken" if self._last_promise_broken() else "promise"
                pending = None
            if letter_on == day:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 17 * 60),
                    Channel.LETTER,
                    Outcome.DELIVERED,
                    goal=goals["letter"],
                    notes="催收函已寄出（EMS）",
                )
            if visit_on == day and (pending is None) and day >= quiet_until:
                outcome = _draw(rng, VISIT_OUTCOMES)
                minute = rng.randint(9 * 60, 17 * 60)
                duration = rng.randint(900, 3600)
                if outcome in CONVERSATIONS:
                    if not conversation(
                        outcome, day, minute, duration, Channel.VISIT, Direction.OUTBOUND, "promise"
                    ):
                        return
                else:
                    self._record(
                        c,
                        day,
                        minute,
                        Channel.VISIT,
                        outcome,
                        goal=goals["visit"],
                        goal_met=False,
                        user=user,
                        duration=duration,
                        notes="家人在家，已留联系卡",
                    )
                day += timedelta(days=1)
                continue
            if inbound_on == day:
                outcome = _draw(rng, RPC_OUTCOMES if talked_before else FIRST_RPC_OUTCOMES)
                minute = rng.randint(9 * 60, 20 * 60)
                if not conversation(
                    outcome, day, minute, rng.randint(60, 600), Channel.CALL, Direction.INBOUND, "inbound"
                ):
                    return
                if us:
                    quiet_until = max(quiet_until, day + timedelta(days=8))
                day += timedelta(days=1)
                continue
            if day < quiet_until:
                if pending and not us and day == pending[0] - timedelta(days=1):
                    self._sms(c, day, rng.randint(9 * 60, 19 * 60))
                day += timedelta(days=1)
                continue
            roll = rng.random()
            if roll < p_call:
                askable = [x for x in c.contacts if not (us and x[0] in asked)]
                if bad_streak >= 3 and askable and day >= contact_after:
                    party, point = askable[rng.randrange(len(askable))]
                    asked.add(party)  # us-reg-f: a third party once only (third-party-repeat)
                    outcome = _draw(rng, CONTACT_ATTEMPTS)
                    self._record(
                        c,
                        day,
                        self._minutes(1, us=us)[0],
                        Channel.CALL,
                        outcome,
                        goal=goals["locate"],
                        goal_met=outcome is Outcome.THIRD_PARTY,
                        party=party,
                        point=point,
                        user=user,
                        duration=rng.randint(30, 180) if outcome is Outcome.THIRD_PARTY else 0,
                    )
                    contact_after = day + timedelta(days=7)
                    if outcome is Outcome.THIRD_PARTY and rng.random() < 0.3:
                        inbound_on = day + timedelta(days=rng.randint(1, 3))
                    day += timedelta(days=1)
                    continue
                attempts = 1 if us else rng.choice((1, 1, 1, 2, 2, 3))
                talked = False
                last = 8 * 60
                for minute in self._minutes(attempts, us=us):
                    last = minute
                    outcome = _draw(rng, US_ATTEMPTS if us else CN_ATTEMPTS)
                    if outcome is None:
                        outcome = _draw(rng, RPC_OUTCOMES if talked_before else FIRST_RPC_OUTCOMES)
                        bad_streak = 0
                        talked = True
                        if not conversation(
                            outcome, day, minute, rng.randint(90, 720), Channel.CALL, Direction.OUTBOUND, goal
                        ):
                            return
                        if goal == "first":
                            goal = "promise"
                        break
                    if outcome in (Outcome.WRONG_PARTY, Outcome.NOT_CONNECTED):
                        bad_streak += 1
                        if bad_streak >= 3:
                            state.phone_status = (
                                ContactStatus.WRONG_PARTY
                                if outcome is Outcome.WRONG_PARTY
                                else ContactStatus.DISCONNECTED
                            ).value
                    duration = {
                        _O.VOICEMAIL: rng.randint(15, 40),
                        _O.WRONG_PARTY: rng.randint(10, 60),
                        _O.THIRD_PARTY: rng.randint(30, 150),
                    }.get(outcome, 0)
                    self._record(
                        c,
                        day,
                        minute,
                        Channel.CALL,
                        outcome,
                        goal=goals[goal],
                        goal_met=False,
                        point=c.phone_point,
                        user=user,
                        duration=duration,
                    )
                    if us and outcome is Outcome.THIRD_PARTY:
                        # The gate counts it as a conversation (CONVERSATION_OUTCOMES): no call for a week.
                        quiet_until = max(quiet_until, day + timedelta(days=8))
                        break
                if talked and us:  # no call in the seven days after a conversation
                    quiet_until = max(quiet_until, day + timedelta(days=8))
                if not talked and not us and rng.random() < 0.3:
                    self._sms(c, day, min(last + rng.randint(5, 30), 20 * 60 + 50))
                    if rng.random() < 0.1:
                        inbound_on = day + timedelta(days=1)
                if not talked and us and rng.random() < 0.03:
                    inbound_on = day + timedelta(days=rng.randint(1, 3))
            elif not us and roll < p_call + 0.03:
                self._sms(c, day, rng.randint(9 * 60, 19 * 60))
            elif us and c.debtor.email and roll < p_call + 0.02:
                self._record(
                    c,
                    day,
                    rng.randint(9 * 60, 19 * 60),
                    Channel.EMAIL,
                    Outcome.DELIVERED,
                    goal=goals["email"],
                    notes="Payment reminder with opt-out notice",
                )
            day += timedelta(days=1)

        if sum(balances) == 0:
            state.stage = CaseStage.CLOSED
            return
        if pending and pending[0] >= today:
            state.stage = CaseStage.PROMISED
            self._next(c, state, Channel.CALL, goals["follow"], pending[0] + timedelta(days=1))
            return
        self._next(c, state, Channel.CALL, goals[goal], max(quiet_until, today))

    def _sms(self, c: CaseInput, day: date, minute: int) -> None:
        outcome = Outcome.DELIVERED if self.rng.random() < 0.95 else Outcome.FAILED
        self._record(
            c,
            day,
            minute,
            Channel.SMS,
            outcome,
            goal=GOALS["sms"],
            point=c.phone_point,
            notes=f"【{c.creditor.name}】还款提醒短信{NOTES['zh'][outcome]}",
        )

    def _promise(
        self, c: CaseInput, balances: list[int], day: date, minute: int, amount: int, due: date
    ) -> None:
        """A promise, and what became of it if its due date has passed: kept, partly kept or broken."""
        rng = self.rng
        p = self.out.promises
        status, paid, resolved = PromiseStatus.PENDING, 0, None
        if due < self._first_day_not_played(c):
            roll = rng.random()
            pay_day = day + timedelta(days=rng.randint(0, (due - day).days))
            pay_minute = rng.randint(minute + 10, 1439) if pay_day == day else rng.randint(0, 1439)
            if roll < PROMISE_KEPT:
                paid = self._pay(c, balances, amount, pay_day, pay_minute)
            elif roll < PROMISE_KEPT + PROMISE_PARTLY:
                part = max(100, round(amount * rng.uniform(0.3, 0.7) / 100) * 100)
                paid = self._pay(c, balances, part, pay_day, pay_minute)
            if paid >= amount:
                status = PromiseStatus.KEPT
                resolved = self.out.payments[c.creditor.code][-1][0]
            elif paid > 0:
                status = PromiseStatus.PARTLY_KEPT
                resolved = datetime.combine(due + timedelta(days=1), time(0, 5))
            else:
                status = PromiseStatus.BROKEN
                resolved = datetime.combine(due + timedelta(days=1), time(0, 5))
        p["case_id"].append(c.case_id)
        p["amount"].append(amount)
        p["currency"].append(c.creditor.currency)
        p["due_date"].append(due)
        p["created_at"].append(self._at(c, day, minute))
        p["created_by"].append(c.collector)
        p["status"].append(status.value)
        p["paid_amount"].append(paid)
        p["resolved_at"].append(
            resolved.replace(tzinfo=ZoneInfo(c.debtor.zone)).astimezone(UTC) if resolved else None
        )

    def _cancel_running_promise(self, c: CaseInput, day: date, minute: int) -> None:
        """A new promise or a dispute replaces the case's promise still running (the last one made)."""
        p = self.out.promises
        if p["case_id"] and p["case_id"][-1] == c.case_id and p["status"][-1] == PromiseStatus.PENDING.value:
            p["status"][-1] = PromiseStatus.CANCELLED.value
            p["resolved_at"][-1] = self._at(c, day, minute)

    def _last_promise_broken(self) -> bool:
        return bool(self.out.promises["status"][-1] == PromiseStatus.BROKEN.value)

    def _next(self, c: CaseInput, state: CaseState, channel: Channel, goal: str, day: date) -> None:
        state.next_channel = channel.value
        state.next_goal = goal
        hour = self.rng.choice((9, 10, 11, 14, 15, 16, 17, 18, 19))
        state.next_due = self._at(c, max(day, self.today), hour * 60 + self.rng.choice((0, 15, 30, 45)))


# --- loading -------------------------------------------------------------------------------------

# username, role, display name, team, creditor, languages, locale
USERS = (
    ("admin", "admin", "系统管理员", None, None, ["zh", "en"], "zh_CN"),
    ("supervisor", "supervisor", "李娜（主管）", "一组", None, ["zh"], "zh_CN"),
    ("collector1", "collector", "王磊", "一组", None, ["zh"], "zh_CN"),
    ("collector2", "collector", "张敏", "一组", None, ["zh"], "zh_CN"),
    ("collector3", "collector", "刘洋", "一组", None, ["zh"], "zh_CN"),
    ("collector4", "collector", "Alex Chen", "Team A", None, ["en", "zh"], "en"),
    ("bank_viewer", "creditor_viewer", "云海银行（查看）", None, BANK.code, ["zh"], "zh_CN"),
)
TEAM_LANGUAGES = {"一组": ["zh"], "Team A": ["en", "zh"]}
MARKER = "demo.loaded"

PAYMENT_HEADERS_CN = ["还款流水号", "合同号", "还款金额", "还款时间", "还款方式"]
PAYMENT_HEADERS_US = ["payment_ref", "account_no", "amount", "paid_at", "method"]


def load_demo(
    uow: UnitOfWork, *, accounts: int, seed: int, progress: Progress | None = None, today: date | None = None
) -> dict[str, Any]:
    """Loads the demo portfolio through the import services; refuses a database that has it already."""
    from huikuan.services.imports import import_accounts, import_payments

    if accounts < 1:
        raise InvalidInput("accounts: the demo needs at least one account")
    say = progress or (lambda _stage: None)
    today = today or floor_today()
    _refuse_second_load(uow)
    rng = random.Random(seed)

    say("creditors")
    creditor_ids = {
        c.code: add_creditor(uow, c.code, c.name, region=c.region, currency=c.currency, pack=c.pack).id
        for c in CREDITORS
    }
    say("users")
    users = _add_users(uow)
    portfolio = generate_portfolio(rng, accounts, today)

    say("placements")
    created = 0
    with tempfile.TemporaryDirectory(prefix="huikuan-demo-") as tmp:
        folder = Path(tmp)
        for creditor in CREDITORS:
            if not portfolio[creditor.code]:
                continue
            path = folder / f"{creditor.code}-placement-{today:%Y%m%d}.csv"
            write_placement_file(path, creditor, portfolio[creditor.code])
            _begin(uow)
            created += import_accounts(uow, path, creditor.code, as_of=today).created

        say("history")
        _begin(uow)
        conn = uow.session.connection()
        cases = _case_inputs(conn, portfolio, creditor_ids, users, rng)
        simulator = Simulator(rng, today, zone=floor_zone())
        for case in cases:
            simulator.run(case)
        history = simulator.out
        _write_history(conn, history, cases, today)
        _notices_from_history(conn, creditor_ids)

        say("payments")
        payments = 0
        for creditor in CREDITORS:
            rows = history.payments.get(creditor.code)
            if not rows:
                continue
            path = folder / f"{creditor.code}-payments-{today:%Y%m%d}.csv"
            write_payments_file(path, creditor, rows)
            _begin(uow)
            payments += import_payments(uow, path, creditor.code).created

    _begin(uow)
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
        "creditors": [c.code for c in CREDITORS if portfolio[c.code]],
        "users": [{"username": u[0], "password": DEMO_PASSWORD, "role": u[1]} for u in USERS],
        "seed": seed,
    }


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


def _add_users(uow: UnitOfWork) -> dict[str, int]:
    ids: dict[str, int] = {}
    for username, role, display, team, creditor, languages, locale in USERS:
        user = add_user(
            uow,
            username,
            DEMO_PASSWORD,
            role=role,
            display_name=display,
            team=team,
            creditor_code=creditor,
            locale=locale,
            languages=languages,
        )
        ids[username] = user.id or 0
    for found in uow.session.scalars(select(Team).where(t.teams.c.name.in_(list(TEAM_LANGUAGES)))):
        found.languages = TEAM_LANGUAGES[found.name]
    uow.session.flush()
    return ids


@cache
def _askable_roles(pack: str) -> frozenset[str]:
    """The related parties' roles a pack lets be called (for payment or for location)."""
    settings = load_pack(pack).settings
    return frozenset(r.value for r in settings.collect_roles | settings.locate_roles)


def _case_inputs(
    conn: Connection,
    portfolio: dict[str, list[DemoDebtor]],
    creditor_ids: dict[str, int | None],
    users: dict[str, int],
    rng: random.Random,
) -> list[CaseInput]:
    """Pairs each generated debtor with the case, accounts and contact points its import created."""
    a, cp, p, d, cr = t.accounts.c, t.contact_points.c, t.parties.c, t.debtors.c, t.creditors.c
    ids = [i for i in creditor_ids.values() if i is not None]
    by_ref = {
        (row.creditor_id, row.external_ref): row
        for row in conn.execute(
            select(a.creditor_id, a.external_ref, a.id, a.debtor_id, a.case_id).where(a.creditor_id.in_(ids))
        )
    }
    debtor_phone: dict[int, int] = {}
    party_phone: dict[int, int] = {}
    points = conn.execute(
        select(cp.id, cp.debtor_id, cp.party_id)
        .join(t.debtors, d.id == cp.debtor_id)
        .where(d.creditor_id.in_(ids), cp.kind.in_(["mobile", "landline"]))
        .order_by(cp.id)
    )
    for point_id, debtor_id, party_id in points:
        if party_id is None:
            debtor_phone.setdefault(debtor_id, point_id)
        else:
            party_phone.setdefault(party_id, point_id)
    contacts: dict[int, list[tuple[int, int | None]]] = {}
    parties = conn.execute(
        select(p.id, p.debtor_id, p.role, cr.pack)
        .join(t.debtors, d.id == p.debtor_id)
        .join(t.creditors, cr.id == d.creditor_id)
        .where(d.creditor_id.in_(ids), p.role != "employer")
        .order_by(p.id)
    )
    for party_id, debtor_id, role, pack in parties:
        if role not in _askable_roles(pack):
            continue  # a role its pack forbids contacting (cn: a friend from the address book)
        if party_id in party_phone:
            contacts.setdefault(debtor_id, []).append((party_id, party_phone[party_id]))

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


def _write_history(conn: Connection, history: History, cases: list[CaseInput], today: date) -> None:
    utc = pl.Datetime("us", "UTC")
    insert_frame(
        conn,
        t.interactions,
        pl.DataFrame(
            history.interactions,
            schema={
                "case_id": pl.Int64,
                "debtor_id": pl.Int64,
                "party_id": pl.Int64,
                "contact_point_id": pl.Int64,
                "user_id": pl.Int64,
                "at": utc,
                "channel": pl.Utf8,
                "direction": pl.Utf8,
                "outcome": pl.Utf8,
                "goal": pl.Utf8,
                "goal_met": pl.Boolean,
                "notes": pl.Utf8,
                "duration_s": pl.Int64,
            },
        ),
    )
    insert_frame(
        conn,
        t.promises,
        pl.DataFrame(
            history.promises,
            schema={
                "case_id": pl.Int64,
                "amount": pl.Int64,
                "currency": pl.Utf8,
                "due_date": pl.Date,
                "created_at": utc,
                "created_by": pl.Int64,
                "status": pl.Utf8,
                "paid_amount": pl.Int64,
                "resolved_at": utc,
            },
        ),
    )
    states = history.states
    # update_frame resets every defaulted column the frame lacks, so each one is given.
    flag = pl.Boolean
    update_frame(
        conn,
        t.debtors,
        pl.DataFrame(
            [
                (
                    c.debtor_id,
                    c.debtor.birth,
                    c.debtor.language,
                    c.debtor.zone,
                    c.debtor.region,
                    s.cease,
                    s.disputed,
                    False,
                    False,
                    s.hardship,
                    False,
                    s.employer_prohibits,
                    [],
                    [],
                )
                for c in cases
                for s in (states[c.case_id],)
            ],
            schema={
                "id": pl.Int64,
                "birth_date": pl.Date,
                "language": pl.Utf8,
                "time_zone": pl.Utf8,
                "address_region": pl.Utf8,
                "cease": flag,
                "disputed": flag,
                "attorney": flag,
                "deceased": flag,
                "hardship": flag,
                "bankruptcy": flag,
                "employer_prohibits": flag,
                "opt_out_channels": pl.List(pl.Utf8),
                "inconvenient_times": pl.List(pl.Utf8),
            },
            orient="row",
        ),
    )
    _write_holds(conn, cases, states)
    _keep_fact_changes(conn, cases, states)
    _write_disputes(conn, cases, states)
    update_frame(
        conn,
        t.cases,
        pl.DataFrame(
            [_case_row(c, states[c.case_id], today) for c in cases],
            schema={
                "id": pl.Int64,
                "stage": pl.Utf8,
                "segment": pl.Utf8,
                "assigned_user_id": pl.Int64,
                "next_action_channel": pl.Utf8,
                "next_action_goal": pl.Utf8,
                "next_action_due_at": utc,
                "priority": pl.Int64,
            },
            orient="row",
        ),
    )
    bad = [
        (c.phone_point, states[c.case_id].phone_status)
        for c in cases
        if c.phone_point is not None and states[c.case_id].phone_status
    ]
    update_frame(
        conn,
        t.contact_points,
        pl.DataFrame(
            [(point, status, "placement", False) for point, status in bad],
            schema={"id": pl.Int64, "status": pl.Utf8, "source": pl.Utf8, "consent": pl.Boolean},
            orient="row",
        ),
    )


def _write_holds(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """The holds of the simulated history (services/holds.py keeps the debtor's flag columns equal to its
    holds): a cease request in writing, from the letter, until someone ends it; a hardship heard on a call,
    a pause of 30 days from the call (to the end of that local day)."""
    utc = pl.Datetime("us", "UTC")
    rows: list[tuple[Any, ...]] = []
    for c in cases:
        s = states[c.case_id]
        if s.facts_changed_at is None or not (s.cease or s.hardship):
            continue
        at = s.facts_changed_at
        if s.cease:
            rows.append((c.debtor_id, "cease", at, None, None, "debtor", s.collector))
        if s.hardship:
            until = local_day(at + timedelta(days=30), c.debtor.zone)
            ends = day_start(until + timedelta(days=1), c.debtor.zone)
            rows.append((c.debtor_id, "hardship", at, ends, until, "debtor", s.collector))
    frame = pl.DataFrame(
        rows,
        schema={
            "debtor_id": pl.Int64,
            "kind": pl.Utf8,
            "started_at": utc,
            "ends_at": utc,
            "until": pl.Date,
            "source": pl.Utf8,
            "set_by": pl.Int64,
        },
        orient="row",
    )
    insert_frame(conn, t.holds, frame)


def _keep_fact_changes(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """The disputes, cease requests and hardships of the simulated history as versions of the debtors'
    facts, from the contact that raised them: before it the gate knew none (services/fact_history.py)."""
    changed = {c.debtor_id: s for c in cases if (s := states[c.case_id]).facts_changed_at is not None}
    for debtor_id, after in snapshots(conn, changed).items():
        state = changed[debtor_id]
        flags = {**after["debtor"]["flags"], "cease": False, "disputed": False, "holds": []}
        before = {**after, "debtor": {**after["debtor"], "flags": flags}}
        at = state.facts_changed_at
        assert at is not None
        reason = "contact.outcome"
        keep_change(conn, debtor_id, before, after, at=at, user_id=state.collector, reason=reason)


def _write_disputes(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """A disputed debtor's dispute of its whole case, open (services/disputes.py keeps debtors.disputed
    equal to one existing): raised on the call, confirmed in writing, so that it stops collection."""
    utc = pl.Datetime("us", "UTC")
    zone = floor_zone()
    rows = [
        (
            c.debtor_id,
            c.case_id,
            "contact",
            True,
            "open",
            True,
            at,
            dispute_deadline(c.creditor.pack, local_day(at, zone)),
            "",
        )
        for c in cases
        if (at := states[c.case_id].disputed_at) is not None and states[c.case_id].disputed
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "debtor_id": pl.Int64,
            "case_id": pl.Int64,
            "via": pl.Utf8,
            "written": pl.Boolean,
            "status": pl.Utf8,
            "stops_collection": pl.Boolean,
            "opened_at": utc,
            "deadline": pl.Date,
            "notes": pl.Utf8,
        },
        orient="row",
    )
    insert_frame(conn, t.disputes, frame)


def _case_row(c: CaseInput, state: CaseState, today: date) -> tuple[Any, ...]:
    balance = sum(b for _id, _ref, b in c.accounts)
    # Bigger balances first (by order of magnitude), then running promises and fresh cases.
    priority = len(str(balance // 100)) * 12 + {CaseStage.PROMISED: 20, CaseStage.NEW: 10}.get(state.stage, 0)
    if state.stage is CaseStage.CLOSED:
        priority = 0
    return (
        c.case_id,
        state.stage.value,
        bucket((today - c.overdue_since).days),
        state.collector,
        state.next_channel,
        state.next_goal,
        state.next_due,
        min(priority, 100),
    )


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
                    _money(amount),
                    paid_at.strftime("%Y-%m-%d %H:%M:%S"),
                    method,
                ]
            )
