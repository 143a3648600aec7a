"""A local console: the same handlers, services and database, with no Slack at all.

Type slash commands (`/wg help`, `/meeting next`) and see what the bot would answer
and post, its buttons numbered (`:click`), its forms asked field by field. A line
that is not a command is a message said in the current channel (so `#topic …` works
during a meeting). `:help` lists the console's own commands: who you are (`:as`),
where (`:in`), the bot's clock (`:at`, `:advance`) and its pages (`:open`).
"""

from bot.console.repl import DEFAULT_FILES_DIR, Console, interactive_lines
from bot.console.text import CONSOLE_TEAM, channel_id_for, readable, user_id_for
from bot.console.timing import ConsoleClock

__all__ = [
    "CONSOLE_TEAM",
    "DEFAULT_FILES_DIR",
    "Console",
    "ConsoleClock",
    "channel_id_for",
    "interactive_lines",
    "readable",
    "user_id_for",
]
