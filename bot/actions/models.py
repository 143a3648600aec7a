"""Tables of the actions feature."""
