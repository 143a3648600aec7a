"""timekit: time zones, parsing, DST, recurrences and fair slots (pure: no DB, no Slack)."""
