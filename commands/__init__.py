"""Command families: importing this package registers every family and handler."""

from commands import action, issue, meeting, minutes, support, wg

__all__ = ["action", "issue", "meeting", "minutes", "support", "wg"]
