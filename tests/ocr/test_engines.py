"""Engines on generated Romanian pages: character error rate measured here, diacritics, configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.diacritics import normalize_romanian
from ocr.engines import EngineRegistry, build_engine
from ocr.errors import OcrConfigurationError
from ocr.layout import RecognizedLine, page_text, reading_order
from tests.ocr.conftest import PARAGRAPH, cer, noisy_rotated, ocr_settings, table_image, text_image

MAX_CER = 0.03


def read(registry: EngineRegistry, name: str, image) -> str:  # type: ignore[no-untyped-def]
    engine = registry.get(name)  # type: ignore[arg-type]
    lines = engine.recognize(image, "ro", timeout=60)
    return normalize_romanian(page_text(reading_order(lines)))


def test_default_engine_paragraph_table_and_noisy_rotated_scan(engine_registry: EngineRegistry) -> None:
    paragraph = "\n".join(PARAGRAPH)
    table, table_truth = table_image()
    results = {
        "paragraph": cer(paragraph, read(engine_registry, "rapidocr", text_image())),
        "table": cer(table_truth, read(engine_registry, "rapidocr", table)),
        "noisy_rotated": cer(paragraph, read(engine_registry, "rapidocr", noisy_rotated(text_image()))),
    }
    print("rapidocr CER:", {k: f"{v:.2%}" for k, v in results.items()})
    assert all(v <= MAX_CER for v in results.values()), results


def test_default_engine_keeps_romanian_diacritics_and_table_rows(engine_registry: EngineRegistry) -> None:
    text = read(engine_registry, "rapidocr", text_image())
    for word in ("FACTURĂ", "Mărășești", "Construcții", "Întreprinderea", "Bârlad", "întreținere", "reparații"):
        assert word in text, (word, text)
    table, _ = table_image()
    rows = read(engine_registry, "rapidocr", table).splitlines()
    assert len(rows) == 5  # header + 4 rows, each cell of a row on the same line
    assert rows[2].split("\t")[-1] == "152,80" and rows[2].split("\t")[0] == "2"


@pytest.mark.tesseract
def test_tesseract_reads_romanian_with_comma_below(engine_registry: EngineRegistry) -> None:
    paragraph = "\n".join(PARAGRAPH)
    text = read(engine_registry, "tesseract", text_image())
    assert cer(paragraph, text) <= MAX_CER, text
    assert not set("şţŞŢ") & set(text)  # cedilla forms never leave the engine
    assert "reparații" in text and "Mărășești" in text


def test_engines_load_once_per_process(engine_registry: EngineRegistry) -> None:
    first = engine_registry.get("rapidocr")
    assert engine_registry.get("rapidocr") is first
    assert "rapidocr" in engine_registry.loaded()


def test_cedilla_normalisation() -> None:
    assert normalize_romanian("Construcţii şi ŢARĂ, Şcoala") == "Construcții și ȚARĂ, Școala"
    assert normalize_romanian("deja corect: ș ț Ș Ț") == "deja corect: ș ț Ș Ț"


def test_reading_order_groups_cells_into_rows() -> None:
    def box(x: float, y: float, w: float = 100, h: float = 30):  # type: ignore[no-untyped-def]
        return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))

    lines = [
        RecognizedLine("Valoare", 0.9, box(600, 12)),
        RecognizedLine("Nr.", 0.9, box(10, 10)),
        RecognizedLine("2", 0.9, box(10, 100)),
        RecognizedLine("Denumire", 0.9, box(200, 8)),
        RecognizedLine("Robinet", 0.9, box(200, 103)),
    ]
    assert page_text(reading_order(lines)) == "Nr.\tDenumire\tValoare\n2\tRobinet"


def test_paddleocr_engine_explains_its_configuration(tmp_path: Path) -> None:
    with pytest.raises(OcrConfigurationError) as info:
        build_engine("paddleocr", ocr_settings(engine="paddleocr"))
    assert "OCR_PADDLE_DET_MODEL_DIR" in info.value.message and "OCR_PADDLE_REC_MODEL_DIR" in info.value.message
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OcrConfigurationError) as info:
        build_engine("paddleocr", ocr_settings(paddle_det_model_dir=empty, paddle_rec_model_dir=empty))
    assert str(empty) in info.value.message
    for name in ("det", "rec"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "inference.json").write_text("{}")
    try:
        import paddleocr  # noqa: F401
    except ImportError:
        with pytest.raises(OcrConfigurationError) as info:
            build_engine(
                "paddleocr", ocr_settings(paddle_det_model_dir=tmp_path / "det", paddle_rec_model_dir=tmp_path / "rec")
            )
        assert "not installed" in info.value.message and "rapidocr" in info.value.message
    else:  # pragma: no cover - only where paddleocr is installed: the dummy dirs are no models
        with pytest.raises(OcrConfigurationError):
            build_engine(
                "paddleocr", ocr_settings(paddle_det_model_dir=tmp_path / "det", paddle_rec_model_dir=tmp_path / "rec")
            )


def test_missing_tesseract_binary_is_a_configuration_error() -> None:
    with pytest.raises(OcrConfigurationError) as info:
        build_engine("tesseract", ocr_settings(tesseract_cmd="/nonexistent/tesseract"))
    assert "tesseract-ocr-ron" in info.value.message


def test_gpu_is_refused() -> None:
    with pytest.raises(ValueError, match="GPU"):
        ocr_settings(gpu=True)


def test_empty_env_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_PADDLE_DET_MODEL_DIR", "")
    monkeypatch.setenv("OCR_PADDLE_REC_MODEL_DIR", " ")
    monkeypatch.setenv("OCR_ENGINE", "paddleocr")
    settings = ocr_settings()
    assert settings.paddle_det_model_dir is None and settings.paddle_rec_model_dir is None
    with pytest.raises(OcrConfigurationError, match="OCR_PADDLE_DET_MODEL_DIR"):
        build_engine(settings.engine, settings)
