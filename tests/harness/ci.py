"""The one rule for "are we in CI", shared by the suite and the shell scripts.

CI is on when the ``CI`` environment variable is a true value in any usual spelling:
``1``, ``true``, ``yes`` or ``on``, case and surrounding spaces ignored. Anything
else (unset, empty, ``0``, ``false``, ``no``, ``off``…) means a developer's machine.
``scripts/in-ci`` applies the same rule for the shell scripts and the Makefile;
``tests/harness/test_guards.py`` checks that both agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when running in CI: there PostgreSQL and Chromium are required, never skipped."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() in TRUE_VALUES
