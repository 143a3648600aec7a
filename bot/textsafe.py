"""Text fit for a calendar feed or an HTML page: no stray control characters or line breaks.

People type anything: a lone carriage return, a vertical tab or U+2028 in a meeting
name would reach an ICS feed raw (a reader that splits lines on any break then sees
an injected property; a strict one rejects the whole feed) or an HTML page (where
the format forbids C0/C1 controls). Line and paragraph separators and the breaks
neither format keeps become a space; the other controls are dropped.
"""

from __future__ import annotations

import re

# CR, VT, FF, NEL (U+0085), LINE SEPARATOR, PARAGRAPH SEPARATOR: breaks to some readers.
_BREAKS = "\r\x0b\x0c\x85\u2028\u2029"
# C0 but tab and newline, DEL, C1 but NEL: allowed by neither format.
_CONTROLS = [c for c in range(0x20) if chr(c) not in "\t\n" + _BREAKS] + [
    c for c in range(0x7F, 0xA0) if chr(c) not in _BREAKS
]
_TABLE: dict[int, str | None] = {c: None for c in _CONTROLS}
_TABLE.update({ord(c): " " for c in _BREAKS})
_ONE_LINE = dict(_TABLE)
_ONE_LINE[ord("\n")] = " "
# Lone surrogates (from JSON's \ud800 escapes) cannot even be encoded as UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(text: str, *, newlines: bool = True) -> str:
    """`text` without disallowed controls; breaks (and, unless `newlines`, \\n) as spaces."""
    text = text.replace("\r\n", "\n")
    out = text.translate(_TABLE if newlines else _ONE_LINE)
    return _SURROGATES.sub("", out) if not out.isascii() else out
