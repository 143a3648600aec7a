"""The .env file is read with python-dotenv's rules: comments, quotes, `export`, expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings, read_dotenv
from bot.errors import ConfigError


def _env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_comment_after_a_value_is_not_part_of_it(tmp_path: Path) -> None:
    # The reported line: the hand-written reader took "3001  # dev port" as the port.
    s = load_settings({}, dotenv=_env(tmp_path, "PORT=3001  # dev port\n"))
    assert s.port == 3001
    assert s.public_url == "http://localhost:3001"


def test_quotes_export_and_hashes_inside_quotes(tmp_path: Path) -> None:
    values = read_dotenv(
        _env(
            tmp_path,
            "# a whole-line comment\n"
            "\n"
            "export PUBLIC_URL='https://bot.example.org'  # where members reach it\n"
            'SLACK_SIGNING_SECRET="s3cr#t with spaces"\n'
            "WGBOT_ADMINS=U01ALICE,U02BOB\n"
            "LOG_LEVEL = warning\n"
            "EMPTY=\n",
        )
    )
    assert values == {
        "PUBLIC_URL": "https://bot.example.org",
        "SLACK_SIGNING_SECRET": "s3cr#t with spaces",
        "WGBOT_ADMINS": "U01ALICE,U02BOB",
        "LOG_LEVEL": "warning",
        "EMPTY": "",
    }


def test_variables_expand_and_the_environment_wins(tmp_path: Path) -> None:
    path = _env(tmp_path, "PORT=4000\nPUBLIC_URL=https://bot.example.org:${PORT}/\n")
    s = load_settings({"PORT": "5000"}, dotenv=path)
    assert s.port == 5000  # the environment wins over the file
    assert s.public_url == "https://bot.example.org:4000"  # the file's own value expanded


def test_multiline_double_quoted_value(tmp_path: Path) -> None:
    values = read_dotenv(_env(tmp_path, 'NOTE="first\nsecond"\nPORT=3002\n'))
    assert values["NOTE"] == "first\nsecond"
    assert values["PORT"] == "3002"


def test_a_line_that_is_not_key_value_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({}, dotenv=_env(tmp_path, "PORT=3001\nthis is not a setting\n"))
    assert err.value.variable == ".env line 2"
    assert err.value.problem == "expected KEY=VALUE"


def test_validation_is_kept(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({}, dotenv=_env(tmp_path, "PORT='eighty'  # not a number\n"))
    assert err.value.variable == "PORT"
    assert "'eighty'" in err.value.problem


def test_no_file_is_no_settings(tmp_path: Path) -> None:
    assert read_dotenv(tmp_path / "missing.env") == {}
