"""Settings of the OCR worker (``OCR_*``): engine choice, input limits, time limits, engine tuning."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["EngineName", "OcrSettings", "get_settings"]

EngineName = Literal["rapidocr", "tesseract", "paddleocr"]


class OcrSettings(BaseServiceSettings):
    """CPU only (GPU=false): every engine runs on the CPU; the models load once per worker process."""

    model_config = SettingsConfigDict(
        env_prefix="OCR_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    engine: EngineName = "rapidocr"
    default_language: str = "ro"
    gpu: bool = False
    default_dpi: int = Field(default=200, ge=72, le=600)
    max_dpi: int = Field(default=400, ge=72, le=1200)
    #: Largest document read from the artifact store, and largest inline (base64) payload, in bytes.
    max_input_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_inline_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_pages: int = Field(default=50, ge=1)
    #: Pixels of one page (A4 at 600 dpi is 35 MP) and of the whole document.
    max_page_pixels: int = Field(default=40_000_000, ge=10_000)
    max_total_pixels: int = Field(default=400_000_000, ge=10_000)
    #: Seconds for one document (below the queue's soft time limit) and for one page.
    timeout: float = Field(default=240.0, gt=0)
    page_timeout: float = Field(default=120.0, gt=0)
    #: RapidOCR: bound the detector's input (``max`` 1280 is 3x faster than the default with no loss here).
    det_limit_type: Literal["max", "min"] = "max"
    det_limit_side_len: int = Field(default=1280, ge=320, le=4096)
    use_cls: bool = False
    #: ONNX Runtime / Paddle threads per process (0 = library default).
    threads: int = Field(default=0, ge=0, le=64)
    tesseract_cmd: str = "tesseract"
    tesseract_psm: int = Field(default=3, ge=0, le=13)
    tesseract_threads: int = Field(default=1, ge=1, le=64)
    paddle_det_model_dir: Path | None = None
    paddle_rec_model_dir: Path | None = None
    paddle_cls_model_dir: Path | None = None

    @field_validator("paddle_det_model_dir", "paddle_rec_model_dir", "paddle_cls_model_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value  # ``VAR=`` in .env means unset

    @model_validator(mode="after")
    def _cpu_only(self) -> OcrSettings:
        if self.gpu:
            raise ValueError("OCR_GPU=true is not supported: the OCR worker runs on CPU only (GPU=false)")
        if self.default_dpi > self.max_dpi:
            raise ValueError("OCR_DEFAULT_DPI must not exceed OCR_MAX_DPI")
        return self


@lru_cache(maxsize=1)
def get_settings() -> OcrSettings:
    return OcrSettings()
