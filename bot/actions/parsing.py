"""Pure parsing of action item text: owners (mentions), the task and a due clause."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.actions.dates import DateError, UnknownDate, parse_date
from bot.grammar import LEADING_USER, mentions

# "… by friday" / "… due dec 5": the last such clause, if what follows reads as a date.
_DUE_CLAUSE = re.compile(r"^(?P<task>.*\S)\s+(?:by|due)\s+(?P<due>[^\s].*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ActionText:
    owners: tuple[str, ...]
    task: str
    due_text: str | None


def looks_like_date(text: str) -> bool:
    """Whether the text reads as a date (an impossible one like "feb 30" still does)."""
    try:
        parse_date(text, today=date(2000, 1, 1))
    except UnknownDate:
        return False
    except DateError:
        return True
    return True


def split_action(text: str, is_date: Callable[[str], bool] = looks_like_date) -> ActionText:
    """Owners are every mentioned user; leading mentions are not part of the task.

    `is_date(s) -> bool` decides whether a trailing "by …"/"due …" is a due date
    (so "write the by-laws due friday" keeps "by-laws" and "clean up by hand" stays).
    """
    text = " ".join(text.split())
    owners = mentions(text)
    rest = text
    while True:
        m = LEADING_USER.match(rest)
        if not m:
            break
        rest = rest[m.end() :]
    rest = rest.strip()
    due_text: str | None = None
    m = _DUE_CLAUSE.match(rest)
    if m and is_date(m.group("due")):
        rest, due_text = m.group("task").strip(), m.group("due").strip()
    return ActionText(owners=owners, task=rest, due_text=due_text)
