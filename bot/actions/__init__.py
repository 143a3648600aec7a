"""actions: Slack-free domain code."""
