"""minutes: Slack-free domain code."""
