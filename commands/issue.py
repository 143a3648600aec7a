"""/issue commands (being built)."""
