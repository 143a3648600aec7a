"""A slack_sdk WebClient that counts its Web API calls by method and HTTP status."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import metrics


class MeteredWebClient(WebClient):
    """Every call, by method and HTTP status (429s included); `error` when none came."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            resp = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            metrics.slack_call(api_method, exc.response.status_code)
            raise
        except Exception:
            metrics.slack_call(api_method, "error")
            raise
        metrics.slack_call(api_method, resp.status_code)
        return resp
