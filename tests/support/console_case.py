"""The case the console checks are made on (issue 21): the longest realistic names and six contact points,
each with another verdict of the gate, a last contact and a next action with a goal.

Added to a floor (tests/support/floor.py) with `add_console_case(floor, now=...)`; at the floor's MORNING
(Friday 2026-11-20, 10:00 in Beijing) the points read:

| whose | point | the gate now |
|---|---|---|
| 欧阳慧敏, the debtor | mobile | call allowed |
| the debtor | landline, marked *do not contact* | not asked |
| the debtor | email, a channel she opted out of | blocked until the facts change |
| the debtor | WeChat | allowed |
| the debtor | a long Beijing address | visit allowed |
| Alexandra Konstantinopoulou-Whitfield, her sister in London | mobile | blocked until 08:00 there |

(16:00 in Beijing), and 阿不都热合曼·买买提江, a guarantor, is among the people. The creditor has a long
name, and a read-only viewer of its own (vera). ada is the floor's administrator. Alice, a collector,
holds the case.
The case's id is fixed (CASE_ID), so that the pages read the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, update
from tests.support.floor import PASSWORD, Floor

from huikuan.domain.enums import CaseStage, ContactKind, ContactStatus, PartyRole, Product
from huikuan.domain.model import Account, Case, ContactPoint, Debtor, Party
from huikuan.domain.national_id import prc_id
from huikuan.services.creditors import add_creditor
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.sealed import national_id_columns

CASE_ID = 21
CREDITOR_NAME = "中国民生银行股份有限公司信用卡中心"
DEBTOR_NAME = "欧阳慧敏"
SISTER_NAME = "Alexandra Konstantinopoulou-Whitfield"
GUARANTOR_NAME = "阿不都热合曼·买买提江"
ADDRESS = "北京市朝阳区建国门外大街甲12号新华保险大厦A座1808室"


@dataclass
class ConsoleCase:
    id: int
    debtor_id: int
    point_ids: dict[str, int]  # "mobile", "landline", "email", "wechat", "address", "sister"


def add_console_case(floor: Floor, *, now: datetime) -> ConsoleCase:
    """Adds the creditor, its viewer vera, the administrator ada and the case, as of `now`."""
    uow = floor.uow
    s = uow.session
    creditor = add_creditor(uow, "CMBC-CC", name=CREDITOR_NAME, region="CN", currency="CNY", pack="cn")
    assert creditor.id is not None
    for username, role, code in (("ada", "admin", None), ("vera", "creditor_viewer", "CMBC-CC")):
        floor.users[username] = add_user(uow, username, PASSWORD, role=role, creditor_code=code).id or 0
    debtor = Debtor(
        creditor_id=creditor.id,
        name=DEBTOR_NAME,
        **national_id_columns(prc_id("110105", date(1988, 3, 14), 482)),
        birth_date=date(1988, 3, 14),
        language="zh",
        address_country="CN",
        address_region="11",
        opt_out_channels=["email"],
        id=CASE_ID,
    )
    s.add(debtor)
    s.flush()
    alice = floor.users["alice"]
    case = Case(
        creditor_id=creditor.id,
        debtor_id=CASE_ID,
        stage=CaseStage.CONTACTING,
        segment="able_unwilling",
        assigned_user_id=alice,
        claimed_by=alice,
        claim_expires_at=now + timedelta(minutes=30),
        next_action_channel="call",
        next_action_goal="agree_payment",
        next_action_due_at=now + timedelta(minutes=30),
        priority=90,
        ability=0.7,
        willingness=0.3,
        id=CASE_ID,
    )
    s.add(case)
    s.flush()
    s.add_all(
        Account(
            creditor_id=creditor.id,
            debtor_id=CASE_ID,
            case_id=CASE_ID,
            external_ref=ref,
            currency="CNY",
            product=product,
            principal=balance * 8 // 10,
            interest=balance - balance * 8 // 10,
            balance=balance,
            overdue_since=date(2025, 6, 1),
        )
        for ref, product, balance in (
            ("6226-2201-8876-4410", Product.CREDIT_CARD, 86_543_210),
            ("PL-2024-110105-000482", Product.CONSUMER_LOAN, 36_913_579),
        )
    )
    sister = Party(debtor_id=CASE_ID, role=PartyRole.FAMILY, name=SISTER_NAME, relation="sister")
    guarantor = Party(debtor_id=CASE_ID, role=PartyRole.GUARANTOR, name=GUARANTOR_NAME, liable=True)
    s.add_all([sister, guarantor])
    s.flush()
    points = {
        "mobile": ContactPoint(CASE_ID, ContactKind.MOBILE, "+8613812345678", status=ContactStatus.VALID),
        "landline": ContactPoint(
            CASE_ID, ContactKind.LANDLINE, "+861065123456", status=ContactStatus.DO_NOT_CONTACT
        ),
        "email": ContactPoint(CASE_ID, ContactKind.EMAIL, "ouyang.huimin.finance@example.com", consent=True),
        "wechat": ContactPoint(CASE_ID, ContactKind.WECHAT, "ouyang_huimin_1988", consent=True),
        "address": ContactPoint(CASE_ID, ContactKind.ADDRESS, ADDRESS),
        "sister": ContactPoint(CASE_ID, ContactKind.MOBILE, "+447700900147", party_id=sister.id),
    }
    s.add_all(points.values())
    s.flush()
    for days, outcome, goal, met, notes in (
        (3, "voicemail", "reach_debtor", False, ""),
        (1, "callback", "agree_payment", False, "她说下周一发工资后再谈还款方案 / a plan after payday"),
    ):
        s.execute(
            insert(t.interactions).values(
                case_id=CASE_ID,
                debtor_id=CASE_ID,
                contact_point_id=points["mobile"].id,
                user_id=alice,
                at=now - timedelta(days=days, hours=2, minutes=17),
                channel="call",
                direction="outbound",
                outcome=outcome,
                goal=goal,
                goal_met=met,
                notes=notes,
                duration_s=0 if outcome == "voicemail" else 312,
            )
        )
    s.execute(update(t.cases).where(t.cases.c.id == CASE_ID).values(next_action_note="发薪日后 after payday"))
    uow.commit()
    return ConsoleCase(
        id=CASE_ID, debtor_id=CASE_ID, point_ids={name: p.id or 0 for name, p in points.items()}
    )
