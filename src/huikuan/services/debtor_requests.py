"""The debtor's own proposal, beyond what their page may accept (docs/debtor-self-service.md): a
request to the floor. It is kept (self_service_requests) and puts the case in its collector's queue at
once: the next action "answer the debtor" is due now, with a note saying where the request came from and
how it begins, shown on the case page.

In uk-conc (FCA CONC 7.3: a firm considers the customer's ability to pay) a request beyond the automatic
bounds comes with an income and expenditure statement in the Standard Financial Statement's categories
(STATEMENT_FIELDS, amounts a month), kept with the request.

The case page lists the case's requests in full (`case_requests`), to whoever may see the case: the
debtor's own words, shown as contact notes are, and the statement with its totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update

from huikuan.domain.goals import Goal
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, visible_case
from huikuan.services.promises import case_money
from huikuan.services.self_service import Visitor, case_row
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

STATEMENT_PACKS = ("uk-conc",)
# The Standard Financial Statement's categories: income, then spending, then what goes to other debts.
STATEMENT_FIELDS = (
    "income",
    "home_contents",
    "travel",
    "food_housekeeping",
    "personal_costs",
    "communications_leisure",
    "other",
    "priority_debts",
    "non_priority_debts",
)
TEXT_MAX = 2000
NOTE = "Arrangement request from the debtor's page"  # then the request's first words, on the case page
NOTE_MAX = 200  # cases.next_action_note


@dataclass(frozen=True)
class ArrangementRequest:
    """What the debtor proposes, in their own words, and (uk-conc) their monthly statement as typed."""

    text: str
    statement: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementView:
    """A kept statement: each category's amount a month (minor units, STATEMENT_FIELDS' order), the income
    against the total spending (every other category, payments to debts included) and what is left."""

    lines: tuple[tuple[str, int], ...]
    income: int
    spending: int
    left: int  # income less spending; negative when the debtor spends more than they earn


@dataclass(frozen=True)
class RequestView:
    id: int
    created_at: datetime
    kind: str
    status: str
    text: str
    currency: str  # the case's, that of its statement
    statement: StatementView | None


def needs_statement(pack: str) -> bool:
    return pack in STATEMENT_PACKS


def parse_statement(values: dict[str, str], currency: str) -> dict[str, int]:
    """The statement's amounts in minor units a month: each field an amount of zero or more."""
    out: dict[str, int] = {}
    for name in STATEMENT_FIELDS:
        text = (values.get(name) or "").strip().replace(",", "")
        if not text:
            raise InvalidInput("Statement: {field} is required (0 if none)", field=name)
        try:
            minor = Money.parse(text, currency).minor
        except (ValueError, ArithmeticError):
            raise InvalidInput("Statement: {field} is not an amount such as 100.00", field=name) from None
        if minor < 0:
            raise InvalidInput("Statement: {field} cannot be negative", field=name)
        out[name] = minor
    return out


def send_request(uow: UnitOfWork, visitor: Visitor, request: ArrangementRequest, *, now: datetime) -> int:
    """Keeps the request and queues the case for its collector (see the module docstring); its id."""
    text = request.text.strip()
    if not text:
        raise InvalidInput("Say what you can pay, and when")
    if len(text) > TEXT_MAX:
        raise InvalidInput("Your request is longer than {most} characters", most=TEXT_MAX)
    case = case_row(uow, visitor.case_id)
    statement = None
    if needs_statement(case.pack):
        statement = parse_statement(request.statement, case_money(uow, visitor.case_id).currency)
    new_id = int(
        uow.session.execute(
            insert(t.self_service_requests)
            .values(
                case_id=visitor.case_id,
                portal_link_id=visitor.portal_link_id,
                kind="arrangement",
                text=text,
                statement=statement,
                status="open",
                address=visitor.address[:64],
                created_at=now,
            )
            .returning(t.self_service_requests.c.id)
        ).scalar_one()
    )
    uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == visitor.case_id)
        .values(
            next_action_channel="call",
            next_action_goal=Goal.ANSWER_REPLY.value,
            next_action_note=(NOTE + ": " + text)[:NOTE_MAX],
            next_action_due_at=now,
        )
    )
    audit.record(
        uow.session,
        at=now,
        user_id=None,
        action="self_service.request",
        entity="case",
        entity_id=visitor.case_id,
        detail={"request_id": new_id, "kind": "arrangement", "statement": statement is not None},
    )
    uow.commit()
    return new_id


def case_requests(uow: UnitOfWork, viewer: Viewer, case_id: int) -> tuple[RequestView, ...]:
    """The requests the debtor sent from their page on a case the viewer may see (NotFound otherwise),
    newest first."""
    visible_case(uow, viewer, case_id)
    r = t.self_service_requests.c
    rows = uow.session.execute(
        select(r.id, r.created_at, r.kind, r.status, r.text, r.statement)
        .where(r.case_id == case_id)
        .order_by(r.created_at.desc(), r.id.desc())
    ).all()
    if not rows:
        return ()
    currency = case_money(uow, case_id).currency
    return tuple(
        RequestView(
            row.id, row.created_at, row.kind, row.status, row.text, currency, statement_view(row.statement)
        )
        for row in rows
    )


def statement_view(kept: dict[str, int] | None) -> StatementView | None:
    """The totals of a kept statement (None when there is none, or it was erased)."""
    if not kept:
        return None
    lines = tuple((name, int(kept[name])) for name in STATEMENT_FIELDS if name in kept)
    income = sum(amount for name, amount in lines if name == "income")
    spending = sum(amount for name, amount in lines if name != "income")
    return StatementView(lines, income, spending, income - spending)
