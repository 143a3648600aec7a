"""timekit: Slack-free domain code."""
