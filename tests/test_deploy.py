"""The packaging for a server: Dockerfile, compose.yaml and the systemd unit are real.

Images cannot be built here, so the test does what the Dockerfile does with what it
copies: builds the wheel from the files its build stage COPYs, installs it apart from
the checkout, and runs the image's entry point (`wgbot migrate`, then `wgbot serve`)
with the image's environment until /healthz answers; the compose file's and the
unit's commands must be subcommands and options `wgbot` accepts.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser, cmd_backup, cmd_migrate, cmd_serve, cmd_worker
from bot.config import load_settings
from tests.harness.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT = 300


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for word, rest in _instructions():
        if word == "FROM":
            stages.append([])
        stages[-1].append((word, rest))
    return stages


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _exec_form(stage: list[tuple[str, str]], word: str) -> list[str]:
    found = [rest for w, rest in stage if w == word]
    assert found, f"the image has no {word}"
    value = json.loads(found[-1])
    assert isinstance(value, list), f"{word} in exec form (signals reach the process)"
    return [str(v) for v in value]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the build stage's COPYs, installed apart: site-packages + bin."""
    build, final = _stages()
    context = tmp_path_factory.mktemp("context")
    for word, rest in build:
        if word == "COPY":
            *sources, _dest = shlex.split(rest)
            for source in sources:
                src = ROOT / source.rstrip("/")
                if src.is_dir():
                    shutil.copytree(
                        src,
                        context / source.rstrip("/"),
                        symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"),
                    )
                else:
                    shutil.copy(src, context / source)
    runs = [rest for word, rest in build if word == "RUN"]
    assert any("pip wheel" in r and "--no-deps" in r for r in runs), runs
    wheels = tmp_path_factory.mktemp("wheels")
    # Offline here: the build backend comes from this virtualenv, not from PyPI.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--wheel-dir",
            str(wheels),
            str(context),
        ],
        check=True,
        capture_output=True,
        timeout=BUILD_TIMEOUT,
    )
    (wheel,) = wheels.glob("wgbot-*.whl")
    site = tmp_path_factory.mktemp("site")
    assert any("pip install" in rest for word, rest in final if word == "RUN")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=BUILD_TIMEOUT,
    )
    assert (site / "bin" / "wgbot").is_file()
    return site


def _image_env(site: Path, work: Path, fake: FakeSlack, port: int) -> dict[str, str]:
    """What the container would see: the image's ENV, the wheel on the path, a .env's secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    image_env = _env(_stages()[-1])
    assert image_env["DATABASE_URL"].startswith("sqlite:////var/lib/wgbot/")
    env.update(image_env)
    # The volume's path does not exist here: the same database in a temporary directory.
    env["DATABASE_URL"] = f"sqlite:///{work / 'wgbot.db'}"
    env["PORT"] = str(port)
    env["PATH"] = f"{site / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(site)
    env["SLACK_BOT_TOKEN"] = "xoxb-deploy-test"
    env["SLACK_SIGNING_SECRET"] = "deploy-test-secret"
    env["SLACK_API_URL"] = fake.url
    return env


def _wait_for(proc: subprocess.Popen[str], url: str, timeout: float = 25.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited early: {proc.communicate()[1]}"
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return int(r.status)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """SIGTERM, as `docker stop` and systemd send; (status, stdout, stderr)."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"did not stop on SIGTERM: {err}") from None
    return proc.returncode, out, err


# Builds a wheel and runs the entrypoint (11 s): in `make test-slow`, which CI runs.
@pytest.mark.slow
def test_the_image_runs_migrate_then_serve_from_the_wheel(
    installed: Path, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    final = _stages()[-1]
    user = [rest for word, rest in final if word == "USER"]
    assert user and user[-1] not in ("root", "0"), "the image runs as an unprivileged user"
    entrypoint, command = _exec_form(final, "ENTRYPOINT"), _exec_form(final, "CMD")
    assert command == ["serve"]
    script = entrypoint[-1]
    copies = [shlex.split(rest) for word, rest in final if word == "COPY"]
    (source,) = [c[0] for c in copies if c[-1] == script]
    work = tmp_path / "var-lib-wgbot"
    work.mkdir()
    port = _free_port()
    env = _image_env(installed, work, fake_slack, port)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot.resources as r; print(r.templates_dir(), r.migrations_dir())",
        ],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert all(p.startswith(str(installed)) for p in probe.stdout.split()), probe.stdout

    proc = subprocess.Popen(
        [*entrypoint[:-1], str(ROOT / source), *command],
        env=env,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(proc, f"http://127.0.0.1:{port}/healthz") == 200
    finally:
        status, out, err = _stop(proc)
    assert "wgbot: database is up to date" in out, (out, err)
    assert status == 0, err

    # The compose file's worker, through the same entry point, on the migrated database.
    worker = subprocess.Popen(
        [*entrypoint[:-1], str(ROOT / source), "worker"],
        env=env,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 25
    try:
        assert worker.stderr is not None
        line = ""
        while "worker running" not in line and time.monotonic() < deadline:
            line = worker.stderr.readline()
            assert line or worker.poll() is None, "the worker exited early"
    finally:
        status, _out, err = _stop(worker)
    assert "worker running" in line
    assert status == 0, err


def _parse(argv: list[str]) -> Any:
    return build_parser().parse_args(argv)


def test_compose_runs_postgres_two_web_processes_and_a_worker() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "web", "worker"}
    assert str(services["postgres"]["image"]).startswith("postgres:")
    web, worker = _parse(services["web"]["command"]), _parse(services["worker"]["command"])
    assert web.func is cmd_serve and web.workers == 2
    assert worker.func is cmd_worker
    for name in ("web", "worker"):
        service = services[name]
        assert service["build"] == "."
        assert "postgres" in service["depends_on"]
        url = service["environment"]["DATABASE_URL"]
        password = url.split(":", 2)[2].split("@")[0]
        assert password.startswith("${POSTGRES_PASSWORD")
        settings = load_settings({"DATABASE_URL": url.replace(password, "pw")}, dotenv=None)
        assert settings.database_url == "postgresql+psycopg://wgbot:pw@postgres/wgbot"
    assert services["web"]["ports"] == ["3000:3000"]


def test_systemd_unit_migrates_then_serves_as_its_own_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((ROOT / "deploy" / "wgbot.service").read_text())
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    assert service["User"] not in ("root", "0")
    pre, start = shlex.split(service["ExecStartPre"]), shlex.split(service["ExecStart"])
    assert Path(pre[0]).name == Path(start[0]).name == "wgbot"
    assert _parse(pre[1:]).func is cmd_migrate
    assert _parse(start[1:]).func is cmd_serve
    assert service["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_readme_deployment_uses_the_files() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deployment on PostgreSQL with several processes", 1)[1]
    section = section.split("\n## ", 1)[0]
    for name in ("Dockerfile", "compose.yaml", "deploy/wgbot.service", "wgbot backup", "pg_dump"):
        assert name in section, name
    assert _parse(["backup", "copy.db"]).func is cmd_backup
