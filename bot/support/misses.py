"""What to say when a typed name is not exactly one product or provider.

Three answers, never a silent guess: the name fits several (all listed, with who
supports each), it is a misspelling of close names ("did you mean", with a ready
command), or nothing is close (said plainly, without unrelated suggestions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import NotFound
from bot.slackfmt import escape

SEVERAL = "several"
GUESS = "guess"
NONE = "none"


@dataclass(frozen=True)
class Choice:
    """A product or provider a query could mean, with a one-line summary of it."""

    kind: str  # "product" | "provider"
    name: str
    detail: str = ""


def quote(query: str) -> str:
    """What was typed, in bold, safe for mrkdwn (and short)."""
    text = " ".join(query.split())[:60].replace("*", "").replace("`", "")
    return f"*{escape(text)}*"


def _or(names: list[str]) -> str:
    bold = [f"*{escape(n)}*" for n in names]
    return bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " or " + bold[-1]


class LookupMiss(NotFound):
    """A typed name that names no single product (or provider): what it could be.

    `kind` is SEVERAL (every match in `choices`), GUESS (close misspellings in
    `choices`) or NONE (nothing close; `hint` says where to look). `more` counts the
    matches of SEVERAL left out of `choices`.
    """

    def __init__(
        self,
        *,
        what: str,
        query: str,
        kind: str,
        choices: list[Choice],
        hint: str = "",
        more: int = 0,
    ) -> None:
        self.what = what
        self.more = more
        self.query = query
        self.kind = kind
        self.choices = choices
        self.hint = hint
        super().__init__(self.text())

    def short(self, limit: int = 150) -> str:
        """The answer as one line of plain text (a form field's error), at most `limit` long."""
        q = " ".join(self.query.split())[:40]
        names = [" ".join(c.name.split()) for c in self.choices]
        listed = (
            " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]
        )
        if self.kind == SEVERAL:
            out = f"“{q}” matches {len(names) + self.more}: {listed}. Say which."
        elif self.kind == GUESS and names:
            out = f"No {self.what} “{q}”. Did you mean {listed}?"
        else:
            out = f"No {self.what} matches “{q}”."
        return out if len(out) <= limit else out[: limit - 1] + "…"

    def text(self, ready: Callable[[Choice], str] | None = None) -> str:
        """The answer; `ready` gives each choice's ready-to-run command (else none shown)."""

        def line(c: Choice) -> str:
            out = f"• *{escape(c.name)}*"
            if c.detail:
                out += f" — {c.detail}"
            if ready is not None:
                out += f"  `{escape(ready(c))}`"
            return out

        q = quote(self.query)
        if self.kind == SEVERAL:
            kinds = {c.kind for c in self.choices}
            noun = f"{self.what}s" if len(kinds) <= 1 else "products and providers"
            total = len(self.choices) + self.more
            head = f"{q} matches {total} {noun}; I did not pick one. Say which:"
            tail = [f"…and {self.more} more: type more of the name."] if self.more else []
            return "\n".join([head, *(line(c) for c in self.choices), *tail])
        if self.kind == GUESS and self.choices:
            head = f"No {self.what} {q}. Did you mean {_or([c.name for c in self.choices])}?"
            if ready is None:
                return head
            return "\n".join([head, *(line(c) for c in self.choices)])
        return f"No {self.what} matches {q}." + (f" {self.hint}" if self.hint else "")
