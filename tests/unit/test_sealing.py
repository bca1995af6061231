"""National IDs at rest: sealed with the data key, found again by a keyed hash of the ID as typed."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from huikuan import config
from huikuan.errors import HuikuanError
from huikuan.local_secrets import local_secret
from huikuan.sealing import SealError, _keyring, is_sealed, keyring, lookup_hash, seal, unseal

ID = "11010119800101123X"
KEY = "a-data-key-for-these-tests-only-0123456789"
OTHER_KEY = "another-data-key-for-these-tests-0123456789"


@pytest.fixture
def data_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HUIKUAN_DATA_KEY", KEY)
    config.get_settings.cache_clear()
    yield KEY
    config.get_settings.cache_clear()


def test_a_sealed_id_opens_to_itself_and_shows_nothing_of_it(data_key: str) -> None:
    sealed = seal(ID)
    assert is_sealed(sealed) and ID not in sealed and "123X" not in sealed and "19800101" not in sealed
    assert unseal(sealed) == ID


def test_each_sealing_has_its_own_nonce_so_equal_ids_do_not_look_equal(data_key: str) -> None:
    assert seal(ID) != seal(ID)


def test_a_sealed_value_names_the_format_and_the_key_that_sealed_it(data_key: str) -> None:
    fmt, key_id, _payload = seal(ID).split(":")
    assert fmt == "v1" and key_id == keyring().key_id and len(key_id) == 8
    assert _keyring(OTHER_KEY).key_id != key_id


def test_another_key_cannot_open_it_and_says_which_key_sealed_it(data_key: str) -> None:
    sealed = seal(ID)
    with pytest.raises(SealError, match=keyring().key_id):
        unseal(sealed, keys=_keyring(OTHER_KEY))


def test_an_altered_value_or_one_sealed_for_another_purpose_does_not_open(data_key: str) -> None:
    sealed = seal(ID)
    head, payload = sealed.rsplit(":", 1)
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    with pytest.raises(SealError):
        unseal(f"{head}:{flipped}")
    with pytest.raises(SealError):
        unseal(seal(ID, "phone"))
    with pytest.raises(SealError):
        unseal(ID)


def test_the_lookup_hash_matches_the_id_typed_with_spaces_lower_case_or_full_width(data_key: str) -> None:
    expected = lookup_hash(ID)
    assert lookup_hash("110101 19800101 123x") == expected
    assert lookup_hash(" 11010119800101123x\u3000") == expected
    assert lookup_hash("１１０１０１１９８００１０１１２３Ｘ") == expected
    assert lookup_hash("110101198001011234") != expected
    assert len(expected) == 64 and ID not in expected


def test_the_lookup_hash_is_keyed_apart_from_the_sealing_key(data_key: str) -> None:
    ring = keyring()
    assert lookup_hash(ID) != hashlib.sha256(ID.encode()).hexdigest()
    assert lookup_hash(ID) != hmac.new(KEY.encode(), ID.encode(), hashlib.sha256).hexdigest()
    assert lookup_hash(ID, keys=_keyring(OTHER_KEY)) != lookup_hash(ID)
    assert len(ring.hash_key) == 32


def test_a_short_data_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIKUAN_DATA_KEY", "too-short")
    config.get_settings.cache_clear()
    try:
        with pytest.raises(HuikuanError, match="at least 32 characters"):
            seal(ID)
    finally:
        config.get_settings.cache_clear()


def test_without_a_configured_key_one_is_made_once_into_var_owner_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUIKUAN_DATA_KEY", raising=False)
    config.get_settings.cache_clear()
    try:
        sealed = seal(ID)
        path = tmp_path / "var" / "data_key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
        made = path.read_text()
        assert len(made) >= 32 and local_secret("data_key") == made
        assert unseal(sealed) == ID  # the next call reads the same key
        assert sorted(os.listdir(tmp_path / "var")) == ["data_key"]  # no draft left behind
    finally:
        config.get_settings.cache_clear()


def test_a_configured_secret_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert local_secret("secret_key", "configured") == "configured"
    assert not (tmp_path / "var").exists()
