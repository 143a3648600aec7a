"""Slack-free use cases shared by every feature."""
