"""Live-meeting fixtures (a channel to talk in, a scheduled slot) from the harness."""

from tests.harness.rooms import room, room_sqlite, scheduled_slot

__all__ = ["room", "room_sqlite", "scheduled_slot"]
