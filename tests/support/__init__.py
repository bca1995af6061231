"""Helpers of the test suite: personas and their floor, factories, fake providers, the real server."""
