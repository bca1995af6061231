"""An id in an address that no row can have (past 2^63, zero, negative) is refused (404 or 422) on every
route that takes one, never a server error: the route table is walked, so a new route is covered too."""

from __future__ import annotations

import re

from fastapi.routing import iter_route_contexts
from tests.support.floor import Floor
from tests.support.web import login_client

from huikuan.web.app import create_app

BAD_IDS = (2**63, 2**64, 10**30, -1, 0)
PARAMETER = re.compile(r"\{(\w+_id)\}")  # an id; other parameters (a user name) are not numbers


def test_an_impossible_id_in_any_path_is_refused_never_a_server_error(floor: Floor, db_env: str) -> None:
    app = create_app(db_env)
    client = login_client(app, "sue")
    with_ids = [
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        for method in sorted(route.methods or ())
        if method != "HEAD" and PARAMETER.search(str(route.path))
    ]
    assert len(with_ids) > 20
    wrong = []
    for method, path in with_ids:
        for bad in BAD_IDS:
            url = PARAMETER.sub(str(bad), path)
            body = {"json": {}} if path.startswith("/api/") else {"data": {}}
            try:
                response = client.request(
                    method, url, follow_redirects=False, **(body if method != "GET" else {})
                )
            except Exception as exc:  # the test client re-raises what the app did not answer
                wrong.append(f"{method} {url}: {type(exc).__name__}")
                continue
            if response.status_code not in (404, 422):
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
