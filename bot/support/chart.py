"""The support metrics chart as PNG, drawn with matplotlib (Agg, no display needed).

Two panels: SLA compliance per provider against the target line, and issues opened
and closed per week. Names are set in DejaVu Sans (Latin, Greek, Cyrillic) with a CJK
font behind it for the glyphs it lacks (matplotlib's per-glyph fallback);
`scripts/ensure-fonts` installs Debian's Noto Sans CJK. matplotlib is imported on the
first chart only, so starting the bot does not pay for it.
"""

from __future__ import annotations

import glob
import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

INK = "#282c34"
GRID = "#e1e4e8"
OPENED = "#367bf5"
CLOSED = "#2eb67d"
GOOD = "#2e8c5a"
BAD = "#cc3333"
NONE = "#b0b4ba"

LATIN = "DejaVu Sans"
# Tried in this order for what DejaVu Sans lacks; the first installed one is used.
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "IPAexGothic",
)
# Where Debian puts them: added by path when matplotlib's font cache predates them.
CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
LABEL_WIDTH = 22  # in columns; a wide (CJK) character takes two
LABEL_LINES = 2
MAX_PROVIDERS = 25
LEFT_IN = 2.1  # room for two lines of LABEL_WIDTH columns at 10 pt
RIGHT_IN = 1.1  # room for "100% of 1234"
BARS_UP_TO = 16  # weeks; more are drawn as lines

_setup_lock = threading.Lock()
_draw_lock = threading.Lock()
_families: list[str] | None = None


@dataclass(frozen=True)
class ProviderBar:
    """One provider: the share of its due SLA targets met (None: none came due)."""

    label: str
    compliance: float | None
    judged: int


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    opened: int
    closed: int


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """Wrap a name on spaces (anywhere in CJK) into at most `lines` lines; … when cut."""
    out: list[str] = []
    words = text.split()
    line = ""
    while words and len(out) < lines:
        word = words[0]
        candidate = f"{line} {word}" if line else word
        if sum(map(_width, candidate)) <= width:
            line = candidate
            words.pop(0)
            continue
        if line:
            out.append(line)
            line = ""
            continue
        # A single word wider than a line: break it between characters.
        cut, used = 0, 0
        while cut < len(word) and used + _width(word[cut]) <= width:
            used += _width(word[cut])
            cut += 1
        out.append(word[:cut])
        words[0] = word[cut:]
    if line and len(out) < lines:
        out.append(line)
        line = ""
    if words or line:
        last = out[-1]
        while last and sum(map(_width, last)) + 1 > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return "\n".join(out)


def font_families() -> list[str]:
    """The font families the chart uses, first DejaVu Sans, then the installed CJK ones."""
    global _families
    with _setup_lock:
        if _families is None:
            from matplotlib import font_manager

            def installed() -> set[str]:
                return {f.name for f in font_manager.fontManager.ttflist}

            names = installed()
            if not any(f in names for f in CJK_FAMILIES):
                for path in CJK_FILES:
                    for found in glob.glob(path):
                        font_manager.fontManager.addfont(found)
                names = installed()
            _families = [LATIN, *(f for f in CJK_FAMILIES if f in names)]
        return list(_families)


def has_cjk_font() -> bool:
    return len(font_families()) > 1


def _figure_class() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure


def draw(
    title: str,
    providers: Sequence[ProviderBar],
    weeks: Sequence[Week],
    *,
    target: float,
    width_px: int = 1200,
    dpi: int = 100,
) -> bytes:
    """Compliance per provider with the target line, and opened/closed issues per week."""
    figure_class = _figure_class()
    from matplotlib import rc_context

    shown = list(providers[:MAX_PROVIDERS])
    bars_h = max(1.6, 0.42 * max(1, len(shown)) + 0.9)
    height_in = bars_h + 3.4
    style: Any = {  # matplotlib types the keys as a Literal of every rcParam
        "font.family": font_families(),
        "font.size": 10,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        # A fixed title height: placing it automatically measures every tick label again.
        "axes.titley": 1.01,
    }
    # rcParams are global: one chart at a time (they are drawn in background threads).
    with _draw_lock, rc_context(style):
        width_in = width_px / dpi
        fig = figure_class(figsize=(width_in, height_in), dpi=dpi)
        # Fixed margins (in inches) instead of a layout engine: measuring every label
        # for constrained layout costs more than the drawing itself.
        top, bottom = fig.subplots(2, 1, height_ratios=[bars_h, 3.0])
        fig.subplots_adjust(
            left=LEFT_IN / width_in,
            right=1 - RIGHT_IN / width_in,
            top=1 - 0.75 / height_in,
            bottom=0.75 / height_in,
            hspace=1.1 / (height_in / 2),
        )
        fig.suptitle(title, fontsize=14, fontweight="bold")
        _compliance_panel(top, shown, len(providers), target)
        _weeks_panel(bottom, weeks)
        buffer = io.BytesIO()
        # Fast compression: the default level spends a quarter of the time for 10% less.
        fig.savefig(
            buffer, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 1}
        )
    return buffer.getvalue()


def _compliance_panel(ax: Any, shown: list[ProviderBar], total: int, target: float) -> None:
    ax.set_title("SLA targets met, per provider", loc="left", fontsize=11)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of due first-response and resolution targets met")
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    if not shown:
        ax.set_yticks([])
        ax.text(50, 0.5, "No issues in this period", ha="center", va="center")
        ax.set_ylim(0, 1)
        return
    ys = list(range(len(shown)))[::-1]
    values = [b.compliance or 0.0 for b in shown]
    colors = [
        NONE if b.compliance is None else GOOD if b.compliance >= target else BAD for b in shown
    ]
    ax.barh(ys, values, color=colors, height=0.6)
    # Names left of the plot and numbers right of it, as plain texts: a tick each would
    # cost more than the rest of the panel.
    ax.set_yticks([])
    beside = ax.get_yaxis_transform()
    for y, b in zip(ys, shown, strict=True):
        ax.text(-0.01, y, wrap_label(b.label), va="center", ha="right", transform=beside)
        note = "no target due" if b.compliance is None else f"{b.compliance:.0f}% of {b.judged}"
        ax.text(1.01, y, note, va="center", fontsize=9, transform=beside)
    ax.axvline(target, color=INK, linestyle="--", linewidth=1.2)
    ax.text(target, len(shown) - 0.45, f" target {target:.0f}%", va="bottom", fontsize=9)
    ax.set_ylim(-0.6, len(shown) - 0.1)
    if total > len(shown):
        ax.text(0, -0.9, f"{total - len(shown)} more providers in the table", fontsize=8)


def _weeks_panel(ax: Any, weeks: Sequence[Week]) -> None:
    ax.set_title("Issues opened and closed per week", loc="left", fontsize=11)
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    if not weeks:
        ax.set_yticks([])
        return
    xs = list(range(len(weeks)))
    opened, closed = [w.opened for w in weeks], [w.closed for w in weeks]
    if len(weeks) <= BARS_UP_TO:
        half = 0.4
        ax.bar([x - half / 2 for x in xs], opened, half, color=OPENED, label="opened")
        ax.bar([x + half / 2 for x in xs], closed, half, color=CLOSED, label="closed")
    else:  # side-by-side bars for many weeks are a blur; two lines read better
        ax.plot(xs, opened, color=OPENED, linewidth=1.8, marker="o", markersize=3, label="opened")
        ax.plot(xs, closed, color=CLOSED, linewidth=1.8, marker="o", markersize=3, label="closed")
    # Headroom above the highest week for the legend.
    ax.set_ylim(0, max(1, *opened, *closed) * 1.25)
    ax.legend(loc="upper left", frameon=False, ncols=2)
    step = max(1, len(weeks) // 12)
    ticks = xs[::step]
    ax.set_xticks(ticks, [weeks[i].start.strftime("%d %b\n%Y") for i in ticks], fontsize=8)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.set_ylabel("issues")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("week starting (Monday)")
