"""Socket Mode: the same Bolt app, reached over Slack's WebSocket instead of HTTP."""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler


class SocketMode:
    """Connects the Bolt app to Slack with the app-level token; close() disconnects."""

    def __init__(self, bolt_app: Any, app_token: str) -> None:
        self._handler = SocketModeHandler(bolt_app, app_token)

    def connect(self) -> None:
        self._handler.connect()  # type: ignore[no-untyped-call]

    def close(self) -> None:
        self._handler.close()  # type: ignore[no-untyped-call]
