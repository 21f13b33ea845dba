"""Reading order: recognised lines grouped into visual rows (top to bottom), cells left to right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

__all__ = ["RecognizedLine", "page_text", "reading_order"]

Point = tuple[float, float]


@dataclass(frozen=True)
class RecognizedLine:
    """What an engine found: text, confidence 0..1 and a four-point box in page pixels."""

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]

    @property
    def top(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def left(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


def reading_order(lines: Sequence[RecognizedLine]) -> list[list[RecognizedLine]]:
    """Rows of lines: a line joins the current row when its centre is within half a line height of it."""
    if not lines:
        return []
    typical = median(line.height for line in lines)
    rows: list[list[RecognizedLine]] = []
    row_center = 0.0
    for line in sorted(lines, key=lambda item: item.center_y):
        if rows and abs(line.center_y - row_center) <= 0.5 * min(typical, line.height):
            rows[-1].append(line)
            row_center = sum(item.center_y for item in rows[-1]) / len(rows[-1])
        else:
            rows.append([line])
            row_center = line.center_y
    return [sorted(row, key=lambda item: item.left) for row in rows]


def page_text(rows: Sequence[Sequence[RecognizedLine]]) -> str:
    """One text line per row; cells of a row (table columns) separated by a tab."""
    return "\n".join("\t".join(line.text for line in row) for row in rows)
