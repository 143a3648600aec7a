"""Tables of the minutes feature."""
