"""A small bar chart as PNG, drawn with the standard library only (zlib + struct).

Labels use a built-in 3x5 pixel font (upper-case letters, digits, a few signs),
so the chart needs no fonts, no imaging library and no plotting package.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
INK: Color = (40, 44, 52)
GRID: Color = (225, 228, 232)
OPENED: Color = (54, 123, 245)
CLOSED: Color = (46, 182, 125)
GOOD: Color = (46, 140, 90)
BAD: Color = (204, 51, 51)

# Each glyph: five rows of three pixels, row by row ("#" on).
_FONT = {
    "A": ".#.#.#####.##.#",
    "B": "##.#.###.#.###.",
    "C": ".###..#..#...##",
    "D": "##.#.##.##.###.",
    "E": "####..##.#..###",
    "F": "####..##.#..#..",
    "G": ".###..#.##.#.##",
    "H": "#.##.#####.##.#",
    "I": "###.#..#..#.###",
    "J": "..#..#..##.#.#.",
    "K": "#.##.###.#.##.#",
    "L": "#..#..#..#..###",
    "M": "#.########.##.#",
    "N": "##.#.##.##.##.#",
    "O": ".#.#.##.##.#.#.",
    "P": "##.#.###.#..#..",
    "Q": ".#.#.##.###..##",
    "R": "##.#.###.#.##.#",
    "S": ".###...#...###.",
    "T": "###.#..#..#..#.",
    "U": "#.##.##.##.####",
    "V": "#.##.##.##.#.#.",
    "W": "#.##.########.#",
    "X": "#.##.#.#.#.##.#",
    "Y": "#.##.#.#..#..#.",
    "Z": "###..#.#.#..###",
    "0": "####.##.##.####",
    "1": ".#.##..#..#.###",
    "2": "###..#####..###",
    "3": "###..####..####",
    "4": "#.##.####..#..#",
    "5": "####..###..####",
    "6": "####..####.####",
    "7": "###..#..#..#..#",
    "8": "####.#####.####",
    "9": "####.####..####",
    " ": "...............",
    "-": "......###......",
    ".": ".............#.",
    "%": "#.#..#.#.#..#.#",
    "/": "..#..#.#.#..#..",
    ":": "....#.....#....",
    "(": ".#.#..#..#...#.",
    ")": ".#...#..#..#.#.",
    "?": "###..#.#.....#.",
    "+": "....#.###.#....",
    "_": "............###",
}


class Canvas:
    """An RGB pixel buffer with rectangles and text."""

    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(color) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color = INK, scale: int = 2) -> int:
        """Draw text; returns its width in pixels."""
        cx = x
        for ch in text.upper():
            glyph = _FONT.get(ch, _FONT["?"])
            for i, on in enumerate(glyph):
                if on == "#":
                    self.rect(cx + (i % 3) * scale, y + (i // 3) * scale, scale, scale, color)
            cx += 4 * scale
        return cx - x

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b"")
        )


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * 4 * scale


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@dataclass(frozen=True)
class Bar:
    """One group of the chart: a provider's opened and closed counts and SLA compliance."""

    label: str
    opened: int
    closed: int
    compliance: float | None


def bar_chart(title: str, bars: list[Bar], *, width: int = 720, height: int = 400) -> bytes:
    """Opened and closed issues per group, with SLA compliance above each group."""
    c = Canvas(width, height)
    c.text(16, 14, title[:80])
    legend_x = width - 16 - text_width("OPENED  CLOSED") - 40
    c.rect(legend_x, 14, 10, 10, OPENED)
    c.text(legend_x + 14, 14, "OPENED")
    c.rect(legend_x + 14 + text_width("OPENED") + 12, 14, 10, 10, CLOSED)
    c.text(legend_x + 28 + text_width("OPENED") + 12, 14, "CLOSED")

    left, right, top, bottom = 48, width - 16, 56, height - 48
    shown = bars[:10]
    peak = max([1, *(max(b.opened, b.closed) for b in shown)])
    step = _nice_step(peak)
    top_value = ((peak + step - 1) // step) * step
    plot_h = bottom - top
    for value in range(0, top_value + 1, step):
        y = bottom - int(plot_h * value / top_value)
        c.rect(left, y, right - left, 1, GRID)
        label = str(value)
        c.text(left - 8 - text_width(label), y - 5, label)
    c.rect(left, top, 1, plot_h, INK)
    c.rect(left, bottom, right - left, 1, INK)
    if not shown:
        c.text(left + 20, top + plot_h // 2, "NO ISSUES IN THIS PERIOD")
        return c.png()

    group_w = (right - left) // len(shown)
    bar_w = max(4, min(40, group_w // 3))
    for i, b in enumerate(shown):
        gx = left + i * group_w + (group_w - 2 * bar_w - 4) // 2
        for j, (value, color) in enumerate(((b.opened, OPENED), (b.closed, CLOSED))):
            h = int(plot_h * value / top_value)
            c.rect(gx + j * (bar_w + 4), bottom - h, bar_w, h, color)
        if b.compliance is not None:
            pct = f"{b.compliance:.0f}%"
            peak_h = int(plot_h * max(b.opened, b.closed) / top_value)
            c.text(
                gx + bar_w - text_width(pct) // 2,
                bottom - peak_h - 16,
                pct,
                GOOD if b.compliance >= 90 else BAD,
            )
        max_chars = max(1, (group_w - 4) // 8)
        label = b.label.upper()[:max_chars]
        c.text(left + i * group_w + (group_w - text_width(label)) // 2, bottom + 12, label)
    c.text(16, height - 20, "PERCENT: SLA TARGETS MET")
    return c.png()


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return max(1, peak // 5)
