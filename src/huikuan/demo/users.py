"""The demo floor's people: its users (an administrator, a supervisor, four collectors in two teams, the
bank's read-only viewer), their teams' languages, each floor user's seat at the demo's call centre, and the
collectors' working days of the history as logged-in sessions (the reports' collector-hours)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from huikuan.demo.portfolio import BANK, DEMO_PASSWORD
from huikuan.domain.model import Team
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

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
# Each floor user's seat at the call centre, rung first on click-to-call: an agent of the demo's Aliyun
# CCC instance (`make run` starts bench/call_centre.py as that instance; docs/telephony.md).
DEMO_CCC_INSTANCE = "ccc-huikuan-demo"
PHONE_EXTENSIONS = {
    name: f"{name}@{DEMO_CCC_INSTANCE}"
    for name in ("supervisor", "collector1", "collector2", "collector3", "collector4")
}


def add_users(uow: UnitOfWork) -> dict[str, int]:
    """The demo's users, with their teams' languages and their seats; their ids by username."""
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
    for username, extension in PHONE_EXTENSIONS.items():
        uow.session.execute(
            update(t.users).where(t.users.c.id == ids[username]).values(phone_extension=extension)
        )
    for found in uow.session.scalars(select(Team).where(t.teams.c.name.in_(list(TEAM_LANGUAGES)))):
        found.languages = TEAM_LANGUAGES[found.name]
    uow.session.flush()
    return ids


def working_sessions(conn: Connection, ids: dict[str, int], today: date, zone: str, days: int = 90) -> int:
    """Each collector logged in on each weekday of the history's `days` before today, from about 09:00
    to about 18:00 on the floor, then logged out: what the reports count as collector-hours. No randomness
    is drawn (the history's random stream is left as it is); how many sessions."""
    here = ZoneInfo(zone)
    rows = []
    for username, role, *_rest in USERS:
        if role != "collector":
            continue
        user_id = ids[username]
        for back in range(1, days + 1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            jitter = (user_id * 7 + day.toordinal()) % 31  # minutes, the same on every load
            began = datetime.combine(day, time(9), here) + timedelta(minutes=jitter - 15)
            ended = datetime.combine(day, time(18), here) + timedelta(minutes=(jitter * 3) % 41)
            rows.append(
                {
                    "token_hash": hashlib.sha256(f"demo-{user_id}-{day}".encode()).hexdigest(),
                    "user_id": user_id,
                    "created_at": began,
                    "last_seen_at": ended,
                    "expires_at": began + timedelta(hours=12),
                    "ip": "127.0.0.1",
                    "user_agent": "demo",
                    "ended_at": ended,
                    "end_reason": "logout",
                }
            )
    if rows:
        conn.execute(insert(t.user_sessions), rows)
    return len(rows)
