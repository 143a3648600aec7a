"""A per-process cache of catalog answers, invalidated by a per-workspace catalog version.

Lookups are the hottest read of the support desk and the catalog rarely changes.
Every flush that touches a tier, provider, product or assignment bumps the
workspace's `catalog` sequence (in the same transaction), so each process only
has to read that one number to know whether an answer it kept is still right.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.services.common import current_number, next_number
from bot.support.models import SupportAssignment, SupportProduct, SupportProvider, SupportTier

VERSION = "catalog"
_CATALOG_MODELS = (SupportTier, SupportProvider, SupportProduct, SupportAssignment)
T = TypeVar("T")


@event.listens_for(Session, "before_flush")
def _bump_catalog_version(session: Session, _context: Any, _instances: Any) -> None:
    teams = {
        obj.team_id
        for obj in chain(session.new, session.dirty, session.deleted)
        if isinstance(obj, _CATALOG_MODELS)
    }
    for team_id in sorted(teams):
        next_number(session, team_id=team_id, name=VERSION)


def version(session: Session, *, team_id: str) -> int:
    return current_number(session, team_id=team_id, name=VERSION)


class AnswerCache:
    """An LRU of answers keyed by (workspace, catalog version, question)."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_make(
        self, session: Session, team_id: str, question: Hashable, make: Callable[[], T]
    ) -> T:
        key = (
            str(session.get_bind().engine.url),
            team_id,
            version(session, team_id=team_id),
            question,
        )
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        answer = make()
        with self._lock:
            self._items[key] = answer
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return answer
