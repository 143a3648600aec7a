"""Command families: importing this package registers every family and handler."""

from commands import wg

__all__ = ["wg"]
