"""Moving a dispute one step, and what each step does.

Resolved: the debt is owed as placed (the creditor verified it), collection resumes, and the debtor is
told: the answer letter (template `dispute_resolved`, with the verification enclosed) is queued through
the gate to the debtor's first usable postal address, in the same transaction (`told = "letter"`). Where
there is no such address, the gate refuses the letter or the letters' sender is not set up, the dispute
records that a letter is still due (`told = "letter_due"`, audit `dispute.letter_due` with the reason)
and it shows on the case's disputes panel.

Upheld: the debtor was right; the account (or every open account of the case) is closed as any account
ends (services/account_status.end_accounts: queued messages cancelled, the case closed when nothing is
left open, the change on the timeline), or adjusted to a lower balance when one is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select, update

from huikuan.domain.disputes import DISPUTE_STEPS, DisputeStatus
from huikuan.errors import ComplianceRefused, Conflict, InvalidInput
from huikuan.services.access import Viewer, case_to_work
from huikuan.services.account_status import end_accounts
from huikuan.services.disputes import dispute_row, names_of, sync_dispute_flags, visible_dispute
from huikuan.services.fact_history import changing_facts
from huikuan.services.ledger import adjust_balances
from huikuan.services.outbox import send
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

ANSWER_TEMPLATE = "dispute_resolved"
# Which instant and who each step stamps.
_STAMPS = {
    DisputeStatus.VERIFICATION_REQUESTED: ("requested_at", "requested_by"),
    DisputeStatus.VERIFICATION_RECEIVED: ("received_at", "received_by"),
    DisputeStatus.RESOLVED: ("closed_at", "closed_by"),
    DisputeStatus.UPHELD: ("closed_at", "closed_by"),
}
_UNUSABLE = ("wrong_number", "disconnected", "third_party", "opted_out")


def advance_dispute(
    uow: UnitOfWork,
    viewer: Viewer,
    dispute_id: int,
    *,
    to: str,
    notes: str = "",
    balance: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Moves a dispute one step (DISPUTE_STEPS); `balance` (minor units) adjusts an upheld account
    instead of closing it. Returns the dispute as `dispute_row` gives it."""
    row = visible_dispute(uow, viewer, dispute_id)
    case = case_to_work(uow, viewer, row.case_id)
    step = _step(to)
    now = DisputeStatus(row.status)
    if step not in DISPUTE_STEPS[now]:
        raise Conflict("a dispute that is {status} cannot become {step}", status=now.value, step=step.value)
    if balance is not None and (step is not DisputeStatus.UPHELD or row.account_id is None or balance < 0):
        raise InvalidInput(
            "balance: only an upheld dispute of one account adjusts its balance (not negative)"
        )
    when = (at or datetime.now(UTC)).astimezone(UTC)
    stamp, who = _STAMPS[step]
    values: dict[str, Any] = {"status": step.value, stamp: when, who: viewer.user_id}
    if notes.strip():
        values["notes"] = ((row.notes + "\n") if row.notes else "") + notes.strip()[:2000]
    with changing_facts(
        uow, [row.debtor_id], user_id=viewer.user_id, reason=f"dispute.{step.value}", at=when
    ):
        uow.session.execute(update(t.disputes).where(t.disputes.c.id == dispute_id).values(**values))
        if step is DisputeStatus.UPHELD:
            _uphold(uow, row, balance, when, viewer.user_id)
        sync_dispute_flags(uow, row.debtor_id, case.id)
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action=f"dispute.{step.value}",
        entity="case",
        entity_id=row.case_id,
        detail={"dispute_id": dispute_id, "account_id": row.account_id, "adjusted": balance is not None},
    )
    if step is DisputeStatus.RESOLVED:
        _tell_the_debtor(uow, viewer, row, when)
    uow.commit()
    return dispute_row(uow, viewer, dispute_id)


def _step(to: str) -> DisputeStatus:
    try:
        return DisputeStatus(to)
    except ValueError:
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}", field="to", value=to, allowed=names_of(DisputeStatus)
        ) from None


def _tell_the_debtor(uow: UnitOfWork, viewer: Viewer, row: Any, when: datetime) -> None:
    """The answer letter queued through the gate, else a letter recorded as still due."""
    cp = t.contact_points.c
    address = uow.session.execute(
        select(cp.id)
        .where(
            cp.debtor_id == row.debtor_id,
            cp.party_id.is_(None),
            cp.kind == "address",
            cp.status.not_in(_UNUSABLE),
        )
        .order_by(cp.id)
        .limit(1)
    ).scalar_one_or_none()
    message: int | None = None
    why = "no_address"
    if address is not None:
        try:
            message = send(
                uow,
                viewer,
                row.case_id,
                template=ANSWER_TEMPLATE,
                channel="letter",
                contact_point_id=address,
                now=when,
            )
        except ComplianceRefused:
            why = "refused"  # the refusal is kept as an audit event; the letter stays due
        except InvalidInput:
            why = "not_configured"  # the letters' sender (telephone, return address) is not set up
    told = "letter" if message is not None else "letter_due"
    uow.session.execute(update(t.disputes).where(t.disputes.c.id == row.id).values(told=told))
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action="dispute.answer_queued" if message is not None else "dispute.letter_due",
        entity="case",
        entity_id=row.case_id,
        detail={"dispute_id": row.id, "message_id": message}
        if message is not None
        else {"dispute_id": row.id, "why": why},
    )


def _uphold(uow: UnitOfWork, row: Any, balance: int | None, when: datetime, user_id: int | None) -> None:
    a = t.accounts.c
    where = and_(a.case_id == row.case_id, a.status == "open")
    if row.account_id is not None:
        where = and_(where, a.id == row.account_id)
    if balance is not None:
        adjust_balances(
            uow.session.connection(), where, balance, at=when, user_id=user_id, reason="dispute upheld"
        )
        return
    ids = list(uow.session.execute(select(a.id).where(where)).scalars())
    end_accounts(
        uow.session.connection(), ids, to_status="closed", reason="dispute upheld", at=when, user_id=user_id
    )
