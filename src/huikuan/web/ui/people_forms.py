"""What the users' forms send, read once for the create and the edit pages: the fields as the services
take them (services/user_admin.py), the shifts from their rows of day boxes and times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from huikuan.errors import InvalidInput

SHIFT_ROWS = 3  # the rows of shifts a form shows: the user's shifts and empty ones up to this many


def _shifts(form: FormData) -> list[dict[str, Any]]:
    shifts = []
    for i in range(SHIFT_ROWS):
        days = [str(d) for d in form.getlist(f"shift-{i}-days")]
        start = str(form.get(f"shift-{i}-start") or "").strip()
        end = str(form.get(f"shift-{i}-end") or "").strip()
        if days or start or end:
            shifts.append({"days": days, "start": start, "end": end})
    return shifts


def _team(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("team: {value} is not a team", value=value) from None


async def user_form(request: Request) -> dict[str, Any]:
    """The user form's fields: text trimmed, the team as an id (None: no team), lists as lists."""
    form = await request.form()

    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    skills = text("skills").replace("，", ",").replace(",", " ").split()
    return {
        "username": text("username"),
        "password": str(form.get("password") or ""),
        "display_name": text("display_name"),
        "role": text("role") or "collector",
        "team": text("team_id"),
        "creditor_code": text("creditor") or None,
        "locale": text("locale") or "zh_CN",
        "time_zone": text("time_zone") or None,
        "languages": [str(v) for v in form.getlist("languages")],
        "skills": skills,
        "shifts": _shifts(form),
        # The seat click-to-call rings first; only the edit form has it (None: not in this form).
        "phone_extension": text("phone_extension") if "phone_extension" in form else None,
    }


DAY_MSGIDS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # a shift's days, 0 Monday


def shift_text(shift: dict[str, Any], translate: Callable[[str], str]) -> str:
    """A shift in one short line: "Mon–Fri 09:00–18:00", "Sat Sun 22:00–06:00"."""
    runs: list[list[int]] = []
    for day in sorted({int(d) for d in shift.get("days") or ()}):
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = []
    for first, last in runs:
        names = [translate(DAY_MSGIDS[first]), translate(DAY_MSGIDS[last])]
        parts.append(names[0] if first == last else ("–" if last > first + 1 else " ").join(names))
    return f"{' '.join(parts)} {shift.get('start', '')}–{shift.get('end', '')}"


def team_id_of(fields: dict[str, Any]) -> int | None:
    return _team(str(fields["team"]))


__all__ = ["DAY_MSGIDS", "SHIFT_ROWS", "shift_text", "team_id_of", "user_form"]
