"""The FastAPI application: the workbench pages, the JSON API under /api/v1 with its docs at /docs,
static files, the favicon, and a health check.

/docs is Swagger UI served from /static/swagger-ui (vendored from npm, see package.json), never from a
CDN: the docs work on a floor without Internet access."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from huikuan import __version__
from huikuan.config import get_settings
from huikuan.local_secrets import local_secret
from huikuan.logs import configure_logging
from huikuan.services.debtor_disputes import MAX_FILE_BYTES, MAX_FILES
from huikuan.storage.engine import get_engine, read_engine
from huikuan.web import errors, monitoring
from huikuan.web.api import admin as api_admin
from huikuan.web.api import admin_config as api_admin_config
from huikuan.web.api import admin_people as api_admin_people
from huikuan.web.api import call_callbacks as api_call_callbacks
from huikuan.web.api import call_reviews as api_call_reviews
from huikuan.web.api import calls as api_calls
from huikuan.web.api import cases as api_cases
from huikuan.web.api import compliance as api_compliance
from huikuan.web.api import contacts as api_contacts
from huikuan.web.api import debtors as api_debtors
from huikuan.web.api import disputes as api_disputes
from huikuan.web.api import exports as api_exports
from huikuan.web.api import holds as api_holds
from huikuan.web.api import imports as api_imports
from huikuan.web.api import inbound as api_inbound
from huikuan.web.api import inbound_admin as api_inbound_admin
from huikuan.web.api import negotiation as api_negotiation
from huikuan.web.api import notices as api_notices
from huikuan.web.api import outbox as api_outbox
from huikuan.web.api import payment_links as api_payment_links
from huikuan.web.api import payments as api_payments
from huikuan.web.api import persons as api_persons
from huikuan.web.api import portal as api_portal
from huikuan.web.api import portfolio as api_portfolio
from huikuan.web.api import power as api_power
from huikuan.web.api import privacy as api_privacy
from huikuan.web.api import queue as api_queue
from huikuan.web.api import record as api_record
from huikuan.web.api import reports as api_reports
from huikuan.web.api import scope as api_scope
from huikuan.web.api import search as api_search
from huikuan.web.api import session as api_session
from huikuan.web.api import sms_callbacks as api_sms_callbacks
from huikuan.web.api import wechat as api_wechat
from huikuan.web.api import workload as api_workload
from huikuan.web.capacity import Admission
from huikuan.web.debtor_session import DebtorSessionMiddleware
from huikuan.web.headers import SecurityHeaders
from huikuan.web.limits import BodyLimits
from huikuan.web.observe import RequestLog
from huikuan.web.scheduler import attach
from huikuan.web.ui import admin as ui_admin
from huikuan.web.ui import admin_audit as ui_admin_audit
from huikuan.web.ui import admin_hub as ui_admin_hub
from huikuan.web.ui import admin_teams as ui_admin_teams
from huikuan.web.ui import admin_users as ui_admin_users
from huikuan.web.ui import auth as ui_auth
from huikuan.web.ui import call_reviews as ui_call_reviews
from huikuan.web.ui import calls as ui_calls
from huikuan.web.ui import case as ui_case
from huikuan.web.ui import contact as ui_contact
from huikuan.web.ui import creditor_admin as ui_creditor_admin
from huikuan.web.ui import debtor as ui_debtor
from huikuan.web.ui import debtor_money as ui_debtor_money
from huikuan.web.ui import disputes as ui_disputes
from huikuan.web.ui import exports as ui_exports
from huikuan.web.ui import facts as ui_facts
from huikuan.web.ui import holds as ui_holds
from huikuan.web.ui import imports as ui_imports
from huikuan.web.ui import inbound_admin as ui_inbound_admin
from huikuan.web.ui import money_terms as ui_money_terms
from huikuan.web.ui import monthly_reports as ui_monthly_reports
from huikuan.web.ui import negotiation as ui_negotiation
from huikuan.web.ui import notices as ui_notices
from huikuan.web.ui import outbox as ui_outbox
from huikuan.web.ui import payment_links as ui_payment_links
from huikuan.web.ui import payments as ui_payments
from huikuan.web.ui import person as ui_person
from huikuan.web.ui import portal as ui_portal
from huikuan.web.ui import portfolio as ui_portfolio
from huikuan.web.ui import power as ui_power
from huikuan.web.ui import queue as ui_queue
from huikuan.web.ui import record as ui_record
from huikuan.web.ui import recordings as ui_recordings
from huikuan.web.ui import reports as ui_reports
from huikuan.web.ui import requests_panel as ui_requests_panel
from huikuan.web.ui import scope as ui_scope
from huikuan.web.ui import search as ui_search
from huikuan.web.ui import statements as ui_statements
from huikuan.web.ui import template_admin as ui_template_admin
from huikuan.web.ui import wechat as ui_wechat
from huikuan.web.ui import workload as ui_workload

STATIC = Path(__file__).with_name("static")
OPENAPI_URL = "/api/v1/openapi.json"
# Each area's pages (web/ui) and JSON endpoints (web/api), in the order their routes are matched.
ROUTERS = (
    ui_auth.router,
    ui_queue.router,
    ui_portfolio.router,
    ui_portal.router,
    ui_case.router,
    ui_calls.router,
    ui_power.router,
    ui_record.router,
    ui_recordings.router,
    ui_contact.router,
    ui_facts.router,
    ui_holds.router,
    ui_negotiation.router,
    ui_notices.router,
    ui_outbox.router,
    ui_person.router,
    ui_admin.router,
    ui_admin_hub.router,
    ui_admin_users.router,
    ui_admin_teams.router,
    ui_admin_audit.router,
    ui_inbound_admin.router,
    ui_disputes.router,
    ui_payments.router,
    ui_money_terms.router,
    ui_payment_links.router,
    ui_requests_panel.router,
    ui_wechat.router,
    ui_statements.router,
    ui_scope.router,
    ui_creditor_admin.router,
    ui_template_admin.router,
    ui_imports.router,
    ui_search.router,
    ui_workload.router,
    ui_exports.router,
    ui_reports.router,
    ui_monthly_reports.router,
    ui_call_reviews.router,
    api_session.router,
    api_admin.router,
    api_admin_config.router,
    api_admin_people.router,
    api_compliance.router,
    api_queue.router,
    api_portfolio.router,
    api_portal.router,
    api_cases.router,
    api_record.router,
    api_contacts.router,
    api_debtors.router,
    api_holds.router,
    api_negotiation.router,
    api_notices.router,
    api_outbox.router,
    api_inbound.router,
    api_inbound_admin.router,
    api_sms_callbacks.router,
    api_calls.router,
    api_power.router,
    api_call_callbacks.router,
    api_privacy.router,
    api_persons.router,
    api_disputes.router,
    api_payments.router,
    api_payment_links.router,
    api_wechat.router,
    api_scope.router,
    api_imports.router,
    api_search.router,
    api_workload.router,
    api_reports.router,
    api_exports.router,
    api_call_reviews.router,
    # The debtor's own pages (/d) come after every other, their private link's GET /d/{token} last of all:
    # a page such as /d/pay is never read as a token.
    ui_debtor.router,
    ui_debtor_money.router,
    ui_debtor.link_router,
)

DEBTOR_DISPUTE_MAX_BYTES = MAX_FILES * MAX_FILE_BYTES + 64 * 1024
UPLOAD_PREFIXES = ("/api/v1/disputes/", "/api/v1/complaints/", "/disputes/", "/complaints/")
UPLOAD_SUFFIXES = ("/payments", "/payments/preview")  # a proof: /cases/{id}/payments, its check, the API
IMPORT_PREFIXES = ("/imports", "/api/v1/imports")  # placement, payment and recall files (import_jobs.py)


# Swagger UI, started by /static/docs.js: the Content-Security-Policy (web/headers.py) allows no
# inline script.
DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Huikuan API</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/docs.js"></script>
</head>
<body><div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div></body>
</html>
"""


def session_secret() -> str:
    """HUIKUAN_SECRET_KEY, or a random key made once and kept in var/secret_key (owner-only)."""
    return local_secret("secret_key", get_settings().secret_key)


def create_app(database_url: str | None = None, *, run_jobs: bool = False) -> FastAPI:
    """The app; `run_jobs` starts the due-jobs loop in the background when HUIKUAN_RUN_JOBS is true (by
    default the jobs run in their own process, `huikuan jobs worker`)."""
    settings = get_settings()
    url = database_url or settings.database_url
    app = FastAPI(
        title="Huikuan API",
        version=__version__,
        docs_url=None,  # served below from the vendored assets
        redoc_url=None,
        openapi_url=OPENAPI_URL,
    )
    app.state.database_url = url
    app.state.read_engine = read_engine(settings)  # the read replica's, if there is one
    # Inside the session (added first, so it runs second): a request turned away is answered in the
    # language of its session.
    app.add_middleware(Admission, limit=settings.db_pool_size, wait_s=settings.db_pool_timeout)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(),
        session_cookie="huikuan_session",
        max_age=settings.session_hours * 3600,  # the server ends the session itself (sessions.py)
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    # Outside the session: a body too large is refused before anything reads it, and every answer,
    # errors and refusals included, carries the security headers.
    app.add_middleware(
        BodyLimits,
        default=settings.max_body_bytes,
        by_prefix={
            api_compliance.router.prefix: settings.compliance_max_body_bytes,
            # Documents are uploaded here (services/documents.py refuses beyond the limit itself).
            **dict.fromkeys(UPLOAD_PREFIXES, settings.document_max_bytes + 64 * 1024),
            **dict.fromkeys(IMPORT_PREFIXES, settings.import_max_bytes + 64 * 1024),
            # The debtor's dispute and its few documents (services/debtor_disputes.py checks each).
            "/d/dispute": DEBTOR_DISPUTE_MAX_BYTES,
            api_call_callbacks.router.prefix: api_call_callbacks.CALLBACK_MAX_BYTES,
        },
        by_suffix=dict.fromkeys(UPLOAD_SUFFIXES, settings.document_max_bytes + 64 * 1024),
    )
    # The debtor's own session, on /d only, apart from the staff's (web/debtor_session.py).
    app.add_middleware(DebtorSessionMiddleware)
    app.add_middleware(RequestLog)  # its request id, timing and error log cover all the above
    app.add_middleware(SecurityHeaders, https=settings.cookie_secure)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI on the OpenAPI document, from /static only (no validator badge calling out)."""
        return HTMLResponse(DOCS_PAGE)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """Where browsers look for the site's icon by default (pages also link /static/favicon.svg)."""
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    app.include_router(monitoring.router)  # /health and /metrics
    for router in ROUTERS:
        app.include_router(router)
    if run_jobs and settings.run_jobs:
        attach(app, get_engine(url))
    return app


def serving_app() -> FastAPI:
    """What `huikuan serve` runs (in each of its worker processes): the app, logging JSON lines, with the
    due jobs inside it only if HUIKUAN_RUN_JOBS is true."""
    configure_logging()
    return create_app(run_jobs=True)
