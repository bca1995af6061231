"""A local WeChat official-account API, answering as WeChat documents it (errcode/errmsg JSON). The tests
start it in their own process (`wechat_server()`, re-exported by tests/support/wechat_server.py); `make run`
starts it as the demo's WeChat (HUIKUAN_WECHAT_API_URL points at it):

    .venv/bin/python bench/wechat_server.py --port 8398 --app-id wxd3m0a11ce0000001 --secret demo --open

With --open every openid follows the account and every template id is approved (the demo's openids are
made up); GET /_sent answers {"template": n, "custom": n}, what it took so far. Listens on 127.0.0.1 only,
stops on SIGTERM or Ctrl-C and by itself after --max-seconds (default 6 hours).

The API:

- GET /cgi-bin/token?grant_type=client_credential&appid&secret: an access token valid `token_seconds`
  (7200 as WeChat's); a wrong appid 40013, a wrong secret 40125;
- POST /cgi-bin/message/template/send?access_token: a template message {touser, template_id, url, data};
- POST /cgi-bin/message/custom/send?access_token: a customer-service message {touser, msgtype, text};
- GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code: the openid of a code
  this server issued (`issue_code`), valid once and for five minutes (40029 otherwise);
- GET /cgi-bin/user/info?access_token&openid: whether the person follows the account (`subscribe` 1 or 0;
  40003 an openid the account does not know).

The account's message push (WeChat to our server) is made by `push(xml)`: the query WeChat adds
(signature of `token`, timestamp and nonce) and the body. With `encoding_aes_key` set (the account's
safe mode, 安全模式) the body is WeChat's envelope <xml><ToUserName/><Encrypt/></xml>, the XML encrypted as
WeChat documents it (AES-256-CBC with the key Base64-decoded from the EncodingAESKey and "=", its first
16 bytes the IV; the plaintext 16 random bytes, the message's length in 4 bytes big-endian, the message
and the AppID, padded PKCS#7 to 32 bytes; Base64), and the query adds encrypt_type=aes and msg_signature
(the SHA-1 of token, timestamp, nonce and the ciphertext, sorted and joined).

Every message call checks the token (40001 unknown, 42001 expired), the recipient (40003 an openid the
account does not know, 43004 a template message to someone not following), the template id (40037),
the 48 hours of customer-service messages (45015: the person must have written within 48 hours), the
day's quota (45009) and answers -1 (system busy) while `busy` is above zero.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CUSTOMER_SERVICE_SECONDS = 48 * 3600
CODE_SECONDS = 5 * 60


@dataclass
class WechatServer:
    app_id: str = "wx0123456789abcdef"
    secret: str = "s3cr3t-of-the-account"
    token_seconds: int = 7200
    followers: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)  # every openid of the account: followers and former ones
    templates: set[str] = field(default_factory=lambda: {"TPL-neutral-1"})
    wrote_at: dict[str, float] = field(default_factory=dict)  # openid -> when it last wrote (epoch s)
    quota: int | None = None  # message calls left today; None: no limit
    busy: int = 0  # the next `busy` message calls answer -1
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch s)
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    token_requests: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # {"kind": "template"|"custom", **body}
    url: str = ""
    accept_all: bool = False  # every openid follows and every template id is approved (the demo's WeChat)
    token: str = "push-token"  # the token of the account's server configuration: it signs each push
    encoding_aes_key: str = ""  # set: the account's safe mode, every push encrypted with this key
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the account's push --------------------------------------------------------------------------------

    def push(self, xml: str, *, timestamp: str = "", nonce: str = "") -> tuple[dict[str, str], bytes]:
        """The push of `xml` as WeChat sends it to the account's server: its query and its body."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = {"signature": _sha1(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if not self.encoding_aes_key:
            return query, xml.encode()
        ciphertext = self.encrypt(xml)
        to_user = ElementTree.fromstring(xml).findtext("ToUserName") or ""
        body = (
            f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
        )
        signed = {"encrypt_type": "aes", "msg_signature": _sha1(self.token, timestamp, nonce, ciphertext)}
        return {**query, **signed}, body.encode()

    def encrypt(self, message: str) -> str:
        data = message.encode()
        plain = os.urandom(16) + struct.pack(">I", len(data)) + data + self.app_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def _cipher(self) -> Cipher[modes.CBC]:
        key = base64.b64decode(self.encoding_aes_key + "=")
        return Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def follower(self, openid: str) -> str:
        self.known.add(openid)
        self.followers.add(openid)
        return openid

    def wrote(self, openid: str, at: float | None = None) -> None:
        self.known.add(openid)
        self.wrote_at[openid] = time.time() if at is None else at

    def issue_code(self, openid: str) -> str:
        code = secrets.token_hex(8)
        self.known.add(openid)
        self.codes[code] = (openid, time.time() + CODE_SECONDS)
        return code

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as after two hours, or a token fetched elsewhere)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    # --- the endpoints ------------------------------------------------------------------------------------

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if path == "/cgi-bin/token":
            return self._token(query)
        if path == "/sns/oauth2/access_token":
            return self._oauth(query)
        if path == "/cgi-bin/user/info":
            return self._user(query)
        if path == "/_sent":
            kinds = [m["kind"] for m in self.sent]
            return {"template": kinds.count("template"), "custom": kinds.count("custom")}
        return {"errcode": 40066, "errmsg": "invalid url"}

    def post(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if path not in ("/cgi-bin/message/template/send", "/cgi-bin/message/custom/send"):
            return {"errcode": 40066, "errmsg": "invalid url"}
        with self.lock:
            expiry = self.tokens.get(query.get("access_token", ""))
            if expiry is None:
                return {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                }
            if expiry <= time.time():
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if self.busy > 0:
                self.busy -= 1
                return {"errcode": -1, "errmsg": "system error"}
            if self.quota is not None:
                if self.quota <= 0:
                    return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
                self.quota -= 1
            openid = str(body.get("touser", ""))
            if self.accept_all and openid:
                self.known.add(openid)
                self.followers.add(openid)
                self.templates.add(str(body.get("template_id") or ""))
            if openid not in self.known:
                return {"errcode": 40003, "errmsg": "invalid openid"}
            if path.endswith("/template/send"):
                if openid not in self.followers:
                    return {"errcode": 43004, "errmsg": "require subscribe"}
                if body.get("template_id") not in self.templates:
                    return {"errcode": 40037, "errmsg": "invalid template_id"}
                kind = "template"
            else:
                if time.time() - self.wrote_at.get(openid, float("-inf")) > CUSTOMER_SERVICE_SECONDS:
                    return {
                        "errcode": 45015,
                        "errmsg": "response out of time limit or subscription is canceled",
                    }
                kind = "custom"
            self.sent.append({"kind": kind, **body})
            return {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.sent)}

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            self.token_requests += 1
            token = "ACCESS_" + secrets.token_hex(16)
            self.tokens[token] = time.time() + self.token_seconds
        return {"access_token": token, "expires_in": self.token_seconds}

    def _user(self, query: dict[str, str]) -> dict[str, Any]:
        expiry = self.tokens.get(query.get("access_token", ""))
        if expiry is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if expiry <= time.time():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        openid = query.get("openid", "")
        if openid not in self.known:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        return {"subscribe": 1 if openid in self.followers else 0, "openid": openid}

    def _oauth(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        with self.lock:
            openid, expiry = self.codes.pop(query.get("code", ""), ("", 0.0))
        if not openid or expiry <= time.time():
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {
            "access_token": "WEB_" + secrets.token_hex(8),
            "expires_in": 7200,
            "refresh_token": "REFRESH_" + secrets.token_hex(8),
            "openid": openid,
            "scope": "snsapi_base",
        }


def _sha1(*parts: str) -> str:
    """WeChat's signature: the SHA-1 of the parts, sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


@contextmanager
def wechat_server(port: int = 0, verbose: bool = False, **options: Any) -> Iterator[WechatServer]:
    """The server on 127.0.0.1 (`port` 0: a free one) on its own thread, until the block ends."""
    api = WechatServer(**options)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, answer: dict[str, Any]) -> None:
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(200)  # WeChat answers its errors with 200 and an errcode
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _where(self) -> tuple[str, dict[str, str]]:
            url = urlparse(self.path)
            return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}

        def do_GET(self) -> None:
            path, query = self._where()
            self._reply(api.get(path, query))

        def do_POST(self) -> None:
            path, query = self._where()
            length = int(self.headers.get("content-length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._reply({"errcode": 47001, "errmsg": "data format error"})
                return
            answer = api.post(path, query, body)
            if verbose:
                print(
                    f"wechat {path.rsplit('/', 2)[-2]} to {body.get('touser')}: {answer['errcode']}",
                    flush=True,
                )
            self._reply(answer)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--app-id", required=True, help="the account's AppID (HUIKUAN_WECHAT_APP_ID)")
    parser.add_argument("--secret", required=True, help="its AppSecret (HUIKUAN_WECHAT_APP_SECRET)")
    parser.add_argument(
        "--open", action="store_true", help="every openid follows, every template id is approved"
    )
    parser.add_argument("--max-seconds", type=float, default=6 * 3600, help="stop by itself after this long")
    parser.add_argument("--verbose", action="store_true", help="print each message call")
    args = parser.parse_args(argv)

    stopping: list[int] = []

    def _stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)  # the main loop looks every 0.2 s

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    options = {"app_id": args.app_id, "secret": args.secret, "accept_all": args.open}
    with wechat_server(port=args.port, verbose=args.verbose, **options) as api:
        print(f"wechat listening on {api.url}", flush=True)
        deadline = time.monotonic() + args.max_seconds
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
        print(f"wechat stopped: {len(api.sent)} messages taken", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
