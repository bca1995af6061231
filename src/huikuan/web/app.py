"""The FastAPI application: the workbench pages, the JSON API under /api/v1 with its docs at /docs,
static files, the favicon, and a health check.

/docs is Swagger UI served from /static/swagger-ui (vendored from npm, see package.json), never from a
CDN: the docs work on a floor without Internet access."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from huikuan import __version__
from huikuan.config import get_settings
from huikuan.local_secrets import local_secret
from huikuan.storage.engine import get_engine
from huikuan.web import errors
from huikuan.web.api import admin as api_admin
from huikuan.web.api import cases as api_cases
from huikuan.web.api import compliance as api_compliance
from huikuan.web.api import contacts as api_contacts
from huikuan.web.api import negotiation as api_negotiation
from huikuan.web.api import outbox as api_outbox
from huikuan.web.api import portfolio as api_portfolio
from huikuan.web.api import privacy as api_privacy
from huikuan.web.api import queue as api_queue
from huikuan.web.api import session as api_session
from huikuan.web.capacity import Admission
from huikuan.web.scheduler import attach
from huikuan.web.ui import admin as ui_admin
from huikuan.web.ui import auth as ui_auth
from huikuan.web.ui import case as ui_case
from huikuan.web.ui import contact as ui_contact
from huikuan.web.ui import negotiation as ui_negotiation
from huikuan.web.ui import outbox as ui_outbox
from huikuan.web.ui import portfolio as ui_portfolio
from huikuan.web.ui import queue as ui_queue

STATIC = Path(__file__).with_name("static")
OPENAPI_URL = "/api/v1/openapi.json"
# Each area's pages (web/ui) and JSON endpoints (web/api), in the order their routes are matched.
ROUTERS = (
    ui_auth.router,
    ui_queue.router,
    ui_portfolio.router,
    ui_case.router,
    ui_contact.router,
    ui_negotiation.router,
    ui_outbox.router,
    ui_admin.router,
    api_session.router,
    api_admin.router,
    api_compliance.router,
    api_queue.router,
    api_portfolio.router,
    api_cases.router,
    api_contacts.router,
    api_negotiation.router,
    api_outbox.router,
    api_privacy.router,
)


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
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI on the OpenAPI document, from /static only (no validator badge calling out)."""
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="Huikuan API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """Where browsers look for the site's icon by default (pages also link /static/favicon.svg)."""
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability."""
        with get_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": get_engine(url).dialect.name}

    for router in ROUTERS:
        app.include_router(router)
    if run_jobs and settings.run_jobs:
        attach(app, get_engine(url))
    return app


def serving_app() -> FastAPI:
    """What `huikuan serve` runs: the app, with the due jobs inside it only if HUIKUAN_RUN_JOBS is true."""
    return create_app(run_jobs=True)
