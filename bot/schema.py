"""Every table the bot owns, gathered for Alembic and the schema tests.

The core's tables live in bot.models and each feature keeps its own in
bot/<feature>/models.py; importing this module loads them all onto one metadata,
beside the tables of slack_sdk's OAuth stores.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import bot.actions.models
import bot.meetings.models
import bot.minutes.models
import bot.support.models  # noqa: F401  (each import adds its tables to Base.metadata)
from bot.models import Base
from bot.slack.oauth import oauth_metadata


def all_metadata() -> list[MetaData]:
    """Our models' metadata, then the OAuth stores' tables."""
    return [Base.metadata, oauth_metadata()]
