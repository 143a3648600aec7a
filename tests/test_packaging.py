"""A non-editable install finds its templates and migrations from the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # setuptools builds in the tree and reuses build/lib: a stale one would put
    # modules that moved or were removed back into the wheel.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list(out.glob("wgbot-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_carries_every_package_template_and_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.glob("templates/**/*.j2"):
        assert "bot/templates/" + str(path.relative_to(ROOT / "templates")) in names
    for path in ROOT.glob("migrations/versions/*.py"):
        assert "bot/migrations/versions/" + path.name in names
    assert "bot/migrations/env.py" in names and "bot/migrations/script.py.mako" in names
    assert "bot/timekit/data/cities.tsv" in names
    for pkg in ROOT.glob("bot/**/__init__.py"):
        assert str(pkg.relative_to(ROOT)) in names, (
            f"{pkg} is not packaged: list it in pyproject.toml"
        )
    # The command adapters live in commands/ (the layout asked for) but install as
    # bot.commands: nothing generic at the top of site-packages.
    for path in ROOT.glob("commands/*.py"):
        assert "bot/commands/" + path.name in names
    assert {name.split("/")[0] for name in names if not name.startswith("wgbot-")} == {"bot"}


def test_installed_copy_migrates_and_answers_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["PYTHONPATH"] = str(target)
    env["DATABASE_URL"] = f"sqlite:///{work / 'x.db'}"
    probe = (
        "import bot, bot.resources as r; "
        "print(bot.__file__); print(r.templates_dir()); print(r.migrations_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert len(out) == 3, out  # bot, its templates, its migrations
    assert all(line.startswith(str(target)) for line in out), out
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/wg help\n",
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "/wg help" in proc.stdout
