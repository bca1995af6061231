"""The outbox job: sends every due queued message once.

`dispatch_due(uow, now)` sends every due queued message once, even when several processes run it at the
same time: each message is claimed with a conditional UPDATE (status still queued, no live claim, its
retry time reached) that sets claimed_until = now + 5 minutes, and only the process whose UPDATE changed
the row sends it. A process that dies while sending leaves a claim that expires, and the message is tried
again (at least once, never lost). What becomes of one claimed message is services/outbox_delivery.py;
an SMS provider's delivery reports, services/delivery_reports.py; the stored errors in the reader's
language, services/outbox_errors.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from huikuan.channels import MESSAGE_CHANNELS, channel_state, transport_for
from huikuan.channels.base import Transport
from huikuan.channels.sms.limits import per_run
from huikuan.config import Settings, get_settings
from huikuan.services import wechat_outbox
from huikuan.services.outbox_delivery import Sandbox, deliver, due
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# A queued message cancelled because an account of its case was recalled, closed, written off or returned.
ACCOUNT_ENDED_ERROR = "an account of the case left collection since queued"
# A message of the daily plan the gate refused when the plan queued it (services/plan_dispatch.py).
PLAN_REFUSED_ERROR = "the compliance gate refused the planned message: {rules}"
CLAIM = timedelta(minutes=5)
BATCH = 200


def dispatch_due(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> dict[str, int]:
    """Sends every due queued message once; safe when several processes run it at the same time.

    Counts: sent, failed, retry (a transient failure, tried again later), refused (a contact hold since
    queued), postponed (the gate refuses it now: it waits for the time it names), waiting (queued on a
    channel with no configured transport: SMS without a provider, WeChat), deferred (due SMS left queued for
    the next run because the provider's share of this run was spent).
    """
    now = now.astimezone(UTC)
    settings = settings or get_settings()
    counts = {"sent": 0, "failed": 0, "retry": 0, "refused": 0, "postponed": 0, "waiting": 0, "deferred": 0}
    m = t.messages.c
    transports = {ch: transport_for(ch, settings) for ch in MESSAGE_CHANNELS}
    sandbox: Transport = Sandbox()
    if settings.sandbox:  # every channel that has a transport at all; nothing is handed to it
        transports = {
            ch: (sandbox if channel_state(ch, settings) == "sandbox" else None) for ch in transports
        }
    # The provider's rate over one run of the once-a-minute job: a larger backlog waits for the next run.
    sms_budget = per_run(settings.sms_provider, settings.sms_rate_per_second)
    ready = [ch for ch, tr in transports.items() if tr is not None]
    # A sandbox creditor's messages leave on every channel, configured or not: nothing is sent.
    sendable = or_(m.channel.in_(ready), m.case_id.in_(_sandbox_cases()))
    wechat_outbox.prepare(uow, transports["wechat"])
    counts["waiting"] = int(
        uow.session.execute(
            select(func.count()).where(m.status == "queued", ~sendable, *due(now))
        ).scalar_one()
    )
    for _ in range(50):  # batches; each message leaves the due set once tried
        rows = uow.session.execute(
            select(m.id, m.channel)
            .where(m.status == "queued", sendable, *due(now), *_over(sms_budget))
            .order_by(m.id)
            .limit(BATCH)
        ).all()
        uow.rollback()  # end the read: each claim below is its own short write
        for row in rows:
            transport = transports[row.channel] or sandbox
            provider = transport is not sandbox and row.channel == "sms"
            if provider and sms_budget <= 0:
                continue  # the provider's share of this run is spent: it waits, queued, for the next
            if _claim(uow, row.id, now):
                outcome = deliver(uow, row.id, transport, now, sandbox, settings)
                counts[outcome] += 1
                if provider and outcome in ("sent", "failed", "retry"):
                    sms_budget -= 1
        if len(rows) < BATCH:
            break
    if sms_budget <= 0 and transports["sms"] not in (None, sandbox):
        counts["deferred"] = _deferred_sms(uow, now)
    return counts


def _deferred_sms(uow: UnitOfWork, now: datetime) -> int:
    """The due SMS a spent budget left queued (a sandbox creditor's are never held back by it)."""
    m = t.messages.c
    return int(
        uow.session.execute(
            select(func.count()).where(
                m.status == "queued", m.channel == "sms", ~m.case_id.in_(_sandbox_cases()), *due(now)
            )
        ).scalar_one()
    )


def _sandbox_cases() -> Any:
    c, cr = t.cases.c, t.creditors.c
    return select(c.id).join(t.creditors, cr.id == c.creditor_id).where(cr.sandbox.is_(True))


def _over(sms_budget: int) -> tuple[Any, ...]:
    """No more SMS in this run once the provider's share of the run is spent."""
    return () if sms_budget > 0 else (t.messages.c.channel != "sms",)


def _claim(uow: UnitOfWork, message_id: int, now: datetime) -> bool:
    m = t.messages.c
    claimed = uow.session.execute(
        update(t.messages)
        .where(m.id == message_id, m.status == "queued", *due(now))
        .values(claimed_until=now + CLAIM)
    )
    ok = getattr(claimed, "rowcount", 0) == 1
    uow.commit()
    return ok
