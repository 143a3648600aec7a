"""/minutes commands (being built)."""
