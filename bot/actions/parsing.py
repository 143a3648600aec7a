"""Pure parsing of action item text: owners (mentions), the task and a due clause."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.due import reads_as_date, take_clause
from bot.grammar import LEADING_USER, mentions


@dataclass(frozen=True)
class ActionText:
    owners: tuple[str, ...]
    task: str
    due_text: str | None
    # The clause as typed ("due yesterday"): put back into the task when its date
    # cannot be used, so that no word the person wrote is lost.
    due_words: str | None = None

    @property
    def task_as_written(self) -> str:
        """The task with its due clause, as typed."""
        return f"{self.task} {self.due_words}" if self.due_words else self.task


def looks_like_date(text: str) -> bool:
    """Whether the text reads as a date (an impossible or past one like "feb 30" still does)."""
    return reads_as_date(text)


def split_action(text: str) -> ActionText:
    """Owners are every mentioned user; leading mentions are not part of the task.

    A trailing "due …"/"by …" is the due clause (see `bot.actions.due.take_clause`), so
    "write the by-laws due friday" keeps "by-laws" and "clean up by hand" stays text.
    """
    text = " ".join(text.split())
    owners = mentions(text)
    rest = text
    while True:
        m = LEADING_USER.match(rest)
        if not m:
            break
        rest = rest[m.end() :]
    task, clause = take_clause(rest.strip())
    if clause is None:
        return ActionText(owners=owners, task=task, due_text=None)
    return ActionText(owners=owners, task=task, due_text=clause.text, due_words=clause.words)
