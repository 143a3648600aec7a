"""meetings: Slack-free domain code."""
