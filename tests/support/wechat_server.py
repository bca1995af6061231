"""The tests' local WeChat official-account API: the one `make run` starts too (bench/wechat_server.py)."""

from bench.wechat_server import WechatServer, wechat_server

__all__ = ["WechatServer", "wechat_server"]
