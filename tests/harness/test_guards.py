"""The guards that make the suite unable to pass on a bug (tests/harness/guards.py and
tests/conftest.py), checked from the outside: a pytest session of its own runs tests
that log errors, crash jobs and threads, break Block Kit or lose outbox messages, and
each must fail unless marked as expecting it.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from bot.jobs import PeriodicTask, run_task
from tests.conftest import RunningBot
from tests.harness.ci import in_ci
from tests.harness.guards import BotErrorLog, join_all

ROOT = Path(__file__).resolve().parents[2]

INNER = """
import logging
import threading

import pytest
from hypothesis import given, settings, strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import outbox
from bot.jobs import PeriodicTask

BAD_BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]


def crash_commands(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("handler bug")

    monkeypatch.setattr("bot.commands.dispatch.ensure_workspace_known", boom)


def test_handler_error_fails(running_sqlite, monkeypatch):
    crash_commands(monkeypatch)
    assert "Something went wrong" in running_sqlite.command("/action", "add <@U2> x").reply_text


@pytest.mark.expect_errors("unexpected error")
def test_handler_error_expected(running_sqlite, monkeypatch):
    crash_commands(monkeypatch)
    assert "Something went wrong" in running_sqlite.command("/action", "add <@U2> x").reply_text


@pytest.mark.expect_errors("never logged")
def test_expected_error_missing(running_sqlite):
    pass


@pytest.mark.expect_errors
def test_expect_errors_marked_but_none(running_sqlite):
    pass


def test_error_in_another_thread_fails():
    t = threading.Thread(target=lambda: logging.getLogger("bot.somewhere").error("from a thread"))
    t.start()
    t.join()


def test_wgbot_logger_error_fails():
    logging.getLogger("wgbot").critical("the command line failed")


def test_other_libraries_errors_pass():
    logging.getLogger("someone.else").error("not the bot")


def failing(rt, now):
    raise RuntimeError("job bug")


def test_failing_job_fails(running_sqlite):
    running_sqlite.bot.registry.tasks["boom"] = PeriodicTask("boom", failing, 60)
    running_sqlite.run_jobs()


def test_unhandled_thread_exception_fails():
    def crash():
        raise RuntimeError("thread bug")

    t = threading.Thread(target=crash)
    t.start()
    t.join()


def bad_post(fake):
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(
            channel="C1", text="x", blocks=BAD_BLOCKS
        )


def test_violation_fails(fake_slack):
    bad_post(fake_slack)


@pytest.mark.expect_violations
def test_violation_expected(fake_slack):
    bad_post(fake_slack)
    assert fake_slack.violations


@pytest.mark.expect_violations
def test_violation_marked_but_none(fake_slack):
    pass


def lose_a_message(rb):
    rb.fake.fail("chat.postMessage", error="channel_not_found", times=1)
    with rb.bot.rt.db.write() as s:
        outbox.post_message(s, team_id="T1", channel="C1", text="lost", now=rb.clock.now())
    rb.deliver()


def test_failed_outbox_fails(running_sqlite):
    lose_a_message(running_sqlite)


@pytest.mark.expect_failed_outbox
def test_failed_outbox_expected(running_sqlite):
    lose_a_message(running_sqlite)


@pytest.mark.postgres
def test_postgres_skip_fails_in_ci():
    pytest.skip("no PostgreSQL here")


def test_plain_pass(running_sqlite):
    assert running_sqlite.command("/action", "list").status == 200


@settings(database=None)
@given(st.integers())
def test_hypothesis_failure_shows_the_seed(n):
    assert n < 10
"""

# test name -> whether it must pass (teardown included)
OUTCOMES = {
    "test_handler_error_fails": False,
    "test_handler_error_expected": True,
    "test_expected_error_missing": False,
    "test_expect_errors_marked_but_none": False,
    "test_error_in_another_thread_fails": False,
    "test_wgbot_logger_error_fails": False,
    "test_other_libraries_errors_pass": True,
    "test_failing_job_fails": False,
    "test_unhandled_thread_exception_fails": False,
    "test_violation_fails": False,
    "test_violation_expected": True,
    "test_violation_marked_but_none": False,
    "test_failed_outbox_fails": False,
    "test_failed_outbox_expected": True,
    "test_postgres_skip_fails_in_ci": False,
    "test_plain_pass": True,
    "test_hypothesis_failure_shows_the_seed": False,
}


def test_a_session_with_bugs_fails_on_each(tmp_path: Path) -> None:
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PYTEST_"))}
    env.update(PYTHONPATH=str(ROOT), CI=" Yes ")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-rA",
            str(inner),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    bad = set(re.findall(r"^(?:FAILED|ERROR) \S*::(\w+)", out, re.M))
    good = set(re.findall(r"^PASSED \S*::(\w+)", out, re.M)) - bad
    assert bad | good == set(OUTCOMES), out[-5000:]
    assert {name for name, ok in OUTCOMES.items() if ok} == good, out[-8000:]
    assert re.search(r"^hypothesis seed: \d+ \(reproduce with --hypothesis-seed=\d+\)", out, re.M)
    assert "CI: yes" in out
    # What each failure says.
    for expected in (
        "ERROR bot.commands.dispatch [waitress",  # logged in a request thread
        "unexpected error (reference",
        "no error logged matching ['never logged']",
        "marked expect_errors, but the bot logged no error: remove the marker",
        "from a thread",
        "the command line failed",
        "job bug",
        "periodic task boom failed",  # the note run_task adds
        "thread bug",
        "Block Kit that Slack would refuse",
        "marked expect_violations, but there were no Block Kit",
        "outbox #1 chat.postMessage (lane C1) failed for good: channel_not_found",
        "skipped in CI, where PostgreSQL and browser tests must run: no PostgreSQL here",
        "this run's seed: reproduce with --hypothesis-seed=",
    ):
        assert expected in out, (expected, out[-8000:])


# -- the pieces -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("  ", False),
        ("truthy", False),
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("True", True),
        (" yes ", True),
        ("Yes", True),
        ("on", True),
        ("ON", True),
    ],
)
def test_python_and_shell_agree_on_ci(value: str | None, expected: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if value is not None:
        env["CI"] = value
    assert in_ci(env) is expected
    shell = subprocess.run([str(ROOT / "scripts" / "in-ci")], env=env, check=False)
    assert (shell.returncode == 0) is expected


def test_join_all_fails_on_a_thread_still_running() -> None:
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="stuck")
    t.start()
    try:
        with pytest.raises(AssertionError, match="stuck"):
            join_all([t], 0.1)
    finally:
        release.set()
    join_all([t], 5)


def _boom(rt: object, now: datetime) -> int:
    raise RuntimeError("job bug")


def test_production_jobs_log_and_go_on(running_sqlite: RunningBot, bot_errors: BotErrorLog) -> None:
    task = PeriodicTask("boom", _boom, 60)
    assert run_task(running_sqlite.bot.rt, task) == 0
    [record] = bot_errors.take()
    assert record.name == "bot.jobs" and record.levelno == logging.ERROR
    assert "periodic task boom failed" in record.getMessage()
    with pytest.raises(RuntimeError, match="job bug") as info:
        run_task(running_sqlite.bot.rt, task, raise_errors=True)
    assert "periodic task boom failed" in getattr(info.value, "__notes__", [])
    assert bot_errors.records == []
