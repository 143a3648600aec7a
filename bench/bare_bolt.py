"""A bare Bolt app answering one slash command, behind the same waitress server.

The baseline our commands are compared with: `python -m bench.bare_bolt PORT pbr|default`.
"""

from __future__ import annotations

import sys

from slack_bolt import Ack, App
from slack_sdk import WebClient
from waitress import serve

from bot.slack.web import WsgiApp


class _NoRuntime:
    """WsgiApp only needs settings.oauth_enabled / signing secret for /slack paths.

    No database and no clock: /metrics and /readyz are never asked of the bare app.
    """

    db = None
    clock = None

    class settings:
        oauth_enabled = False
        slack_signing_secret = "bench-secret"


def main() -> None:
    port = int(sys.argv[1])
    pbr = sys.argv[2] == "pbr"
    api = sys.argv[3] if len(sys.argv) > 3 else "http://127.0.0.1:9/api/"
    app = App(
        signing_secret="bench-secret",
        client=WebClient(token="xoxb-bench", base_url=api),
        process_before_response=pbr,
        token_verification_enabled=False,
    )

    @app.command("/echo")
    def echo(ack: Ack, body: dict[str, str]) -> None:
        ack(text=f"echo: {body.get('text', '')}")

    serve(
        WsgiApp(_NoRuntime(), app),
        host="127.0.0.1",
        port=port,
        threads=8,
        ident="bare-bolt",
        _quiet=True,
    )  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
