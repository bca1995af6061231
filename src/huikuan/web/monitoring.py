"""What a load balancer and a monitoring system ask: GET /health (is this process fit to serve) and GET
/metrics (Prometheus' text format, huikuan.metrics).

/metrics says how much work is done and by which routes, nothing of the data, but still only to whom may
ask: with HUIKUAN_METRICS_TOKEN set, a request carrying `Authorization: Bearer <token>`; without it, a
request from the loopback address only (a Prometheus on the same machine, or one behind a proxy that
sends the token).
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from huikuan import __version__
from huikuan.config import get_settings
from huikuan.metrics import exposition
from huikuan.services.health import ReplicaHealth, check_health, check_replica
from huikuan.storage.engine import get_engine

router = APIRouter()


@router.get(
    "/health",
    tags=["health"],
    responses={503: {"description": "The database cannot be written or its schema is not current"}},
)
def health(request: Request) -> Any:
    """200 when the database takes writes and its schema is the newest migration; else 503 with the
    reason. With a read replica, its state and lag beside (a replica down never makes this 503)."""
    report = check_health(get_engine(request.app.state.database_url))
    body: dict[str, Any] = {
        "status": "ok" if report.ok else "unavailable",
        "version": __version__,
        "database": report.database,
    }
    reader = request.app.state.read_engine
    if reader is not None:
        lag = check_replica(reader).lag_seconds
        body["read_replica"] = (
            {"status": "unavailable", "reason": ReplicaHealth.reason}
            if lag is None
            else {"status": "ok", "lag_seconds": round(lag, 3)}
        )
    if not report.ok:
        return JSONResponse({**body, "reason": report.reason}, status_code=503)
    return body


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The process's metrics, to the bearer of HUIKUAN_METRICS_TOKEN, or (without one) to loopback."""
    token = get_settings().metrics_token
    if token:
        given = _bearer(request)
        if given is None:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if not secrets.compare_digest(given.encode(), token.encode()):
            return Response(status_code=403)
    elif not _loopback(request):
        return Response(status_code=403)
    reader = request.app.state.read_engine
    body, content_type = exposition(None if reader is None else check_replica(reader))
    return Response(body, media_type=content_type)
