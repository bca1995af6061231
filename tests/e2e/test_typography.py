"""Chinese typography in a real browser: no table cell leaves a single Chinese character alone on a line
("未/核/实", "还款通知/函"), and no badge breaks over two lines, on the pages people work in, at a laptop's
1366x768 and a phone's 390x844, in Chinese and in English (the names are Chinese in both).

The floor is made as hard to lay out as it gets: a debtor with a four-character name, a spouse with
another, the creditor's full company name, a case history of every kind (so the case page's tables and
the outbox have rows) and an offer waiting for the supervisor. Screenshots: typography-*.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.e2e.conftest import log_in, settled, shoot
from tests.support.floor import Floor
from tests.support.offers import offer_and_letter
from tests.support.timeline_history import timeline_history

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
DEBTOR = "欧阳思远"  # a compound surname and a two-character given name: four characters
SPOUSE = "司马晓燕"
CREDITOR = "某某银行股份有限公司信用卡中心"

# The characters of an element's text as laid out, in lines. A character starts a new line when it lies
# wholly below the line before (in document order, as text in a cell is laid out). A line is an orphan
# when its only letter or digit is a Chinese character and that character's own text node has letters
# on another line: a word the browser broke, not a one-character label such as 是 alone in its cell.
_LAYOUT = """
const HAN = /\\p{Script=Han}/u;
const INK = /[\\p{L}\\p{N}]/u;
const SKIP = "option, select, textarea, script, style, template";

function lines(element) {
  const chars = [];
  const range = document.createRange();
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(SKIP)) continue;
    let at = 0;
    for (const ch of node.data) {
      if (ch.trim()) {
        range.setStart(node, at);
        range.setEnd(node, at + ch.length);
        const box = [...range.getClientRects()].find(r => r.width > 0 && r.height > 0);
        if (box) chars.push({ch, node, top: box.top, bottom: box.bottom});
      }
      at += ch.length;
    }
  }
  const out = [];
  let line = null;
  for (const c of chars) {
    if (!line || c.top >= line.bottom - 1) {
      line = {chars: [], bottom: c.bottom};
      out.push(line);
    }
    line.chars.push(c);
    line.bottom = Math.max(line.bottom, c.bottom);
  }
  return out;
}

function text(line) {
  return line.chars.map(c => c.ch).join("");
}

function orphans(cell) {
  const laid = lines(cell);
  const found = [];
  laid.forEach((line, i) => {
    const ink = line.chars.filter(c => INK.test(c.ch));
    if (ink.length !== 1 || !HAN.test(ink[0].ch)) return;
    const node = ink[0].node;
    const elsewhere = (other, j) => j !== i && other.chars.some(c => c.node === node && INK.test(c.ch));
    if (laid.some(elsewhere)) found.push(text(line));
  });
  return found;
}
"""

_PROBLEMS = (
    "() => {"
    + _LAYOUT
    + """
  const problems = [];
  for (const cell of document.querySelectorAll("table th, table td")) {
    for (const line of orphans(cell)) {
      problems.push(`cell "${cell.innerText.replace(/\\s+/g, " ").trim().slice(0, 60)}": "${line}" alone`);
    }
  }
  // A cell that may not break is wider: its table scrolls in its own box, the page never sideways.
  const wide = document.documentElement.scrollWidth, width = window.innerWidth;
  if (wide > width) problems.push(`the page is ${wide}px wide, the screen ${width}px`);
  for (const badge of document.querySelectorAll(".badge")) {
    const laid = lines(badge);
    if (laid.length > 1) problems.push(`badge on ${laid.length} lines: ${laid.map(text).join(" / ")}`);
  }
  return problems;
}"""
)


@pytest.fixture(scope="module")
def staged(site: dict[str, Any]) -> dict[str, Any]:
    """The floor with the longest names and something in every table."""
    built: Floor = site["floor"]
    first, second = built.cases[0], built.cases[1]
    with UnitOfWork(site["engine"]) as uow:
        timeline_history(Floor(uow, users=built.users, cases=built.cases))
        s = uow.session
        s.execute(update(t.creditors).where(t.creditors.c.code == "BANK").values(name=CREDITOR))
        s.execute(update(t.debtors).where(t.debtors.c.id == first.debtor_id).values(name=DEBTOR))
        s.execute(update(t.parties).where(t.parties.c.id == first.spouse_id).values(name=SPOUSE))
        uow.commit()
    letters = Path(os.environ["HUIKUAN_LETTERS_DIR"])
    letters.mkdir(parents=True, exist_ok=True)
    offer_and_letter(site["engine"], second.id, built.users["bob"], letters)
    return site


@pytest.fixture
def open_as(browser: Any, staged: dict[str, Any]) -> Iterator[Any]:
    """`open_as("alice", "zh", "phone")`: a page of its own browser in that language and size, logged in
    (or not, for None)."""
    contexts = []

    def make(username: str | None, language: str, size: str) -> Any:
        context = browser.new_context(
            locale="zh-CN" if language == "zh" else "en-US", viewport=SIZES[size], device_scale_factor=1
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username is None:
            return page
        log_in(page, staged, username)
        wanted = "zh-CN" if language == "zh" else "en"
        if page.locator("html").get_attribute("lang") != wanted:
            page.click("[data-testid=switch-language]")
            page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == wanted
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_table_cell_leaves_a_chinese_character_alone_on_a_line_and_no_badge_wraps(
    open_as: Any, staged: dict[str, Any], language: str, size: str
) -> None:
    case = staged["floor"].cases[0].id
    pages = {
        None: [("login", "/login")],
        "alice": [
            ("case", f"/cases/{case}"),
            ("queue", "/queue"),
            ("outbox", "/outbox"),
            ("settings", "/settings"),
        ],
        "sue": [("team-queue", "/queue?all=1"), ("approvals", "/approvals")],
        "vic": [("portfolio", "/portfolio"), ("portal-accounts", "/portfolio/accounts")],
    }
    found: dict[str, list[str]] = {}
    for username, paths in pages.items():
        page = open_as(username, language, size)
        for name, path in paths:
            page.goto(staged["url"] + path)
            page.wait_for_load_state("networkidle")
            settled(page)
            found[name] = page.evaluate(_PROBLEMS)
            shoot(page, f"typography-{name}-{language}-{size}")
    problems = [f"{name}: {problem}" for name, listed in found.items() for problem in listed]
    assert not problems, "\n".join(problems)
