"""Fuzzing every command family and subcommand, and interactivity payloads, over HTTP.

Whatever the text, the answer is a 200 with something helpful: never a 5xx, never a
traceback, never the "something went wrong on our side" answer that an unexpected
exception produces, and never an error in the bot's log. The quick profile runs in
`make test`; the long one (2,000 examples per family) runs with `make test-slow`
(pytest -m slow --run-slow), and CI runs a slice of it (--fuzz-examples=N).

Every run draws new inputs: the session's seed is in the report header and next to
a failure, and `--hypothesis-seed=<seed>` replays that run; `print_blob` also prints
the @reproduce_failure line for the one failing example.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import registry
from tests.conftest import RunningBot
from tests.harness.guards import BotErrorLog, describe_all

REGISTRY = registry()
FAMILIES, ACTIONS, VIEWS = REGISTRY.families, REGISTRY.actions, REGISTRY.views

QUICK = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
    print_blob=True,
)
LONG_EXAMPLES = 2000


def long_profile(config: pytest.Config) -> settings:
    """The long profile: 2,000 examples per family, or --fuzz-examples (CI's slice)."""
    examples = config.getoption("--fuzz-examples") or LONG_EXAMPLES
    return settings(QUICK, max_examples=examples)


nasty_pieces = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U1>",
        "<@U1|alice>",
        "<#C1|general>",
        "<http://evil.example|click>",
        "{{ 7*7 }}",
        "{% for x in range(10**9) %}",
        "<script>alert(1)</script>",
        '"',
        "'",
        "\u201cquoted\u201d",
        "\\",
        "\x00",
        "\x1b[2J",
        "\u202e",
        "🙂",
        "S1",
        "#12",
        "-1",
        "99999999999999999999",
        "2027-02-30",
        "25:99",
        "every",
        "at",
        "in",
        "for",
        "by",
        "due",
        "tomorrow",
        ":",
        "=",
        "UTC+14:45",
        "Mars/Phobos",
    ]
)
words = st.one_of(st.text(max_size=30), nasty_pieces)
fuzz_text = st.one_of(
    st.lists(words, max_size=8).map(" ".join),
    st.text(max_size=200),
    st.text(min_size=3000, max_size=5000, alphabet=st.characters(codec="utf-8")),
)


def _subcommands() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, router in sorted(FAMILIES.items()):
        pairs.append((name, ""))
        pairs.extend((name, sub) for sub in sorted({sc.name for sc in router.subcommands.values()}))
    return pairs


def no_errors_logged(errors: BotErrorLog) -> None:
    """Fail the example (so Hypothesis shrinks it) when the bot logged an error for it."""
    logged = errors.take()
    assert not logged, "the bot logged errors:\n" + describe_all(logged)


def check_answer(rb: RunningBot, errors: BotErrorLog, command: str, text: str) -> None:
    resp = rb.command(command, text)
    assert resp.status == 200, (command, text, resp.status, resp.text[:300])
    shown = resp.reply_text
    assert resp.body == b"" or shown.strip(), (command, text)
    assert "Traceback" not in resp.text
    assert "Something went wrong on our side" not in shown, (command, text, shown)
    no_errors_logged(errors)


@pytest.mark.parametrize(("family", "sub"), _subcommands())
def test_fuzz_commands_quick(
    running_sqlite: RunningBot, bot_errors: BotErrorLog, family: str, sub: str
) -> None:
    @QUICK
    @given(fuzz_text)
    def run(text: str) -> None:
        check_answer(running_sqlite, bot_errors, f"/{family}", f"{sub} {text}".strip())

    run()


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_fuzz_commands_long(
    running_sqlite: RunningBot, bot_errors: BotErrorLog, request: pytest.FixtureRequest, family: str
) -> None:
    subs = [sc.name for sc in FAMILIES[family].subcommands.values()] + [""]

    @long_profile(request.config)
    @given(st.sampled_from(subs), fuzz_text)
    def run(sub: str, text: str) -> None:
        check_answer(running_sqlite, bot_errors, f"/{family}", f"{sub} {text}".strip())

    run()


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=50)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _no_crash_answers(rb: RunningBot, errors: BotErrorLog) -> None:
    rb.deliver()
    for eph in rb.fake.ephemerals:
        assert "Something went wrong on our side" not in json.dumps(eph)
    assert rb.fake.violations == []
    no_errors_logged(errors)


def _action_ids() -> list[str]:
    return [*sorted(ACTIONS), "unknown_action"]


@pytest.mark.parametrize("action_id", _action_ids())
def test_fuzz_button_values(
    running_sqlite: RunningBot, bot_errors: BotErrorLog, action_id: str
) -> None:
    @QUICK
    @given(st.one_of(st.text(max_size=100), st.integers().map(str), nasty_pieces))
    def run(value: str) -> None:
        resp = running_sqlite.sender.block_action(action_id, value)
        assert resp.status == 200
        _no_crash_answers(running_sqlite, bot_errors)

    run()


@pytest.mark.parametrize("callback_id", [*sorted(VIEWS), "unknown_view"])
def test_fuzz_view_submissions(
    running_sqlite: RunningBot, bot_errors: BotErrorLog, callback_id: str
) -> None:
    @QUICK
    @given(
        st.dictionaries(
            st.text(min_size=1, max_size=12),
            st.dictionaries(
                st.text(min_size=1, max_size=12),
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(["plain_text_input", "static_select"]),
                        "value": st.text(max_size=60),
                    }
                ),
                max_size=2,
            ),
            max_size=4,
        ),
        st.text(max_size=60),
    )
    def run(values: dict[str, object], metadata: str) -> None:
        resp = running_sqlite.sender.view_submission(callback_id, values, private_metadata=metadata)
        assert resp.status == 200
        _no_crash_answers(running_sqlite, bot_errors)

    run()


def test_fuzz_raw_interactivity_payloads(
    running_sqlite: RunningBot, bot_errors: BotErrorLog
) -> None:
    @QUICK
    @given(
        st.dictionaries(
            st.sampled_from(
                ["type", "actions", "view", "user", "team", "channel", "callback_id", "message"]
            ),
            json_values,
            max_size=6,
        )
    )
    def run(payload: dict[str, object]) -> None:
        resp = running_sqlite.sender.interactive(payload)
        assert resp.status == 200, resp.text[:200]
        no_errors_logged(bot_errors)

    run()


def test_fuzz_message_events(running_sqlite: RunningBot, bot_errors: BotErrorLog) -> None:
    @QUICK
    @given(
        st.one_of(
            fuzz_text,
            st.sampled_from(
                ["#topic", "#action", "#undo", "#endmeeting", "#chair <@U9>", "#link x"]
            ).flatmap(lambda p: fuzz_text.map(lambda t: f"{p} {t}")),
        )
    )
    def run(text: str) -> None:
        resp = running_sqlite.sender.message(text)
        assert resp.status == 200
        _no_crash_answers(running_sqlite, bot_errors)

    run()


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/meeting", "skip 9223372036854775808 0"),
        ("/meeting", "edit 99999999999999999999 time 10:00"),
        ("/meeting", 'schedule "X" every ² weeks on monday at 10:00 UTC'),
        ("/meeting", 'schedule "X" every monday at 10:00 UTC ² times'),
        ("/action", "done ²"),
        ("/action", "show 99999999999999999999"),
        ("/issue", "show 9223372036854775808"),
        ("/minutes", "show ²"),
    ],
)
def test_numbers_too_big_or_not_ascii_get_an_answer(
    running_sqlite: RunningBot, bot_errors: BotErrorLog, command: str, text: str
) -> None:
    """Found by the long fuzz profile: such numbers overflowed the database or int()."""
    check_answer(running_sqlite, bot_errors, command, text)


def test_buttons_with_odd_numbers(running_sqlite: RunningBot, bot_errors: BotErrorLog) -> None:
    for action_id in ("minutes_publish", "minutes_edit", "issue_ack"):
        for value in ("²", "9223372036854775808", "-1"):
            assert running_sqlite.sender.block_action(action_id, value).status == 200
    _no_crash_answers(running_sqlite, bot_errors)
