"""The JSON API under schemathesis: every operation of the OpenAPI document, fuzzed by a signed-in
browser's session, answers no server error, and what it answers conforms to what the document says.

The app is create_app() on the test database with the floor of tests/support/floor.py and an offer
awaiting approval on each case. sue (supervisor: she may do the most) logs in through the login form;
every call carries her session cookie and her session's X-CSRF-Token, as the pages' scripts do. The
creditor viewer vic and the administrator ada do the same for what sue is refused (OTHERS: the portfolio
and the portal; the administrators' and the personal-data operations).

Schemathesis runs as its command line does (its engine: examples, coverage of the schema's edges,
fuzzing, stateful sequences), with a fixed seed and a bounded number of examples per operation: the same
requests on every run. Half the time a field takes a value of its dictionary (PARAMETERS): the floor's
real ids, among them the integers at the edges of what a database holds, and each field's real words, so
that fuzzed requests get past the 404s and the 422s to the services.

Checked: no 5xx (counted on every answer by a wrapper around the app, whatever schemathesis keeps), the
response body against the documented schema of its status, and the content type. Not checked: that every
status code is documented, and the negative-data checks (an unknown query parameter is ignored, not
refused), which are opinions on API design rather than faults.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from sqlalchemy import Engine, select
from starlette.types import ASGIApp, Receive, Scope, Send
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.offers import offer_and_letter
from tests.support.web import login_client

from huikuan.domain.enums import ArrangementKind, Channel, DelinquencyReason, Direction, Outcome
from huikuan.domain.ids import MAX_ID
from huikuan.services.negotiation import NEGOTIATION_REASONS
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import OPENAPI_URL, create_app

SEED = 20261120
EXAMPLES = 60  # per operation, in the fuzzing phase
CHECKS = ("not_a_server_error", "response_schema_conformance", "content_type_conformance")
# Operations sue is refused (403) whatever she sends: fuzzed again as the persona who may use them.
OTHERS = {"vic": r"^/api/v1/(portfolio$|portal/)", "ada": r"^/api/v1/(admin|privacy)/"}


@dataclass
class Tally:
    """Every answer the app gave: (method, path, status) -> how many."""

    statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    def server_errors(self) -> list[str]:
        return sorted(f"{m} {p}: {s} x{n}" for (m, p, s), n in self.statuses.items() if s >= 500)


def tallied(app: ASGIApp, tally: Tally) -> ASGIApp:
    """`app`, counting the status of every answer it starts."""

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def spy(message: Any) -> None:
            if message["type"] == "http.response.start":
                tally.statuses[(scope["method"], scope["path"], message["status"])] += 1
            await send(message)

        await app(scope, receive, spy)

    return counted


@dataclass
class Site:
    app: FastAPI
    tally: Tally
    ids: dict[str, list[int]]  # the floor's real ids: cases, offers, contact points, parties


@pytest.fixture
def site(floor: Floor, db_env: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Site:
    letters = tmp_path / "letters"
    letters.mkdir()
    # The compliance endpoint's rate limit (its own tests check it) would answer most calls 429.
    use_settings(
        monkeypatch, letters_dir=str(letters), sms_token="provider-token", compliance_rate_per_minute="0"
    )
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    with engine.connect() as conn:
        cases = list(conn.execute(select(t.cases.c.id)).scalars())
        points = list(conn.execute(select(t.contact_points.c.id)).scalars())
        parties = list(conn.execute(select(t.parties.c.id)).scalars())
        debtors = list(conn.execute(select(t.debtors.c.id)).scalars())
    offers = [offer_and_letter(engine, case, floor.users["alice"], letters)[0] for case in cases]
    ids = {"cases": cases, "offers": offers, "points": points, "parties": parties, "debtors": debtors}
    return Site(create_app(db_env), Tally(), ids)


def _dictionaries(site: Site) -> dict[str, list[Any]]:
    """Values the fuzzer mixes into what it generates (schemathesis's dictionaries): the floor's real ids
    and, among them, the integers at the edges of what a database holds; each field's real words."""
    soon = date.today() + timedelta(days=7)
    edges = [0, -1, MAX_ID, MAX_ID + 1, 2**64]
    return {
        **{name: ids + edges for name, ids in site.ids.items()},
        "edges": edges,
        "outcomes": [o.value for o in Outcome],
        "channels": [c.value for c in Channel],
        "templates": ["reminder", "demand", "promise_reminder", "arrangement_confirmation"],
        "kinds": [k.value for k in ArrangementKind],
        "levels": ["low", "medium", "high"],
        "reasons": [*NEGOTIATION_REASONS, *(r.value for r in DelinquencyReason)],
        "whats": ["national_id", "contact_point"],
        "amounts": ["100", "1200.50", "12000.00"],
        "counts": [1, 3, "6", 30],
        "days": [soon.isoformat(), (soon + timedelta(days=30)).isoformat()],
        "directions": [d.value for d in Direction],
        "locales": ["zh_CN", "en"],
        # Never ada, who fuzzes the administrators' operations: her own session must outlive them.
        "users": ["alice", "bob", "carol", "vic", "nobody"],
    }


# Where each dictionary is mixed in, and how often.
PARAMETERS = {
    "path.case_id": "cases",
    "path.arrangement_id": "offers",
    "path.debtor_id": "debtors",
    "body.debtor_id": "debtors",
    "path.username": "users",
    "body.username": "users",
    "body.case_ids[*]": "cases",
    "body.contact_point_id": "points",
    "body.party": "parties",
    "body.outcome": "outcomes",
    "body.channel": "channels",
    "body.next_channel": "channels",
    "body.template": "templates",
    "body.kind": "kinds",
    "body.ability": "levels",
    "body.willingness": "levels",
    "body.reason": "reasons",
    "body.what": "whats",
    "body.total": "amounts",
    "body.promise_amount": "amounts",
    "body.first_payment": "amounts",
    "body.instalments": "counts",
    "body.every_days": "counts",
    "body.first_due": "days",
    "body.promise_due": "days",
    "body.direction": "directions",
    "body.locale": "locales",
}


def _schema(site: Site, persona: str) -> Any:
    """The app's OpenAPI document as schemathesis loads it, calling as `persona` (logged in by the form)."""
    browser = login_client(site.app, persona)
    cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    assert cookies and browser.csrf
    generation = {
        "max-examples": EXAMPLES,
        "database": "none",
        "deterministic": True,
        "dictionaries": {"integer": {"dictionary": "edges", "probability": 0.05}},
    }
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Cookie": cookies, "X-CSRF-Token": browser.csrf},
            "generation": generation,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "dictionaries": {name: {"values": values} for name, values in _dictionaries(site).items()},
            "parameters": {key: {"dictionary": name, "probability": 0.5} for key, name in PARAMETERS.items()},
        }
    )
    return schemathesis.openapi.from_asgi(OPENAPI_URL, tallied(site.app, site.tally), config=config)


@dataclass
class Run:
    tested: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))


def _run(schema: Any, run: Run) -> None:
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run.tested.add(event.recorder.label)
            for case_id, interaction in event.recorder.interactions.items():
                if interaction.response is not None:
                    label = event.recorder.cases[case_id].value.operation.label
                    run.answers[label][interaction.response.status_code] += 1
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        said = f"{case.method} {case.formatted_path} {check.name}: {failure.title}"
                        run.failed.append(f"{said}: {failure.message}"[:400])
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.title}: {event.info.message}"[:400])
        elif isinstance(event, events.FatalError):
            pytest.fail(f"schemathesis stopped: {event.exception!r}")


@pytest.mark.slow
def test_every_api_operation_answers_no_server_error_and_what_it_documents(site: Site) -> None:
    run = Run()
    _run(_schema(site, "sue"), run)
    for persona, paths in OTHERS.items():
        _run(_schema(site, persona).include(path_regex=paths), run)

    operations = {
        f"{method.upper()} {path}" for path, items in site.app.openapi()["paths"].items() for method in items
    }
    assert operations - run.tested == set()
    server_errors = site.tally.server_errors()
    assert not server_errors, "\n".join([*server_errors, *sorted(set(run.errors))])
    assert not run.errors, "\n".join(sorted(set(run.errors)))
    assert not run.failed, "\n".join(sorted(set(run.failed)))
    # The session held (no 401), and the fuzzing got past the refusals to the services: most operations
    # answered a success at least once.
    assert [label for label, counts in run.answers.items() if 401 in counts] == []
    succeeded = [label for label, counts in run.answers.items() if any(200 <= s < 300 for s in counts)]
    assert len(succeeded) >= 15, sorted(succeeded)


def test_the_openapi_document_gives_the_error_body_the_api_answers(site: Site) -> None:
    browser = login_client(site.app, "sue")
    document = browser.get(OPENAPI_URL).json()
    answer = browser.get("/api/v1/outbox", params={"limit": 0})
    assert answer.status_code == 422
    body = answer.json()
    error = document["components"]["schemas"]["HTTPValidationError"]
    assert set(error["required"]) <= set(body) <= set(error["properties"])
    types = {name: error["properties"][name]["type"] for name in body}
    assert types == {"detail": "string", "error": "string"}
