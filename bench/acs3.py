"""Aliyun's ACS3-HMAC-SHA256 request signature, checked as Aliyun checks it, for the local stand-ins of
Aliyun's APIs (bench/call_centre.py for Cloud Call Center, tests/support/aliyun_sms_server.py for SMS).
Written from Aliyun's description of the scheme ("V3 request body and signature"), not from the SDK the
adapters use, so a stand-in catches a request the real service would refuse.

The Authorization header is `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=
<hex>`. The canonical request is the method, the path, the query sorted by name and RFC 3986-encoded, each
signed header `name:value`, the signed names, and x-acs-content-sha256 (the hex SHA-256 of the body); the
signature is the hex HMAC-SHA256, under the AccessKey secret, of "ACS3-HMAC-SHA256\\n" + the hex SHA-256 of
that canonical request. host, content-type when sent and every x-acs-* header must be signed, the names
sorted; x-acs-date within 15 minutes; x-acs-signature-nonce never seen before. Each refusal is Aliyun's
error code."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

SKEW = timedelta(minutes=15)
_AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$")


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(pairs))


def sign(secret: str, canonical_request: str) -> str:
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Acs3:
    """One AccessKey's checker; it remembers the nonces it has seen."""

    key_id: str
    key_secret: str
    nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refusal(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> str | None:
        """Aliyun's error code for the request, or None when it is signed as Aliyun requires. `headers`:
        the request's, their names in lower case."""
        found = _AUTH.match(headers.get("authorization", ""))
        if not found:
            return "MissingAuthorization"
        key_id, signed, signature = found.groups()
        if key_id != self.key_id:
            return "InvalidAccessKeyId.NotFound"
        names = signed.split(";")
        must = {"host"} | {k for k in headers if k.startswith("x-acs-")}
        if "content-type" in headers:
            must.add("content-type")
        if not must <= set(names) or names != sorted(names):
            return "IncompleteSignature"
        if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return "ContentSHA256NotMatch"
        try:
            stamp = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return "InvalidTimeStamp.Format"
        if abs(datetime.now(UTC) - stamp) > SKEW:
            return "InvalidTimeStamp.Expired"
        nonce = headers.get("x-acs-signature-nonce", "")
        with self.lock:
            if not nonce or nonce in self.nonces:
                return "SignatureNonceUsed"
            self.nonces.add(nonce)
        parts = urlsplit(path)
        canonical = "\n".join(
            [
                method,
                parts.path or "/",
                canonical_query(parse_qsl(parts.query, keep_blank_values=True)),
                "".join(f"{n}:{headers.get(n, '').strip()}\n" for n in names),
                signed,
                headers["x-acs-content-sha256"],
            ]
        )
        if not hmac.compare_digest(sign(self.key_secret, canonical), signature):
            return "SignatureDoesNotMatch"
        return None
