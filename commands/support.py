"""/support commands (being built)."""
