"""The debtor's contact form read into the use case's command (services/debtor_contact.py)."""

from __future__ import annotations

from starlette.datastructures import FormData

from huikuan.errors import InvalidInput
from huikuan.services.debtor_contact import ContactChoice


def _ints(values: list[str], field: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(v) for v in values}))
    except ValueError:
        raise InvalidInput("{field}: not a number", field=field) from None


def contact_choice(form: FormData) -> ContactChoice:
    """Days (`day`, repeated), hours on weekdays (`start`, `end`) and at weekends (`weekend_start`,
    `weekend_end`; absent: the weekdays'), channels (`channel`, repeated), `language`,
    `consent` (present: given), `pause_days` and `receipt`."""
    pause = _ints([str(form.get("pause_days") or "0")], "pause_days")
    return ContactChoice(
        days=_ints([str(v) for v in form.getlist("day")], "day"),
        start=str(form.get("start") or ""),
        end=str(form.get("end") or ""),
        channels=tuple(dict.fromkeys(str(v) for v in form.getlist("channel"))),
        language=str(form.get("language") or ""),
        electronic_consent=form.get("consent") is not None,
        pause_days=pause[0] if pause else 0,
        receipt_channel=str(form.get("receipt") or ""),
        weekend_start=str(form.get("weekend_start") or ""),
        weekend_end=str(form.get("weekend_end") or ""),
    )
