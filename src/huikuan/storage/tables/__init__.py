"""The schema: every table, with its constraints and the indexes the queues need, one module per kind of
record: floor (the agency), debtors (the people), cases (the work), disputes, money and records. Use them
as `from huikuan.storage import tables as t` and `t.accounts`; every table is named here, so importing this
package registers them all with `metadata`.
"""

from __future__ import annotations

from huikuan.storage.tables.admin import message_templates
from huikuan.storage.tables.base import Id, metadata
from huikuan.storage.tables.calls import calls
from huikuan.storage.tables.cases import (
    account_changes,
    accounts,
    arrangements,
    cases,
    instalments,
    interactions,
    messages,
    plan_rows,
    promises,
)
from huikuan.storage.tables.debtor_portal import debtor_check_failures, debtor_links
from huikuan.storage.tables.debtors import (
    acknowledgments,
    contact_points,
    debtors,
    fact_versions,
    holds,
    parties,
    person_members,
    person_unlinks,
    persons,
)
from huikuan.storage.tables.disputes import (
    complaints,
    disputes,
    documents,
)
from huikuan.storage.tables.exports import activity_mappings, export_requests
from huikuan.storage.tables.floor import (
    absences,
    api_keys,
    creditors,
    job_leases,
    login_attempts,
    scripts,
    teams,
    user_sessions,
    users,
)
from huikuan.storage.tables.inbound import inbound_messages
from huikuan.storage.tables.money import (
    ledger_entries,
    ledger_lines,
    money_terms,
    payment_allocations,
    payment_links,
    payment_merchants,
    payment_reversals,
    payments,
    provider_events,
    statement_entries,
    statements,
)
from huikuan.storage.tables.monthly import report_recipients
from huikuan.storage.tables.power import power_sessions, power_skips
from huikuan.storage.tables.records import (
    audit_events,
    audit_head,
    erasure_requests,
    import_batches,
)
from huikuan.storage.tables.reports import (
    account_month_ends,
    channel_costs,
    monthly_report_sends,
    portfolio_months,
    portfolio_paid,
    portfolio_promises,
    portfolio_taken,
    report_daily,
    report_hours,
    report_refusals,
    report_strategies,
    report_weekly,
)
from huikuan.storage.tables.reviews import call_reviews, review_checklists
from huikuan.storage.tables.self_service import (
    self_service_payments,
    self_service_requests,
    self_service_signatures,
)
from huikuan.storage.tables.sms_templates import sms_templates
from huikuan.storage.tables.tenancy import team_creditors, user_creditors
from huikuan.storage.tables.wechat import wechat_bindings, wechat_inbound, wechat_session, wechat_templates

__all__ = [
    "calls",
    "call_reviews",
    "review_checklists",
    "self_service_payments",
    "self_service_requests",
    "self_service_signatures",
    "channel_costs",
    "monthly_report_sends",
    "portfolio_months",
    "portfolio_paid",
    "portfolio_promises",
    "portfolio_taken",
    "Id",
    "absences",
    "account_changes",
    "account_month_ends",
    "activity_mappings",
    "accounts",
    "acknowledgments",
    "api_keys",
    "arrangements",
    "audit_events",
    "audit_head",
    "cases",
    "complaints",
    "contact_points",
    "creditors",
    "debtor_check_failures",
    "debtor_links",
    "debtors",
    "disputes",
    "documents",
    "erasure_requests",
    "export_requests",
    "fact_versions",
    "holds",
    "import_batches",
    "inbound_messages",
    "instalments",
    "interactions",
    "job_leases",
    "ledger_entries",
    "ledger_lines",
    "login_attempts",
    "message_templates",
    "messages",
    "metadata",
    "money_terms",
    "parties",
    "payment_allocations",
    "payment_links",
    "payment_merchants",
    "payment_reversals",
    "payments",
    "person_members",
    "person_unlinks",
    "persons",
    "plan_rows",
    "power_sessions",
    "power_skips",
    "promises",
    "provider_events",
    "report_daily",
    "report_hours",
    "report_recipients",
    "report_refusals",
    "report_strategies",
    "report_weekly",
    "scripts",
    "sms_templates",
    "statement_entries",
    "statements",
    "team_creditors",
    "teams",
    "user_creditors",
    "user_sessions",
    "users",
    "wechat_bindings",
    "wechat_inbound",
    "wechat_session",
    "wechat_templates",
]
