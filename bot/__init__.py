"""wgbot: a Slack bot for open-source community working groups."""

__version__ = "0.1.0"
