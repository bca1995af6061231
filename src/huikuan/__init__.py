"""Huikuan (回款): an open-source, compliant-by-construction debt-collection platform."""

__version__ = "0.1.0"
