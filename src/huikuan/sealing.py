"""National IDs at rest (PIPL art. 51): sealed with AES-256-GCM, found again by a keyed hash.

One data key, HUIKUAN_DATA_KEY (or a random one made once into var/data_key, 0600), gives two keys
through HKDF-SHA256 with different labels: one seals, the other keys the lookup hashes. Whoever reads
the database without the data key learns neither an ID nor, by hashing every candidate (a PRC ID has
only a few hundred million), which ID a hash stands for.

A sealed value is text, `v1:<key id>:<base64url(nonce | ciphertext | tag)>`: the format, the id of the
key that sealed it (derived from the key, so a later rotation can tell old values from new), a random
96-bit nonce. The header is authenticated with the value, and so is the purpose (a sealed national ID
does not open as anything else).

`lookup_hash(typed)` turns an ID as someone typed it (spaces, lower-case x, full-width digits) into the
hash kept in `debtors.national_id_hash`: intake matches debtors across placements by it, and a search
for a person by ID uses the same function.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from huikuan.config import get_settings
from huikuan.domain.national_id import normalise_national_id
from huikuan.errors import HuikuanError
from huikuan.local_secrets import local_secret

FORMAT = "v1"
DATA_KEY_FILE = "data_key"
MIN_KEY_CHARS = 32
NATIONAL_ID = "national_id"  # the purpose a national ID is sealed for
_NONCE_BYTES = 12


class SealError(HuikuanError):
    """A sealed value could not be opened: another key sealed it, or it was altered."""


@dataclass(frozen=True)
class Keyring:
    key_id: str  # 8 hex characters naming the data key
    aead: AESGCM
    hash_key: bytes

    @property
    def prefix(self) -> str:
        return f"{FORMAT}:{self.key_id}:"


def _derive(master: bytes, label: str, length: int = 32) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"huikuan {label}".encode())
    return hkdf.derive(master)


@lru_cache(maxsize=4)
def _keyring(master: str) -> Keyring:
    if len(master) < MIN_KEY_CHARS:
        raise HuikuanError(
            "HUIKUAN_DATA_KEY must be at least {n} characters (a random one: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))')",
            n=MIN_KEY_CHARS,
        )
    raw = master.encode()
    return Keyring(
        key_id=_derive(raw, "key id", 4).hex(),
        aead=AESGCM(_derive(raw, "seal aes-256-gcm v1")),
        hash_key=_derive(raw, "lookup hmac-sha256 v1"),
    )


def keyring() -> Keyring:
    """The keys of the configured data key (HUIKUAN_DATA_KEY, else var/data_key made once)."""
    return _keyring(local_secret(DATA_KEY_FILE, get_settings().data_key))


def _aad(header: str, purpose: str) -> bytes:
    return f"{header}{purpose}".encode()


def seal(plain: str, purpose: str = NATIONAL_ID, *, keys: Keyring | None = None) -> str:
    """`plain` encrypted and authenticated under the data key, as text."""
    ring = keys or keyring()
    nonce = os.urandom(_NONCE_BYTES)
    body = ring.aead.encrypt(nonce, plain.encode(), _aad(ring.prefix, purpose))
    return ring.prefix + base64.urlsafe_b64encode(nonce + body).rstrip(b"=").decode("ascii")


def unseal(sealed: str, purpose: str = NATIONAL_ID, *, keys: Keyring | None = None) -> str:
    """The plain text of a value made by `seal`; SealError if another key sealed it or it was altered."""
    ring = keys or keyring()
    fmt, _, rest = sealed.partition(":")
    key_id, _, payload = rest.partition(":")
    if fmt != FORMAT or not payload:
        raise SealError("This value is not sealed")
    if key_id != ring.key_id:
        raise SealError(
            "This value was sealed with the data key {key_id}; the key configured now is {current}",
            key_id=key_id,
            current=ring.key_id,
        )
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    try:
        plain = ring.aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(ring.prefix, purpose))
    except InvalidTag:
        raise SealError("This sealed value was altered or belongs to something else") from None
    return plain.decode()


def is_sealed(value: str) -> bool:
    """Whether `value` has the form `seal` gives (not whether the current key opens it)."""
    return value.startswith(f"{FORMAT}:") and value.count(":") >= 2


def lookup_hash(typed: str, *, keys: Keyring | None = None) -> str:
    """The keyed hash (HMAC-SHA256, hex) of an ID in its normal form: what intake matches debtors by and
    what a search by ID looks up. `110101 19800101 123x` and `11010119800101123X` give the same hash."""
    ring = keys or keyring()
    return hmac.digest(ring.hash_key, normalise_national_id(typed).encode(), "sha256").hex()


__all__ = ["Keyring", "SealError", "is_sealed", "keyring", "lookup_hash", "seal", "unseal"]
