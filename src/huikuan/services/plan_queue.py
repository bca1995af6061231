"""The plan-dispatch job's batch (services/plan_dispatch.py): a few hundred planned messages written,
asked about by the gate and put in the outbox together.

Each message is judged exactly as `contacts.queue_message` judges it, by the same function
(`point_judgement.judge_point`: same inputs, same decision and decision id; the same refusal kept as an
audit event, `contact_refusals.refusal_event`), but the gate's inputs of the whole batch are read at
once (`gate.read_gate_inputs_many`), the contact points likewise, and the messages and refusals are
written in one transaction. If another run queued one of them meanwhile (the unique index
ux_messages_plan refuses it), the batch is written again one message at a time, and the ones already
there are counted as such: a message is never queued twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from huikuan.channels import KINDS
from huikuan.channels.choice import choose
from huikuan.channels.render import TemplateText, template_names
from huikuan.domain.enums import Channel
from huikuan.errors import InvalidInput
from huikuan.services.contact_refusals import refusal_event
from huikuan.services.gate import GateInputs, Verdict, read_gate_inputs_many
from huikuan.services.message_facts import state_of
from huikuan.services.message_rows import CaseRows, case_rows
from huikuan.services.message_text import case_facts_many, compose, message_locale, point_rows, recipient_of
from huikuan.services.outbox import first_points
from huikuan.services.outbox_job import PLAN_REFUSED_ERROR
from huikuan.services.point_judgement import PointTerms, judge_point, point_terms, read_points, usable_point
from huikuan.services.safe_harbour import used_points
from huikuan.storage import tables as t
from huikuan.storage.audit import record_many
from huikuan.storage.bulk import insert_rows
from huikuan.storage.uow import UnitOfWork

# PostgreSQL's cost of a random page read for a batch's reads (_planned_afresh): the usual figure for data in
# memory or on SSD.
RANDOM_PAGE_COST = 1.1


@dataclass(frozen=True)
class Written:
    point_id: int
    party_id: int | None
    template: str
    locale: str
    subject: str
    body: str


@dataclass
class _Queued:
    """One message of the batch as it goes into the outbox, with the refusal's audit event (refused)."""

    outcome: str  # "queued" or "refused:<rules>"
    row: dict[str, Any]
    refusal: dict[str, Any] | None = None


def queue_batch(uow: UnitOfWork, rows: list[Any], day: date, now: datetime) -> list[str]:
    """Queues these planned messages; for each, "queued", "refused:<rules>", "already" or why it was
    skipped ("no_contact_point", "not_writable")."""
    outcomes: list[str] = [""] * len(rows)
    messages: dict[int, tuple[Written, datetime | None]] = {}
    _planned_afresh(uow)
    known = _Known.read(uow, rows)
    for n, row in enumerate(rows):
        send_at = max(row.slot_start, now) if row.slot_start is not None else None
        try:
            message = known.written(uow, row.case_id, row.action, send_at or now)
        except InvalidInput:
            message = "not_writable"
        if isinstance(message, str):
            outcomes[n] = message
        elif not message.body.strip():
            outcomes[n] = "not_writable"
        else:
            messages[n] = (message, send_at)
    inputs = read_gate_inputs_many(uow, sorted({rows[n].case_id for n in messages}))
    points = read_points(uow, [m.point_id for m, _at in messages.values()])
    used = used_points(uow, [m.point_id for m, _at in messages.values()])
    queued: list[tuple[int, _Queued]] = []
    for n, (message, send_at) in messages.items():
        row, gate = rows[n], inputs[rows[n].case_id]
        try:
            point = usable_point(
                points.get((message.point_id, gate.debtor_id)), message.point_id, message.party_id
            )
        except InvalidInput:
            outcomes[n] = "not_writable"
            continue
        terms = point_terms(point, message.point_id, row.action, used)
        queued.append((n, _judged(gate, row, message, terms, send_at, day, now)))
    uow.rollback()
    for n, outcome in _written_out(uow, [q for _n, q in queued]).items():
        outcomes[queued[n][0]] = outcome
    return outcomes


def _planned_afresh(uow: UnitOfWork) -> None:
    """On PostgreSQL, the batch's reads planned for their own ids and the tables as they now are: the
    outbox grows while the job reads it, and a statement the driver has prepared (the same text batch after
    batch, storage/membership.py) would otherwise keep a plan made for a nearly empty outbox (a scan of the
    whole outbox per batch by the end). And planned as reads of a few hundred rows scattered through each
    table, which the server holds in memory: at PostgreSQL's default cost of a random read (four times a
    sequential one, as on a spinning disk) it would rather hash the whole of `debtors` or `payments` for
    every batch than look up its 500 rows (22 ms against 10 ms for the case's facts at 90,000 debtors, and
    the hash grows with the table)."""
    if uow.engine.dialect.name == "postgresql":
        uow.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        uow.session.execute(text(f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}"))


@dataclass
class _Known:
    """What a batch's messages are written from, read for the whole batch."""

    facts: dict[int, Any]
    points: dict[tuple[int, str], int]  # (debtor, kind): the first usable point
    recipients: dict[int, Any]  # point id: its row (message_text.point_rows)
    rows: dict[int, CaseRows]
    edited: dict[tuple[str, str, str, int], TemplateText | None] = field(default_factory=dict)

    @classmethod
    def read(cls, uow: UnitOfWork, planned: list[Any]) -> _Known:
        facts = case_facts_many(uow, [p.case_id for p in planned])
        points: dict[tuple[int, str], int] = {}
        for kind in sorted({KINDS[p.action] for p in planned}):
            debtors = [facts[p.case_id].debtor_id for p in planned if p.case_id in facts]
            for debtor, point in first_points(uow, debtors, kind).items():
                points[(debtor, kind)] = point
        return cls(facts, points, point_rows(uow, points.values()), case_rows(uow, facts))

    def written(self, uow: UnitOfWork, case_id: int, channel: str, send_at: datetime) -> Written | str:
        facts = self.facts[case_id]
        point = self.points.get((facts.debtor_id, KINDS[channel]))
        if point is None:
            return "no_contact_point"
        rows = self.rows[case_id]
        template = choose(channel, template_names(channel), state_of(rows, facts.pack)).default
        if not template:
            return "not_writable"
        to = recipient_of(facts, channel, point, self.recipients.get(point))
        lang = message_locale(facts, channel, template, None)
        subject, body = compose(
            uow,
            facts,
            to,
            channel=channel,
            template=template,
            locale=lang,
            collector="",
            now=send_at,
            rows=rows,
            edited_texts=self.edited,
        )
        return Written(to.point_id, to.party_id, template, lang, subject, body)


def _judged(
    inputs: GateInputs,
    row: Any,
    message: Written,
    terms: PointTerms,
    send_at: datetime | None,
    day: date,
    now: datetime,
) -> _Queued:
    """The gate's answer as `queue_message` asks it (the system's automated message, at its slot); a
    message with no slot (a letter) waits for the moment the gate names if it may not go now."""
    channel = Channel(row.action)
    if send_at is None:  # as plan_dispatch asked check_contact: a collector's question, at `now`
        first, _requests = judge_point(inputs, channel=channel, party=message.party_id, terms=terms, at=now)
        until = first.decision.get("next_allowed_at")
        if not first.allowed and until:
            send_at = datetime.fromisoformat(str(until).replace("Z", "+00:00")).astimezone(UTC)
    due = send_at.astimezone(UTC) if send_at is not None else None
    verdict, _requests = judge_point(
        inputs, channel=channel, party=message.party_id, terms=terms, at=due or now, automated=True
    )
    base = {
        "case_id": row.case_id,
        "channel": row.action,
        "subject": message.subject,
        "body": message.body,
        "template": message.template,
        "created_at": now,
        "contact_point_id": message.point_id,
        "party_id": message.party_id,
        "user_id": None,
        "locale": message.locale,
        "plan_date": day,
    }
    if verdict.allowed:
        return _Queued(
            "queued",
            {
                **base,
                "to": terms.to,
                "status": "queued",
                "decision_id": verdict.decision["id"],
                "error": None,
                "next_attempt_at": due,
            },
        )
    rules = list(dict.fromkeys(str(v.get("rule")) for v in verdict.decision.get("violations", []))) or [
        "unknown"
    ]
    return _Queued(
        "refused:" + ",".join(rules),
        {
            **base,
            "to": "",
            "status": "refused",
            "decision_id": None,
            "error": PLAN_REFUSED_ERROR.format(rules=", ".join(rules)),
            "next_attempt_at": None,
        },
        _refusal(row, message, due or now, day, verdict),
    )


def _refusal(row: Any, message: Written, when: datetime, day: date, verdict: Verdict) -> dict[str, Any]:
    """The refusal's audit event, as `contact_refusals.keep_refusal` keeps queue_message's."""
    what: dict[str, Any] = {
        "channel": row.action,
        "at": when.isoformat(),
        "party": message.party_id,
        "contact_point_id": message.point_id,
        "plan_date": day.isoformat(),
    }
    return refusal_event(row.case_id, None, what, verdict)


def _written_out(uow: UnitOfWork, batch: list[_Queued]) -> dict[int, str]:
    """The batch's messages and refusals in one transaction; if another run queued one of them meanwhile,
    one at a time, the ones already there counted as "already"."""
    if not batch:
        return {}
    try:
        _insert(uow, batch)
        uow.commit()
        return {n: q.outcome for n, q in enumerate(batch)}
    except IntegrityError:
        uow.rollback()
    outcomes: dict[int, str] = {}
    for n, q in enumerate(batch):
        try:
            _insert(uow, [q])
            uow.commit()
            outcomes[n] = q.outcome
        except IntegrityError:
            uow.rollback()
            outcomes[n] = "already"
    return outcomes


def _insert(uow: UnitOfWork, batch: list[_Queued]) -> None:
    """The messages first (a second run waits on, then is refused by, ux_messages_plan; COPY on
    PostgreSQL: 7% of the job's time there), then the refusals' audit events."""
    insert_rows(uow.session.connection(), t.messages, [q.row for q in batch])
    at = datetime.now(UTC)
    record_many(uow.session, [{"at": at, **q.refusal} for q in batch if q.refusal is not None])
