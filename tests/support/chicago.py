"""A US creditor's debtor in Chicago with a US mobile, and a US agency's settings: the setup of the tests of
what the US pack asks of a message (consent, safe harbour, the debt-collector disclosure)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from tests.support.floor import Floor, FloorCase, us_case
from tests.support.messaging import use_settings

from huikuan import config
from huikuan.storage import tables as t

AFTERNOON = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 14:00 in New York, 13:00 in Chicago
AGENCY = "Lakeside Services LLC"
MOBILE = "+13125550100"


def agency_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings of a US agency for one test (a fixture's body: `yield from`), cleared after it."""
    use_settings(monkeypatch, agency_name=AGENCY)
    yield
    config.get_settings.cache_clear()


def chicago_case(floor: Floor) -> FloorCase:
    """Jane Roe (tests/support/floor.us_case) living in Chicago, with a US mobile (its consent as us_case
    left it)."""
    case = us_case(floor)
    s = floor.uow.session
    s.execute(
        update(t.debtors)
        .where(t.debtors.c.id == case.debtor_id)
        .values(address_country="US", address_region="IL", time_zone="America/Chicago")
    )
    s.execute(update(t.contact_points).where(t.contact_points.c.id == case.mobile_id).values(value=MOBILE))
    floor.uow.commit()
    return case
