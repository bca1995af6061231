"""The floor dashboard's table as a list export (/exports/reports.csv or .xlsx with the dashboard's own
query; services/export_lists.py): one row per key of the split (collector, team, creditor, channel,
product or segment) and currency, with the figures the page shows. Read through the dashboard's service,
so who may download it is who may open /reports (supervisors and administrators, in their scope).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from huikuan.domain.money import Money
from huikuan.services.access import Viewer
from huikuan.services.dashboards import DashboardAsk, floor_dashboard
from huikuan.services.export_files import Column
from huikuan.storage.uow import UnitOfWork

REPORT_FILTERS = ("creditor", "team", "collector", "channel", "from", "to", "split", "product", "segment")
REPORT_COLUMNS = (
    Column("key", "Group"),
    Column("attempts", "Attempts"),
    Column("contacts", "Contacts (someone spoken with)"),
    Column("contact_rate", "Contact rate"),
    Column("right_party_contact_rate", "Right-party contact rate"),
    Column("promise_rate", "Promise rate"),
    Column("promises_kept", "Promises kept"),
    Column("plan_adherence", "Plan adherence"),
    Column("currency", "Currency"),
    Column("net_collected", "Net collected", money=True),
)


def _groups(uow: UnitOfWork, viewer: Viewer, params: Mapping[str, str]) -> tuple[Any, list[dict[str, Any]]]:
    ask = DashboardAsk.parse({k: v for k, v in params.items() if k in REPORT_FILTERS})
    shown = floor_dashboard(uow, viewer, ask)
    return shown, list(shown.answer.get("groups", []))


def report_rows(
    uow: UnitOfWork,
    viewer: Viewer,
    params: Mapping[str, str],
) -> Iterator[dict[str, Any]]:
    shown, groups = _groups(uow, viewer, params)
    for group in groups:
        m = group["measures"]
        key = group["key"]
        base = {
            "key": "" if key is None else shown.names.get(key, key),
            "attempts": m["counts"]["attempts"],
            "contacts": m["counts"]["contacts"],
            **{
                name: m["rates"][name]["value"] or ""
                for name in ("contact_rate", "right_party_contact_rate", "promise_rate", "plan_adherence")
            },
            "promises_kept": m["counts"]["promises_kept"],
        }
        for row in m["money"] or [{"currency": "", "net_collected": None}]:
            net = row["net_collected"]
            amount = "" if net is None else str(Money(net, row["currency"]).amount)
            yield {**base, "currency": row["currency"], "net_collected": amount}


def report_count(uow: UnitOfWork, viewer: Viewer, params: Mapping[str, str]) -> int:
    _shown, groups = _groups(uow, viewer, params)
    return sum(max(1, len(g["measures"]["money"])) for g in groups)
