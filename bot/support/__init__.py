"""support: Slack-free domain code."""
