"""Use cases: one function per command, each inside a unit of work; the API, UI and CLI all call these."""
