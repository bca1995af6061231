"""`[obligations.recording] announce`: the recording notice at the start of every call placed through
the floor's telephone system (services/calls.py), where the pack asks for it."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from huikuan.compliance import PackError, load_pack
from huikuan.compliance.pack import pack_from_dict


@pytest.mark.parametrize(("name", "announce"), [("us-reg-f", True), ("cn", None), ("uk-conc", None)])
def test_us_reg_f_announces_the_recording_and_the_other_packs_do_not_ask_for_it(
    name: str, announce: bool | None
) -> None:
    recording = load_pack(name).obligations.get("recording", {})
    assert recording.get("announce") is announce
    if announce:
        assert recording.get("source")


def test_an_announce_that_is_not_true_or_false_is_refused() -> None:
    text = resources.files("huikuan.compliance").joinpath("packs/us-reg-f.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["obligations"]["recording"]["announce"] = "yes"
    with pytest.raises(PackError, match="obligations.recording.announce: expected true or false"):
        pack_from_dict(data)
