"""Locate the templates and migrations, installed or in a source checkout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _package_dir(package: str, fallback: str) -> Path:
    # Installed, templates/ and migrations/ are the packages bot.templates and
    # bot.migrations; in a checkout without an install they sit at the top.
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    return _REPO_ROOT / fallback


def templates_dir() -> Path:
    return _package_dir("bot.templates", "templates")


def migrations_dir() -> Path:
    return _package_dir("bot.migrations", "migrations")
