"""The Slack edge: the only package that imports slack_bolt or slack_sdk or reads a payload.

app        the Bolt app (signatures, OAuth, error handling) and its listeners
listeners  each Slack surface -> plain values -> the Dispatcher
payloads   the shapes of Slack's payloads, flattened into the command layer's dataclasses
transport  the outbox's Web API client; directory: users.info / conversations.members
oauth      the installation store (several workspaces) and its tables
channels   channel names -> ids (conversations.list), asked before anything is stored
web        the WSGI front: /slack/* to Bolt, /healthz, and the features' pages
"""
