"""Errors that carry an answer for the user rather than a stack trace."""

from __future__ import annotations


class WgbotError(Exception):
    """Base class: the message is shown to the user as is."""


class UsageError(WgbotError):
    """The input could not be understood; `usage` shows the right form.

    `field` names the part of the input it belongs to (a form's block id, such as
    "time" or "zone"), so that a modal can show the message beside that field.
    """

    def __init__(self, message: str, usage: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.field = field

    def at(self, field: str) -> UsageError:
        """This error, attributed to `field` unless it already names one."""
        if self.field is None:
            self.field = field
        return self


class NotFound(WgbotError):
    """Something the user named does not exist (in their workspace)."""


class PermissionDenied(WgbotError):
    """The user may not do this; the message says who may."""


class Conflict(WgbotError):
    """The request clashes with existing state (e.g. a meeting already live)."""


class SlackUnavailable(Exception):
    """Slack could not be asked (no bot token, no answer); the message says why."""


class ConfigError(Exception):
    """A setting is missing or malformed; names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem
