"""/meeting commands (being built)."""
