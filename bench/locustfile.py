"""A floor at work, as locust users: collectors working their queue, a few supervisors approving offers
and looking over the team, a few creditor viewers reading their cases. Run by bench/floor_load.py; by
hand:

    .venv/bin/locust -f bench/locustfile.py --headless -u 50 -r 2 -t 300s \\
        --host http://127.0.0.1:8300 --csv /tmp/floor --only-summary Collector Supervisor Viewer

Each user logs in through the login form (a session cookie) and acts as a browser with htmx would: the
case page, then the panels it loads (`HX-Request: true`), the POSTs with the page's CSRF token in
`X-CSRF-Token`, and after a write that answers `HX-Trigger: case-changed`, the panels that reload on it.
Requests are named by route (`/cases/[id]`), so the statistics group by route.

What counts as a failure: a connection error or timeout, an answer >= 500, a lost session (a redirect to
/login), and any other answer that a person's browser would not get (e.g. a 403 for an expired CSRF token).
A 409 or 422 is a business answer (the compliance gate, a conflicting approval): a success, counted in
the refusals printed at the end. Settings, all from the environment:

- FLOOR_PACE: "person" (default: 5 to 15 s between steps), "none" or "0" (no pauses), or "MIN,MAX" seconds;
- FLOOR_TIMEOUT: each request's timeout in seconds (default 30);
- FLOOR_PASSWORD: the demo users' password (default huikuan-demo);
- FLOOR_COLLECTORS: how many collector logins floor001 ... exist (one per simulated collector; default:
  the demo's collector1..collector4, shared);
- FLOOR_SUMMARY: a JSON file written at the end: the refusal and error counters, and the page (GET) and
  write (POST) figures over all routes (exact percentiles, which the CSV's per-route rows cannot give);
- FLOOR_MODE=health: makes `HealthFloor` (GET /health, no pauses) available, for the machine's floor.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, constant, constant_pacing, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV, StatsEntry

TIMEOUT = float(os.environ.get("FLOOR_TIMEOUT", "30"))
PASSWORD = os.environ.get("FLOOR_PASSWORD", "huikuan-demo")
PACE = os.environ.get("FLOOR_PACE", "person").strip().lower()
# Each simulated collector its own login when floor_load made them (FLOOR_COLLECTORS=N: floor001 ...);
# else the demo's four.
_LOGINS = int(os.environ.get("FLOOR_COLLECTORS", "0"))
COLLECTORS = tuple(f"floor{n:03d}" for n in range(1, _LOGINS + 1)) or (
    "collector1",
    "collector2",
    "collector3",
    "collector4",
)
FORM = "application/x-www-form-urlencoded"
LOGIN_ROUTES = frozenset({("GET", "/login"), ("POST", "/login")})
BUSINESS_REFUSALS = frozenset({409, 422})
ANSWER_HEADERS = ("location", "hx-trigger", "hx-redirect")
PANEL_CONCURRENCY = 6  # a browser's connections per host: the htmx panels load side by side


def pace() -> Callable[..., float]:
    """The pause between a person's steps."""
    if PACE in ("none", "0", "no", "off"):
        return constant(0)
    if PACE in ("", "person"):
        return between(5, 15)
    low, _, high = PACE.partition(",")
    return between(float(low), float(high or low))


# --- counters: what the statistics do not say ---------------------------------------------------------

_lock = threading.Lock()
COUNTERS: dict[str, Counter[str]] = {
    "business_refusals": Counter(),  # 409/422 answers, by "METHOD route status"
    "refusal_reasons": Counter(),  # their messages (numbers as #), by "route: message"
    "gate_refused_sms": Counter(),  # the message panel's "refused by the gate" (a 200), by route
    "server_errors": Counter(),  # >= 500, by "METHOD route status"
    "connection_errors": Counter(),  # no answer: refused, reset, timed out; by "METHOD route error"
    "other_failures": Counter(),  # lost sessions, unexpected 4xx, pages without what they should show
    "outcomes": Counter(),  # what the users did: iterations, logins, contacts, promises, sms, approvals
}


def count(kind: str, key: str, n: int = 1) -> None:
    with _lock:
        COUNTERS[kind][key] += n


def _merge(data: dict[str, dict[str, int]]) -> None:
    with _lock:
        for kind, values in data.items():
            COUNTERS.setdefault(kind, Counter()).update(values)


@events.report_to_master.add_listener
def _send_counters(data: dict[str, Any], **_kw: Any) -> None:
    """A worker process sends what it counted since its last report (then starts again from zero)."""
    with _lock:
        data["floor_counters"] = {kind: dict(values) for kind, values in COUNTERS.items()}
        for values in COUNTERS.values():
            values.clear()


@events.worker_report.add_listener
def _receive_counters(data: dict[str, Any], **_kw: Any) -> None:
    _merge(data.get("floor_counters") or {})


def _combined(env: Environment, name: str, keep: Callable[[str, str], bool]) -> dict[str, Any]:
    """One line of figures over every route that `keep(method, name)` keeps: exact percentiles."""
    total = StatsEntry(env.stats, name, "", use_response_times_cache=False)
    for entry in env.stats.entries.values():
        if keep(entry.method, entry.name):
            total.extend(entry)
    n = total.num_requests
    return {
        "requests": n,
        "failures": total.num_failures,
        "rps": round(total.total_rps, 2),
        "avg_ms": round(total.avg_response_time, 1) if n else None,
        "p50_ms": total.get_response_time_percentile(0.50) if n else None,
        "p95_ms": total.get_response_time_percentile(0.95) if n else None,
        "p99_ms": total.get_response_time_percentile(0.99) if n else None,
        "max_ms": round(total.max_response_time, 1) if n else None,
    }


def final_csv(summary_path: str, kind: str) -> str:
    """Where the final CSV of this kind goes: beside the summary, `<summary stem>_<kind>.csv`."""
    stem = summary_path[:-5] if summary_path.endswith(".json") else summary_path
    return f"{stem}_{kind}.csv"


def summary(env: Environment) -> dict[str, Any]:
    def login(method: str, name: str) -> bool:
        return (method, name) in LOGIN_ROUTES

    return {
        "page": _combined(env, "page", lambda m, n: m == "GET" and not login(m, n)),
        "write": _combined(env, "write", lambda m, n: m == "POST" and not login(m, n)),
        "login": _combined(env, "login", login),
        "work": _combined(env, "work", lambda m, n: not login(m, n)),
        "counters": {kind: dict(sorted(values.items())) for kind, values in COUNTERS.items()},
    }


ENVIRONMENT: list[Environment] = []


@events.init.add_listener
def _keep_environment(environment: Environment, **_kw: Any) -> None:
    ENVIRONMENT.append(environment)


@events.quit.add_listener
def _report(**_kw: Any) -> None:
    """At the very end (locally or on the master, once every user has stopped): the counters printed,
    FLOOR_SUMMARY written, and beside it the final per-route CSV in locust's own format (`--csv` files are
    written every few seconds, so theirs may miss the last requests)."""
    if not ENVIRONMENT or isinstance(ENVIRONMENT[0].runner, WorkerRunner):
        return
    environment = ENVIRONMENT[0]
    result = summary(environment)
    path = os.environ.get("FLOOR_SUMMARY")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, ensure_ascii=False)
        writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
        with open(final_csv(path, "stats"), "w", newline="", encoding="utf-8") as out:
            writer.requests_csv(csv.writer(out))
        with open(final_csv(path, "failures"), "w", newline="", encoding="utf-8") as out:
            writer.failures_csv(csv.writer(out))
    print("\n== floor counters ==")
    for kind, values in result["counters"].items():
        if values:
            shown = ", ".join(f"{key}: {n}" for key, n in values.items())
            print(f"{kind}: {shown}")
    if isinstance(environment.runner, MasterRunner):
        print("(counters of all worker processes)")


# --- reading the pages ---------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRF-Token":\s*"([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/(\d+)"')
HX_GET = re.compile(r'hx-get="(/cases/\d+/panels/(\w+))"\s+hx-trigger="([^"]*)"')
REVEAL = re.compile(
    r'hx-post="/cases/\d+/reveal" hx-vals=\'\{"what": "contact_point", "contact_point_id": "(\d+)"\}'
)
APPROVE = re.compile(r'hx-post="/approvals/(\d+)/approve"')
ERROR_TEXT = re.compile(r'data-testid="error"[^>]*>(.*?)</', re.S)
NUMBER = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)")


def reason(html: str) -> str:
    """The message of an error fragment or page, its numbers and times as #: refusals group by kind."""
    found = ERROR_TEXT.search(html)
    text = re.sub(r"<[^>]+>", " ", found.group(1)) if found else html[:200]
    return re.sub(r"\d+", "#", " ".join(text.split()))[:120]


def attr(html: str, element_id: str, name: str) -> str | None:
    """An attribute of the element with this id (attributes may span lines)."""
    found = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html, re.S)
    if not found:
        return None
    value = re.search(rf'\b{name}="([^"]*)"', found.group(0))
    return value.group(1) if value else None


def select_options(html: str, element_id: str) -> list[str]:
    found = re.search(rf'<select[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', found.group(1)) if found else []


def amount_of(text: str | None) -> float | None:
    """The amount in a placeholder like "up to ¥1,234.56" or "最多 US$5,941.74"."""
    found = NUMBER.search(text or "")
    return float(found.group(1).replace(",", "")) if found else None


def some_day(low: str | None, high: str | None) -> str:
    """A date between the form's min and max (YYYY-MM-DD); a week ahead when the form says nothing."""
    try:
        first = dt.date.fromisoformat(low or "")
    except ValueError:
        first = dt.date.today()
    try:
        last = dt.date.fromisoformat(high or "")
    except ValueError:
        last = first + dt.timedelta(days=7)
    span = max(0, (last - first).days)
    return (first + dt.timedelta(days=random.randint(min(1, span), span))).isoformat()


# --- the users -----------------------------------------------------------------------------------------


class FloorUser(FastHttpUser):
    """What every person on the floor does: log in, read pages, post with the CSRF token."""

    abstract = True
    wait_time = pace()
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT
    concurrency = PANEL_CONCURRENCY
    usernames: tuple[str, ...] = ()
    _numbers: dict[str, itertools.count[int]] = {}  # each class's own: its users take its logins in turn

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = self.usernames or ("admin",)
        numbers = FloorUser._numbers.setdefault(type(self).__name__, itertools.count())
        self.username = names[next(numbers) % len(names)]
        self.token = ""
        self.logged_in = False
        self.reloads: list[tuple[str, str]] = []  # the case page's panels that reload on case-changed

    # The requests: every answer judged here, with the route's name.

    def call(
        self,
        method: str,
        url: str,
        name: str,
        *,
        data: dict[str, Any] | None = None,
        htmx: bool = False,
        follow: bool = False,
    ) -> tuple[int, str, dict[str, str]]:
        """Sends one request; returns (status, body, headers): status 0 when there was no answer."""
        headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
        body = None
        if htmx:
            headers["HX-Request"] = "true"
        if method != "GET":
            headers["X-CSRF-Token"] = self.token
            headers["Content-Type"] = FORM
            body = urlencode(data or {})
        with self.client.request(
            method, url, name=name, data=body, headers=headers, allow_redirects=follow, catch_response=True
        ) as response:
            status = int(response.status_code or 0)
            text = (response.text or "") if status else ""
            answer = {h: response.headers.get(h) or "" for h in ANSWER_HEADERS} if status else {}
            key = f"{method} {name}"
            if status == 0:
                error = type(getattr(response, "error", None)).__name__
                count("connection_errors", f"{key} {error}")
                response.failure(f"no answer: {error}")
            elif status >= 500:
                count("server_errors", f"{key} {status}")
                response.failure(f"server error {status}")
            elif status in BUSINESS_REFUSALS:
                count("business_refusals", f"{key} {status}")
                count("refusal_reasons", f"{name}: {reason(text)}")
                response.success()
            elif answer.get("hx-redirect", "").startswith("/login") or answer.get("location", "").startswith(
                "/login"
            ):
                self.logged_in = False
                count("other_failures", f"{key} session lost")
                response.failure("session lost: redirected to /login")
            elif status >= 400:
                count("other_failures", f"{key} {status}")
                response.failure(f"unexpected {status}")
            else:
                response.success()
            if status == 200 and "csrf_token" in text:
                self._remember_token(text)
            return status, text, answer

    def _remember_token(self, html: str) -> None:
        found = CSRF_HEADER.search(html) or CSRF_INPUT.search(html)
        if found:
            self.token = found.group(1)

    def think(self) -> None:
        """A person's pause between two steps (none with FLOOR_PACE=none)."""
        seconds = self.wait_time()
        if seconds > 0:
            gevent.sleep(seconds)

    # Logging in as the login form does.

    def on_start(self) -> None:
        self.log_in()
        # Users start at random moments of their first pause: not all on the same beat.
        seconds = self.wait_time() * random.random()
        if seconds > 0:
            gevent.sleep(seconds)

    def log_in(self) -> bool:
        status, html, _ = self.call("GET", "/login", "/login")
        found = CSRF_INPUT.search(html) if status == 200 else None
        if not found:
            count("outcomes", "login failed")
            return False
        form = {"username": self.username, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"}
        self.token = found.group(1)
        status, _, headers = self.call("POST", "/login", "/login", data=form)
        self.logged_in = status == 303 and not headers.get("location", "").startswith("/login")
        count("outcomes", "login" if self.logged_in else f"login failed ({status})")
        return self.logged_in

    def ready(self) -> bool:
        """Logged in (again if the session was lost)."""
        if self.logged_in:
            return True
        if self.log_in():
            return True
        gevent.sleep(max(1.0, self.wait_time()))  # a person tries again after a moment, even at no pace
        return False

    # The case page as the browser loads it.

    def panels(self, case_id: int, urls: list[tuple[str, str]]) -> dict[str, str]:
        """The panels, fetched side by side as htmx does; returns each panel's HTML by its name."""
        found: dict[str, str] = {}

        def one(url: str, name: str) -> None:
            status, html, _ = self.call("GET", url, f"/cases/[id]/panels/{name}", htmx=True)
            if status == 200:
                found[name] = html

        jobs = [gevent.spawn(one, url.format(case_id=case_id), name) for url, name in urls]
        gevent.joinall(jobs, timeout=TIMEOUT * 2)
        return found

    def open_case(self, case_id: int) -> tuple[str, dict[str, str]] | None:
        """The case page and the panels it loads; None when it did not open."""
        status, html, _ = self.call("GET", f"/cases/{case_id}", "/cases/[id]")
        if status != 200:
            return None
        on_load, self.reloads = [], []
        for url, name, trigger in HX_GET.findall(html):
            template = re.sub(r"^/cases/\d+/", "/cases/{case_id}/", url)
            if "load" in [t.strip() for t in trigger.split(",")]:
                on_load.append((template, name))
            if "case-changed" in trigger:
                self.reloads.append((template, name))
        return html, self.panels(case_id, on_load)

    def case_changed(self, case_id: int, headers: dict[str, str]) -> None:
        """After a write that says `HX-Trigger: case-changed`: the header, identity, points and timeline."""
        if "case-changed" in headers.get("hx-trigger", ""):
            self.panels(case_id, self.reloads)


class Collector(FloorUser):
    """A collector: the queue, the next case, the call recorded, sometimes a promise, an SMS, an offer."""

    weight = 16
    usernames = COLLECTORS

    @task
    def work_a_case(self) -> None:
        if not self.ready():
            return
        count("outcomes", "collector iteration")
        status, _, _ = self.call("GET", "/queue", "/queue")
        if status != 200:
            return
        self.think()
        status, _, headers = self.call("POST", "/queue/next", "/queue/next")
        where = headers.get("location", "")
        if status == 200:
            count("outcomes", "nothing due")
            return
        found = re.fullmatch(r"/cases/(\d+)", where)
        if status != 303 or not found:
            return
        case_id = int(found.group(1))
        opened = self.open_case(case_id)
        if opened is None:
            return
        page, panels = opened
        if random.random() < 0.2:
            self.reveal(case_id, page)
        self.think()  # the call itself
        promising = random.random() < 0.3
        if not self.record_contact(case_id, panels.get("contact", ""), promising):
            return
        if random.random() < 0.25:
            self.think()
            self.send_sms(case_id, panels.get("message", ""))
        if random.random() < 0.08:
            self.think()
            self.offer(case_id, panels.get("negotiation", ""))

    def reveal(self, case_id: int, page: str) -> None:
        points = REVEAL.findall(page)
        if points:
            form = {"what": "contact_point", "contact_point_id": random.choice(points)}
            status, _, _ = self.call(
                "POST", f"/cases/{case_id}/reveal", "/cases/[id]/reveal", data=form, htmx=True
            )
            count("outcomes", f"reveal {status}")

    def record_contact(self, case_id: int, panel: str, promising: bool) -> bool:
        """An inbound call (the debtor called back): the gate allows it at any hour."""
        if 'data-testid="contact-form"' not in panel:
            count("other_failures", "contact panel without its form")
            return False
        outcome = (
            "promise" if promising else random.choices(("callback", "refuses", "hardship"), (6, 3, 1))[0]
        )
        form = {
            "who": "debtor",
            "channel": "call",
            "direction": "inbound",
            "outcome": outcome,
            "goal": "",
            "goal_met": random.choice(("", "yes", "no")),
            "notes": f"floor benchmark: {outcome}",
            "duration_min": str(random.randint(1, 12)),
            "next_channel": "",
            "next_goal": "",
            "next_due": "",
        }
        if promising and not self.promise_terms(panel, form):
            form["outcome"] = "callback"
        low = attr(panel, "next-due", "min")  # the collector's local "now", as the form gives it
        if low and random.random() < 0.5:
            # The next call in 8 to 10 days, past the 7 days the US pack allows none after a conversation,
            # at 09:30 the collector's time (20:30 the evening before in New York): a collector's usual
            # choice, which the gate may still refuse (a 422, counted with its reason).
            day = dt.date.fromisoformat(low[:10]) + dt.timedelta(days=random.randint(8, 10))
            form.update(next_channel="call", next_due=f"{day.isoformat()}T09:30")
        status, _, headers = self.call(
            "POST", f"/cases/{case_id}/contacts", "/cases/[id]/contacts", data=form, htmx=True
        )
        count("outcomes", f"contact {status}")
        self.case_changed(case_id, headers)
        return status in (200, 409, 422)

    @staticmethod
    def promise_terms(panel: str, form: dict[str, str]) -> bool:
        """The promise made on the call, taken with the contact: an amount up to the balance, a day ahead."""
        balance = amount_of(attr(panel, "promise-amount", "placeholder"))
        if not balance or balance <= 0:
            count("outcomes", "promise skipped (no balance)")
            return False
        amount = max(min(balance, 1.0), int(balance * random.uniform(0.1, 1.0) * 100) / 100)
        due = some_day(attr(panel, "promise-due", "min"), attr(panel, "promise-due", "max"))
        form.update(promise_amount=f"{amount:.2f}", promise_due=due)
        return True

    def send_sms(self, case_id: int, panel: str) -> None:
        points = [p for p in select_options(panel, "message-point") if p.isdigit()]
        templates = select_options(panel, "message-template")
        if not points or not templates:
            count("outcomes", "sms skipped (no mobile)")
            return
        template = "reminder" if "reminder" in templates else templates[0]
        form = {"channel": "sms", "template": template, "contact_point_id": points[0], "locale": ""}
        status, html, headers = self.call(
            "POST", f"/cases/{case_id}/messages", "/cases/[id]/messages", data=form, htmx=True
        )
        if status == 200 and 'data-testid="message-refused"' in html:
            count("gate_refused_sms", "POST /cases/[id]/messages")
            count("outcomes", "sms refused by the gate")
        else:
            count("outcomes", f"sms {status}")
        self.case_changed(case_id, headers)

    def offer(self, case_id: int, panel: str) -> None:
        """The debtor cannot pay in full: a 12-payment plan, beyond a collector's authority (a supervisor
        approves it)."""
        if 'data-testid="negotiation-open-form"' in panel:
            status, panel, headers = self.call(
                "POST",
                f"/cases/{case_id}/negotiation/open",
                "/cases/[id]/negotiation/open",
                data={"reason": "cannot_pay"},
                htmx=True,
            )
            self.case_changed(case_id, headers)
            if status != 200:
                return
        if 'data-testid="negotiation-form"' not in panel:
            count("outcomes", "offer skipped (one is pending)")
            return
        total = amount_of(attr(panel, "offer-total", "placeholder"))
        if not total:
            return
        form = {
            "kind": "instalment",
            "total": f"{total:.2f}",
            "instalments": "12",
            "first_payment": "",
            "first_due": some_day(attr(panel, "offer-due", "min"), None),
            "every_days": "30",
            "reason": "floor benchmark",
        }
        status, _, headers = self.call(
            "POST", f"/cases/{case_id}/arrangements", "/cases/[id]/arrangements", data=form, htmx=True
        )
        count("outcomes", f"offer {status}")
        self.case_changed(case_id, headers)


class Supervisor(FloorUser):
    """A supervisor: the approvals (approves one if any waits), the team queue, a case of the team."""

    weight = 2
    usernames = ("supervisor",)

    @task
    def look_over(self) -> None:
        if not self.ready():
            return
        count("outcomes", "supervisor iteration")
        status, html, _ = self.call("GET", "/approvals", "/approvals")
        waiting = APPROVE.findall(html) if status == 200 else []
        if waiting:
            self.think()
            offer = random.choice(waiting)
            status, _, _ = self.call(
                "POST", f"/approvals/{offer}/approve", "/approvals/[id]/approve", data={"note": ""}, htmx=True
            )
            count("outcomes", f"approve {status}")
        self.think()
        status, html, _ = self.call("GET", "/queue?all=1", "/queue?all=1")
        cases = CASE_LINK.findall(html) if status == 200 else []
        if cases:
            self.think()
            self.open_case(int(random.choice(cases[:50])))
        self.think()


class Viewer(FloorUser):
    """The creditor's read-only viewer: its portfolio (where it lands), the outbox, and case pages of its
    creditor (from links it sees)."""

    weight = 2
    usernames = ("bank_viewer",)

    @task
    def read(self) -> None:
        if not self.ready():
            return
        count("outcomes", "viewer iteration")
        status, html, _ = self.call("GET", "/portfolio", "/portfolio")
        cases = CASE_LINK.findall(html) if status == 200 else []
        if random.random() < 0.3:
            self.call("GET", "/outbox", "/outbox")
        if cases:
            self.think()
            self.open_case(int(random.choice(cases)))
        self.think()


MIXED = os.environ.get("FLOOR_MODE") == "mixed"


class MixedReader(FloorUser):
    """The issue's first stall: a collector's session loading the queue and a case page of it in a loop,
    with no pauses (20 of them). Only with FLOOR_MODE=mixed."""

    abstract = not MIXED
    fixed_count = 20
    wait_time = constant(0)
    usernames = COLLECTORS

    def on_start(self) -> None:
        self.log_in()

    @task
    def browse(self) -> None:
        if not self.ready():
            return
        status, html, _ = self.call("GET", "/queue", "/queue")
        cases = CASE_LINK.findall(html) if status == 200 else []
        if cases:
            self.call("GET", f"/cases/{random.choice(cases)}", "/cases/[id]")


class MixedWriter(FloorUser):
    """...beside 2 sessions each recording a contact every 0.5 s on the case they took with "Next case"
    (a case is worked by whoever holds it). Only with FLOOR_MODE=mixed."""

    abstract = not MIXED
    fixed_count = 2
    wait_time = constant_pacing(0.5)
    usernames = COLLECTORS
    cases: list[str] = []

    def on_start(self) -> None:
        if self.log_in():
            self.call("GET", "/queue", "/queue")  # the session's token
            status, _, headers = self.call("POST", "/queue/next", "/queue/next")
            found = re.fullmatch(r"/cases/(\d+)", headers.get("location", ""))
            self.cases = [found.group(1)] if status == 303 and found else []

    @task
    def record(self) -> None:
        if not self.ready() or not self.cases:
            return
        case_id = random.choice(self.cases)
        form = {
            "who": "debtor",
            "channel": "call",
            "direction": "inbound",
            "outcome": "callback",
            "notes": "floor benchmark: mixed load",
            "duration_min": "2",
        }
        status, _, _ = self.call(
            "POST", f"/cases/{case_id}/contacts", "/cases/[id]/contacts", data=form, htmx=True
        )
        count("outcomes", f"contact {status}")


class HealthFloor(FastHttpUser):
    """The machine's floor: GET /health (one query, nothing else), no pauses. Only with FLOOR_MODE=health."""

    abstract = os.environ.get("FLOOR_MODE") != "health"
    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    @task
    def health(self) -> None:
        with self.client.get("/health", name="/health", catch_response=True) as response:
            status = int(response.status_code or 0)
            if status == 0:
                count("connection_errors", f"GET /health {type(getattr(response, 'error', None)).__name__}")
                response.failure("no answer")
            elif status != 200:
                count("server_errors" if status >= 500 else "other_failures", f"GET /health {status}")
                response.failure(f"status {status}")
            else:
                response.success()
