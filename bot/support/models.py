"""Tables of the support feature."""
