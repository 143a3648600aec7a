"""Slack escaping, control-sequence defusing, and block building within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import slackfmt
from bot.render import blocks as bk
from bot.render import render, sandbox
from tests.harness.blockkit import validate_message_blocks


def test_escape_only_touches_the_three_characters() -> None:
    assert slackfmt.escape("a & <b> *c* _d_") == "a &amp; &lt;b&gt; *c* _d_"


def test_neutralize_defuses_specials_and_links_but_keeps_dates_and_mentions() -> None:
    text = "<!channel> <!here|here> <http://evil|x> <mailto:a@b> <!date^1^{date}|d> <@U1>"
    assert slackfmt.neutralize(text) == (
        "&lt;!channel> &lt;!here|here> &lt;http://evil|x> &lt;mailto:a@b> <!date^1^{date}|d> <@U1>"
    )


def test_link_cannot_break_out() -> None:
    assert (
        slackfmt.link("https://x.org/a|b>c", "lab<el>") == "<https://x.org/a%7Cb%3Ec|lab&lt;el&gt;>"
    )
    assert slackfmt.link("javascript:alert(1)", "x") == "javascript:alert(1)"


def test_mentions_only_for_ids() -> None:
    assert slackfmt.user("U123") == "<@U123>"
    assert slackfmt.user("<!channel>") == "&lt;!channel&gt;"


def test_date_token_needs_aware_datetime() -> None:
    when = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert slackfmt.date_token(when).startswith(f"<!date^{int(when.timestamp())}^")
    with pytest.raises(ValueError):
        slackfmt.date_token(datetime(2026, 12, 3))


def test_split_text_respects_limit_and_lines() -> None:
    text = "\n".join(f"line {i} " + "x" * 100 for i in range(200))
    pieces = bk.split_text(text)
    assert len(pieces) > 1  # 21,600 characters need several pieces
    assert all(len(p) <= bk.MAX_TEXT for p in pieces)
    assert "\n".join(pieces) == text


def test_markup_builds_valid_blocks() -> None:
    markup = "::header Hello\nsome *text*\n::divider\n::context small\n::fields a || b\n::button do_it | 1 | Do it | primary\n::button other | 2 | Other"
    blocks = bk.from_markup(markup)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "divider",
        "context",
        "section",
        "actions",
    ]
    assert validate_message_blocks(blocks) == []


def test_long_documents_paginate_within_limits() -> None:
    blocks = bk.from_markup("\n".join(f"::header H{i}\n" + "y" * 2500 for i in range(80)))
    pages = bk.paginate(blocks)
    assert len(pages) > 1  # 160 blocks need several messages
    assert all(len(p) <= 50 for p in pages)
    assert sum(len(p) for p in pages) == len(blocks)
    assert all(validate_message_blocks(p) == [] for p in pages)


def test_templates_escape_for_slack_and_autoescape_html(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.commands.wg import router

    out = render("help_family.slack.j2", family=router)
    assert "/wg" in out
    (tmp_path / "x.html.j2").write_text("<p>{{ v }}</p>")
    (tmp_path / "x.slack.j2").write_text("{{ v | mrkdwn }}")
    env = sandbox(tmp_path)
    assert env.get_template("x.html.j2").render(v="<script>") == "<p>&lt;script&gt;</p>"
    assert env.get_template("x.slack.j2").render(v="<!here>") == "&lt;!here&gt;"


def test_sandbox_refuses_unsafe_attribute_access(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jinja2.exceptions import SecurityError

    (tmp_path / "evil.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        sandbox(tmp_path).get_template("evil.j2").render()
