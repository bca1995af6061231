"""The collection domain: plain dataclasses and enums, standard library only."""
