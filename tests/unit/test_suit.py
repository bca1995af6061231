"""Nothing Huikuan ships mentions suit, so that a time-barred debt is never threatened with it; the check
finds a mention in English and Chinese and does not mistake "suit you" for one."""

from __future__ import annotations

import tomllib
from importlib import resources

from huikuan.channels.suit import mentions_suit


def test_the_suit_check_finds_threats_of_legal_action_in_english_and_chinese():
    assert mentions_suit("We may file a lawsuit against you.")
    assert mentions_suit("we will take you to court")
    assert mentions_suit("如不还款，我们将向法院起诉。")
    assert mentions_suit("可能进入诉讼程序")
    assert not mentions_suit("When would suit you? This is an attempt to collect a debt.")
    assert not mentions_suit("请您尽快还款。")


def test_no_shipped_message_template_mentions_suit():
    folder = resources.files("huikuan.channels").joinpath("templates")
    texts = [f for channel in folder.iterdir() if channel.is_dir() for f in channel.iterdir()]
    assert texts
    for template in texts:
        assert not mentions_suit(template.read_text(encoding="utf-8")), template.name


def test_no_shipped_script_mentions_suit():
    data = tomllib.loads(
        resources.files("huikuan.services").joinpath("default_scripts.toml").read_text(encoding="utf-8")
    )
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    assert texts
    assert [text for text in texts if mentions_suit(text)] == []
