"""The demo's WeChat: a share of the Chinese creditors' debtors bound to the official account, each with
the consent a real binding records (the text shown, when, from which address), the binding's `wechat`
contact point, and each Chinese creditor's template message. With them `huikuan plan` plans WeChat for
those debtors, and `make run` sends it to its local WeChat (bench/wechat_server.py).

The bindings belong to the account named by HUIKUAN_WECHAT_APP_ID, or to the demo's own account id
(DEMO_WECHAT_APP_ID, the one `make run` gives its local WeChat) when none is set. Chosen by the seed alone,
with a random generator of their own, so the rest of the demo is the same with or without them.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from huikuan.config import get_settings
from huikuan.demo.portfolio import CREDITORS
from huikuan.domain.enums import ContactStatus
from huikuan.services.clock import floor_zone
from huikuan.services.wechat_bindings import consent_text
from huikuan.storage import tables as t

# The demo's official account (make run's local WeChat is started with it; Makefile DEMO_WECHAT_APP_ID).
DEMO_WECHAT_APP_ID = "wxd3m0a11ce0000001"
DEMO_TEMPLATE_ID = "TPL-demo-notice-1"
# keyword1 our reference, keyword2 the date, remark "Tap for details" (docs/channels.md "WeChat").
DEMO_TEMPLATE_FIELDS = {"keyword1": "reference", "keyword2": "date", "remark": "notice"}
SHARE = 0.12  # of the Chinese creditors' debtors
CONSENT_ADDRESS = "198.51.100.{n}"  # a documentation network (RFC 5737): the demo's phones


def demo_app_id() -> str:
    return get_settings().wechat_app_id or DEMO_WECHAT_APP_ID


def bind_demo_wechat(
    conn: Connection, creditor_ids: dict[str, int | None], *, seed: int, today: date, app_id: str
) -> int:
    """Binds a share of the Chinese creditors' debtors and sets those creditors' template; how many."""
    chinese = [creditor_ids[c.code] for c in CREDITORS if c.region == "CN"]
    ids = [i for i in chinese if i is not None]
    if not ids:
        return 0
    now = datetime.now(UTC)
    conn.execute(
        insert(t.wechat_templates),
        [
            {
                "creditor_id": i,
                "template_id": DEMO_TEMPLATE_ID,
                "fields": DEMO_TEMPLATE_FIELDS,
                "updated_at": now,
            }
            for i in ids
        ],
    )
    d = t.debtors.c
    debtors = conn.execute(select(d.id).where(d.creditor_id.in_(ids)).order_by(d.id)).scalars().all()
    rng = random.Random(f"wechat-{seed}")
    chosen = [int(i) for i in debtors if rng.random() < SHARE]
    if not chosen:
        return 0
    zone = ZoneInfo(floor_zone())
    text = consent_text(get_settings(), "zh_CN")
    points, bindings = [], []
    for debtor_id in chosen:
        day = today - timedelta(days=rng.randint(1, 80))
        at = datetime.combine(day, time(rng.randint(9, 20), rng.randint(0, 59)), zone).astimezone(UTC)
        openid = _openid(seed, debtor_id)
        points.append(
            {
                "debtor_id": debtor_id,
                "kind": "wechat",
                "value": openid,
                "status": ContactStatus.VALID.value,
                "source": "debtor",
                "consent": True,
                "consent_at": at,
                "consent_how": "WeChat oauth",
                "verified_at": at,
                "added_at": at,
                "status_at": at,
            }
        )
        bindings.append(
            {
                "debtor_id": debtor_id,
                "app_id": app_id,
                "openid": openid,
                "source": "oauth",
                "consent_text": text,
                "consent_locale": "zh_CN",
                "consent_at": at,
                "consent_address": CONSENT_ADDRESS.format(n=rng.randint(1, 254)),
                "followed": True,
                "status": "active",
                "status_at": at,
            }
        )
    conn.execute(insert(t.contact_points), points)
    cp = t.contact_points.c
    wanted = {row["openid"] for row in bindings}
    point_of = {
        v: i for v, i in conn.execute(select(cp.value, cp.id).where(cp.kind == "wechat")) if v in wanted
    }
    for row in bindings:
        row["contact_point_id"] = point_of[row["openid"]]
    conn.execute(insert(t.wechat_bindings), bindings)
    return len(chosen)


def _openid(seed: int, debtor_id: int) -> str:
    """A made-up openid shaped like WeChat's (28 characters, starting with "o")."""
    digest = hashlib.sha256(f"huikuan-demo-{seed}-{debtor_id}".encode()).hexdigest()
    return "oDemo" + digest[:23]
