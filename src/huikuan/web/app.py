"""The FastAPI application: the JSON API under /api/v1, its docs at /docs, a health check."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from huikuan import __version__
from huikuan.config import get_settings
from huikuan.errors import HuikuanError, NotFound
from huikuan.i18n import gettext as _
from huikuan.i18n import normalize_locale
from huikuan.storage.engine import get_engine


def create_app(database_url: str | None = None) -> FastAPI:
    url = database_url or get_settings().database_url
    app = FastAPI(
        title="Huikuan API", version=__version__, docs_url="/docs", openapi_url="/api/v1/openapi.json"
    )
    app.state.database_url = url

    @app.exception_handler(HuikuanError)
    async def _huikuan_error(_request: Request, exc: HuikuanError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, NotFound) else 422)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability."""
        with get_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": get_engine(url).dialect.name}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> str:
        locale = normalize_locale(request.headers.get("accept-language", "zh_CN").split(",")[0])
        title = _("Huikuan — compliant debt collection", locale)
        docs = _("API documentation", locale)
        return (
            f'<!doctype html><html lang="{locale.replace("_", "-")}"><meta charset="utf-8">'
            f"<title>{title}</title><h1>{title}</h1>"
            f'<p><a href="/docs">{docs}</a> · <a href="/health">health</a></p></html>'
        )

    try:
        from huikuan.web.api.compliance import router as compliance_router
    except ImportError:  # pragma: no cover - the gate's API ships with the compliance package
        pass
    else:
        app.include_router(compliance_router)
    return app
