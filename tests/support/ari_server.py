"""A local stand-in for Asterisk's ARI (docs.asterisk.org, "Asterisk REST Interface"): HTTP basic auth,
the REST resources Huikuan uses (bridges, channels, recordings) and the event WebSocket /ari/events?app=,
on which it plays each call's life with its own clock: the collector's leg rings and answers (or not),
the debtor's leg rings and answers (or not: no answer, busy), they talk, one hangs up.

What it was asked is kept in `requests` (method, path, query); the recordings it stores are WAV bytes.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from tests.support.server import running

USER, PASSWORD = "huikuan", "ari-secret"
START = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)


@dataclass
class Script:
    """How the next calls go."""

    agent_answers: bool = True
    agent_ring_s: int = 3
    debtor_answers: bool = True
    debtor_ring_s: int = 5
    debtor_cause: int = 19  # when the debtor does not answer: 19 no answer, 17 busy
    talk_s: int = 42
    hangs_up: str = "debtor"  # the leg that hangs up after the talk: "debtor" or "agent"
    unknown: tuple[str, ...] = ()  # endpoints the PBX has not configured


@dataclass
class Channel:
    id: str
    endpoint: str
    args: list[str]
    created: datetime
    state: str = "Down"
    in_stasis: bool = False
    announce: bool = False

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": f"{self.endpoint}-00000001",
            "state": self.state,
            "caller": {"name": "", "number": ""},
            "connected": {"name": "", "number": ""},
            "accountcode": "",
            "dialplan": {"context": "default", "exten": "s", "priority": 1},
            "creationtime": _ari_time(self.created),
            "language": "en",
        }


def _ari_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def wav(seconds: int) -> bytes:
    """A WAV file's header and `seconds` of 8 kHz 16-bit silence, shortened: enough to tell it apart."""
    data = b"\x00\x00" * 80 * seconds
    return b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt " + b"\x00" * 16 + b"data" + data


@dataclass
class LocalAri:
    script: Script = field(default_factory=Script)
    clock: datetime = START
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)
    bridges: dict[str, list[str]] = field(default_factory=dict)
    recordings: dict[str, bytes] = field(default_factory=dict)
    live: dict[str, str] = field(default_factory=dict)  # bridge -> the recording being made
    queues: list[asyncio.Queue[dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    # --- events ---
    def emit(self, kind: str, channel: Channel | None = None, **fields: Any) -> None:
        event: dict[str, Any] = {"type": kind, "application": "huikuan", "timestamp": _ari_time(self.clock)}
        if channel is not None:
            event["channel"] = channel.json()
        event.update(fields)
        for queue in self.queues:
            queue.put_nowait(event)

    def answer(self, channel: Channel) -> None:
        channel.state = "Up"
        self.emit("ChannelStateChange", channel)
        channel.in_stasis = True
        self.emit("StasisStart", channel, args=channel.args)

    def destroy(self, channel: Channel, cause: int, cause_txt: str) -> None:
        self.channels.pop(channel.id, None)
        for members in self.bridges.values():
            if channel.id in members:
                members.remove(channel.id)
        self.emit("ChannelHangupRequest", channel, cause=cause)
        if channel.in_stasis:
            self.emit("StasisEnd", channel)
        channel.state = "Down"
        self.emit("ChannelDestroyed", channel, cause=cause, cause_txt=cause_txt)
        for bridge, name in list(self.live.items()):
            if len(self.bridges.get(bridge, [])) < 2:
                self.recordings[name] = wav(self.script.talk_s)
                del self.live[bridge]
                self.emit("RecordingFinished", recording={"name": name, "format": "wav", "state": "done"})

    def originate(self, params: dict[str, str]) -> Channel:
        args = params.get("appArgs", "").split(",")
        channel = Channel(params["channelId"], params["endpoint"], args, self.clock)
        channel.announce = args[0] == "agent" and len(args) > 3 and args[3] == "1"
        self.channels[channel.id] = channel
        channel.state = "Ringing"
        self.emit("ChannelStateChange", channel)
        agent = args[0] == "agent"
        answers = self.script.agent_answers if agent else self.script.debtor_answers
        self.clock += timedelta(seconds=self.script.agent_ring_s if agent else self.script.debtor_ring_s)
        if answers:
            self.answer(channel)
        elif agent:
            self.destroy(channel, 19, "No user responding")
        else:
            cause = self.script.debtor_cause
            self.destroy(channel, cause, "User busy" if cause == 17 else "No answer")
        return channel

    def talk_then_hang_up(self, bridge: str) -> None:
        self.clock += timedelta(seconds=self.script.talk_s)
        leg = self.channels.get(f"{bridge}-{self.script.hangs_up}")
        if leg is not None:
            self.destroy(leg, 16, "Normal Clearing")

    def announced(self, bridge: str) -> bool:
        agent = self.channels.get(f"{bridge}-agent")
        return bool(agent and agent.announce)

    def asked(self, method: str, path: str) -> list[dict[str, str]]:
        """The queries of every request of that method to that path (under /ari)."""
        return [query for m, p, query in self.requests if m == method and p == path]

    # --- HTTP ---
    async def rest(self, request: Request) -> Response:
        if not _authorised(request.headers.get("authorization", "")):
            return JSONResponse({"message": "Authentication required"}, status_code=401)
        path = "/" + request.path_params["path"]
        query = dict(request.query_params)
        self.requests.append((request.method, path, query))
        parts = path.strip("/").split("/")
        method = request.method
        if method == "POST" and path == "/bridges":
            self.bridges[query["bridgeId"]] = []
            return JSONResponse({"id": query["bridgeId"], "technology": "simple_bridge", "channels": []})
        if method == "POST" and path == "/channels":
            if "endpoint" not in query or ("app" not in query and "extension" not in query):
                return JSONResponse({"message": "Endpoint and app or extension required"}, status_code=400)
            if query["endpoint"] in self.script.unknown:
                return JSONResponse({"message": "Endpoint not found"}, status_code=400)
            return JSONResponse(self.originate(query).json())
        if parts[0] == "bridges" and len(parts) >= 2:
            return self.bridge_request(method, parts[1], parts[2:], query)
        if parts[0] == "channels" and len(parts) >= 2:
            channel = self.channels.get(parts[1])
            if channel is None:
                return JSONResponse({"message": "Channel not found"}, status_code=404)
            if method == "DELETE" and len(parts) == 2:
                self.destroy(channel, 16, "Normal Clearing")
            return Response(status_code=204)
        if parts[:2] == ["recordings", "stored"] and len(parts) == 4 and parts[3] == "file":
            if parts[2] not in self.recordings:
                return JSONResponse({"message": "Recording not found"}, status_code=404)
            return Response(self.recordings[parts[2]], media_type="audio/wav")
        if parts[:2] == ["recordings", "stored"] and len(parts) == 2:
            return JSONResponse([{"name": n, "format": "wav"} for n in self.recordings])
        return JSONResponse({"message": "Invalid method"}, status_code=405)

    def bridge_request(self, method: str, bridge: str, rest: list[str], query: dict[str, str]) -> Response:
        if bridge not in self.bridges:
            return JSONResponse({"message": "Bridge not found"}, status_code=404)
        if method == "DELETE" and not rest:
            del self.bridges[bridge]
            return Response(status_code=204)
        action = rest[0] if rest else ""
        if action == "addChannel":
            channel = self.channels.get(query.get("channel", ""))
            if channel is None:
                return JSONResponse({"message": "Channel not found"}, status_code=400)
            if not channel.in_stasis:
                return JSONResponse({"message": "Channel not in Stasis application"}, status_code=422)
            self.bridges[bridge].append(channel.id)
            return Response(status_code=204)
        if action == "record":
            self.live[bridge] = query["name"]
            if not self.announced(bridge):
                self.talk_then_hang_up(bridge)
            return JSONResponse({"name": query["name"], "format": query["format"], "state": "recording"}, 201)
        if action == "play":
            self.talk_then_hang_up(bridge)
            return JSONResponse({"id": "playback-1", "media_uri": query["media"], "state": "queued"}, 201)
        return JSONResponse({"message": "Invalid method"}, status_code=405)

    async def events(self, socket: WebSocket) -> None:
        if not _authorised(socket.headers.get("authorization", "")) or not socket.query_params.get("app"):
            await socket.close(code=1008)
            return
        await socket.accept()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.queues.append(queue)

        async def pump() -> None:
            while True:
                await socket.send_text(json.dumps(await queue.get()))

        pumping = asyncio.create_task(pump())
        try:
            while (await socket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            pumping.cancel()
            self.queues.remove(queue)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                WebSocketRoute("/ari/events", self.events),
                Route("/ari/{path:path}", self.rest, methods=["GET", "POST", "DELETE", "PUT"]),
            ]
        )


def _authorised(header: str) -> bool:
    return header == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@contextmanager
def local_ari() -> Iterator[LocalAri]:
    """A stand-in ARI serving on loopback until the block ends; its `url` is the ARI base (…/ari)."""
    server = LocalAri()
    with running(server.app(), ws="wsproto") as base:  # type: ignore[arg-type]
        server.url = f"{base}/ari"
        yield server
