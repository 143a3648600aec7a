"""Keeping a long-running bot tidy: retention, the scheduler's heartbeat, status, backups.

`retention` prunes what only grows (finished outbox messages and uploaded file
bodies, Slack event ids, once-marks) in short transactions; `status` records which
process leads the scheduler and the jobs' last failures, and answers `/wg status`;
`backup` copies a SQLite database while the bot runs.
"""
