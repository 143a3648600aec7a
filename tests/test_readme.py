"""The README is the user's manual: its links must lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Headings and links inside code blocks are examples, not the manual's structure.
PROSE = re.sub(r"```.*?```", "", README, flags=re.S)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_in_page_link_names_a_heading() -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", PROSE, flags=re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", PROSE))
    assert links, "the README links its own sections"
    assert sorted(links - anchors) == []


def test_every_linked_file_and_picture_is_in_the_repository() -> None:
    targets = set(re.findall(r"\]\((?!https?:|#|mailto:)([^)#\s]+)", PROSE))
    assert {"docs/minutes-page.png", "docs/metrics-chart.png"} <= targets
    assert sorted(t for t in targets if not (ROOT / t).exists()) == []
