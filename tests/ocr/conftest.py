"""Test inputs for OCR, generated here with Pillow and DejaVu fonts (no binary files in the repo)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.config import OcrSettings
from ocr.engines import EngineRegistry

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

PARAGRAPH = [
    "FACTURĂ FISCALĂ nr. 2026-0042 din 12.03.2026",
    "Furnizor: Societatea Mărășești Construcții SRL",
    "Cumpărător: Întreprinderea Bârlad SA, București",
    "Servicii de întreținere și reparații instalații termice",
    "Plata se face în lei, prin transfer bancar, până la scadență.",
    "Total de plată: 6.556,52 lei (inclusiv TVA 19%)",
]

TABLE_HEADER = ["Nr.", "Denumire produs", "U.M.", "Cant.", "Preț unitar", "Valoare"]
TABLE_ROWS = [
    ["1", "Țeavă cupru 22 mm", "m", "12", "45,50", "546,00"],
    ["2", "Robinet sferă 3/4", "buc", "4", "38,20", "152,80"],
    ["3", "Manoperă instalații", "oră", "6", "150,00", "900,00"],
    ["4", "Fitinguri și garnituri", "set", "2", "27,35", "54,70"],
]
TABLE_COLUMNS = [60, 200, 900, 1100, 1320, 1640]


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT), size)


def text_image(lines: Sequence[str] = PARAGRAPH, *, size: int = 46, width: int = 2000, margin: int = 80) -> Image.Image:
    """Black text on white, one line per entry (about 11 pt at 300 dpi)."""
    step = int(size * 1.9)
    image = Image.new("RGB", (width, margin * 2 + step * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font(size), fill="black")
    return image


def table_image() -> tuple[Image.Image, str]:
    """A bordered invoice table; returns the image and its ground truth (row by row)."""
    size, step = 40, 90
    rows = [TABLE_HEADER, *TABLE_ROWS]
    image = Image.new("RGB", (1900, 120 + step * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    top = 60
    for r, row in enumerate(rows):
        y = top + r * step
        draw.line([(40, y), (1860, y)], fill="black", width=2)
        for c, cell in enumerate(row):
            draw.text((TABLE_COLUMNS[c], y + 22), cell, font=font(size, bold=r == 0), fill="black")
    bottom = top + len(rows) * step
    draw.line([(40, bottom), (1860, bottom)], fill="black", width=2)
    for x in [40, *[c - 20 for c in TABLE_COLUMNS[1:]], 1860]:
        draw.line([(x, top), (x, bottom)], fill="black", width=2)
    truth = "\n".join(" ".join(row) for row in rows)
    return image, truth


def noisy_rotated(image: Image.Image, *, angle: float = 2.5, seed: int = 7, quality: int = 70) -> Image.Image:
    """A phone-scan look: slightly rotated, grey speckle noise, JPEG artefacts."""
    rotated = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    array = np.asarray(rotated.convert("L"), dtype=np.float64)
    rng = np.random.default_rng(seed)
    array = array * 0.85 + 20 + rng.normal(0, 18, array.shape)
    noisy = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), mode="L").convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(truth: str, found: str) -> float:
    """Character error rate over whitespace-normalised text."""
    t, f = normalise(truth), normalise(found)
    return levenshtein(t, f) / max(1, len(t))


def ocr_settings(**overrides: object) -> OcrSettings:
    return OcrSettings(**{"WORKERS_CORE_ENV": "test", **overrides})  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def engine_registry() -> Iterator[EngineRegistry]:
    """Engines built once for the whole session, as in a worker process."""
    yield EngineRegistry(lambda: ocr_settings())
