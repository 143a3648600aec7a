"""Tables of the meetings feature."""
