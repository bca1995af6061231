"""Quality review of calls in a real browser: a supervisor opens the week's sample from the
administration, scores alice's call item by item with a comment, and sees the score; the page fits a
phone and has no serious accessibility problem (axe). Screenshots, desktop and phone:
tests/artifacts/screenshots/call-reviews-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.conftest import go, shoot_widths
from tests.e2e.test_accessibility import _findings
from tests.support.quality import MONDAY, SAMPLED_AT, WEEK, add_call

from huikuan.services.call_review_sample import sample_week
from huikuan.storage import tables as t

pytestmark = pytest.mark.slow

ITEMS = ("identified", "right_party", "no_threats", "offered_plan", "respected_stop")
TITLE = {"en": "Call reviews", "zh": "通话质检"}


def _sampled(site: dict[str, Any]) -> int:
    """One answered call of alice's in week 2026-W47, sampled (once per module's site): its review's id."""
    if "review" not in site:
        floor = site["floor"]
        with floor.uow as uow:
            call = add_call(uow, floor.cases[0], floor.users["alice"], MONDAY, talk_seconds=245)
            uow.commit()
            sample_week(uow, WEEK, now=SAMPLED_AT)
            uow.commit()
            r = t.call_reviews.c
            site["review"] = int(uow.session.execute(select(r.id).where(r.call_id == call)).scalar_one())
    return int(site["review"])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_supervisor_scores_a_sampled_call_on_the_review_page(
    open_page: Any, site: dict, language: str
) -> None:
    review = _sampled(site)
    page = open_page("sue", language, "desktop")
    go(page, f"{site['url']}/admin")
    page.click("[data-testid=hub-reviews]")
    page.wait_for_load_state("networkidle")
    go(page, f"{site['url']}/reviews?week={WEEK}")
    assert TITLE[language] in page.inner_text("h1")
    assert page.get_attribute(f"[data-testid=review-recording-{review}]", "href", timeout=5_000).endswith(
        "/recording"
    )
    for code in ITEMS:
        page.check(f"[data-testid=review-{review}-{code}-{'na' if code == 'offered_plan' else 'yes'}]")
    page.fill(
        f"[data-testid=review-comment-{review}]", "清楚、礼貌" if language == "zh" else "clear and polite"
    )
    assert _findings(page) == []  # no serious accessibility problem (axe)
    shoot_widths(page, f"call-reviews-form-{language}", fits_phone=True)
    page.click(f"[data-testid=review-save-{review}]")
    page.wait_for_load_state("networkidle")
    assert "100" in page.inner_text(f"[data-testid=review-score-{review}]")
    shoot_widths(page, f"call-reviews-{language}", fits_phone=True)
