"""A call's recording, streamed to the case timeline's player: `GET /calls/{call_id}/recording`.

Who may play it: services/recording_playback.py (404 to anyone else, as for a call that does not exist).
One byte range (`Range: bytes=a-b`, `a-` or `-n`) is answered 206 so that the player can seek; every
answer with audio is audited.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from huikuan.services.recording_playback import read_recording
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router

router = page_router()

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
HEADERS = {
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
}


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte a `Range` header asks for, None for the whole file (no header, or one
    this route does not serve: several ranges, other units); (size, size) when it cannot be satisfied."""
    found = RANGE.match((header or "").strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if first == "":  # the last n bytes
        n = int(last)
        return (max(size - n, 0), size - 1) if n > 0 and size else (size, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else (size, size)


@router.get("/calls/{call_id}/recording")
def play_recording(request: Request, call_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The recording's audio to whoever may play it, whole or the byte range asked for; audited."""
    asked = request.headers.get("range")
    recording = read_recording(uow, viewer, call_id, byte_range=asked)
    data, size = recording.data, len(recording.data)
    span = byte_range(asked, size)
    if span is None:
        return Response(data, media_type=recording.content_type, headers=HEADERS)
    start, end = span
    if start >= size:
        return Response(b"", status_code=416, headers={**HEADERS, "Content-Range": f"bytes */{size}"})
    return Response(
        data[start : end + 1],
        status_code=206,
        media_type=recording.content_type,
        headers={**HEADERS, "Content-Range": f"bytes {start}-{end}/{size}"},
    )
