"""/action commands (being built)."""
