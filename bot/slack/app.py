"""The Bolt app: signature verification, OAuth when configured, then our listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltUnhandledRequestError

from bot.commands.dispatch import Dispatcher
from bot.slack import listeners
from bot.slack.metered import MeteredWebClient
from bot.slack.oauth import BOT_SCOPES, InstalledBots

log = logging.getLogger(__name__)


def build_bolt_app(dispatcher: Dispatcher, bots: InstalledBots | None = None) -> App:
    """The Bolt app: signature verification, then our listeners (process_before_response).

    With OAuth, `bots` is the installation store the outbox's token lookup also reads,
    so both share one cache.
    """
    rt = dispatcher.rt
    settings = rt.settings
    client = MeteredWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=5,
        retry_handlers=[],
    )
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret,
        "client": client,
        # The listener runs before the HTTP response, so the ack carries the answer
        # without Bolt's 10 ms ack-polling floor; slow Slack calls go to the outbox.
        "process_before_response": True,
        "token_verification_enabled": False,
        # Raising (to our error handler) skips Bolt's own logging of unmatched
        # requests, which fails on some malformed payloads.
        "raise_error_for_unhandled_request": True,
        "ignoring_self_events_enabled": True,
        # We use neither Slack's workflow function tokens nor Bolt's assistant and
        # conversation kwargs: two middleware passes per request saved.
        "attaching_function_token_enabled": False,
        "attaching_conversation_kwargs_enabled": False,
        "ignoring_self_assistant_message_events_enabled": False,
    }
    if bots is not None:
        from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
        from slack_bolt.oauth.oauth_settings import OAuthSettings
        from slack_bolt.response import BoltResponse
        from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

        def installed(args: SuccessArgs) -> BoltResponse:
            # A new workspace: read its members in the background (users.list).
            team_id = args.installation.team_id
            if team_id:
                rt.directory.start_fill([team_id], force=True)
            return args.default.success(args)

        def install_failed(args: FailureArgs) -> BoltResponse:
            return args.default.failure(args)

        state_store = SQLAlchemyOAuthStateStore(
            expiration_seconds=600, engine=rt.db.engine, logger=log
        )
        kwargs["oauth_settings"] = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=BOT_SCOPES,
            installation_store=bots.store,
            state_store=state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            install_page_rendering_enabled=False,
            callback_options=CallbackOptions(success=installed, failure=install_failed),
        )
        kwargs["authorize"] = bots.authorizer()
    app = App(**kwargs)
    listeners.register(
        app, dispatcher, forget_installation=bots.forget if bots is not None else None
    )

    @app.error
    def on_error(error: Exception) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.debug("no listener for this request")
        else:
            log.error("listener failed", exc_info=error)

    return app
