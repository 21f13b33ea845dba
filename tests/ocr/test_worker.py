"""`ocr.extract` end to end: RabbitMQ -> a real `ocr` worker process (model loaded once) -> Redis result."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from celery import Celery

from ocr.errors import OcrConfigurationError
from shared.artifacts import FilesystemArtifactStore
from shared.errors import PayloadError
from tests.ocr.conftest import PARAGRAPH, cer, encode, noisy_rotated, text_image
from tests.support.workers import WorkerProcess


def test_extract_through_the_worker(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery, worker_env: dict[str, str]
) -> None:
    worker = start_worker("ocr", env={"OCR_THREADS": "2"})
    store = FilesystemArtifactStore(Path(worker_env["ARTIFACT_DIR"]))
    scan = noisy_rotated(text_image())
    ref = store.put(encode(scan, "JPEG", quality=85), name="scan.jpg", content_type="image/jpeg")
    body = celery_client.send_task("ocr.extract", kwargs={"artifact_key": ref.key, "language": "ro"}).get(timeout=120)
    assert body["engine"] == "rapidocr" and body["format"] == "jpeg" and body["page_count"] == 1
    assert cer("\n".join(PARAGRAPH), body["text"]) <= 0.03, body["text"]
    page = body["pages"][0]
    assert (page["width"], page["height"]) == scan.size
    assert all(len(line["box"]) == 4 and 0 <= line["confidence"] <= 1 for line in page["lines"])

    small = base64.b64encode(encode(text_image(["Bună ziua, Țară!"], width=700))).decode()
    body = celery_client.send_task("ocr.extract", kwargs={"content_base64": small, "engine": "tesseract"}).get(
        timeout=60
    )
    assert body["engine"] == "tesseract" and "Bună ziua, Țară!" in body["text"]

    with pytest.raises(PayloadError) as info:
        celery_client.send_task(
            "ocr.extract", kwargs={"content_base64": base64.b64encode(b"GIF89a" + b"\0" * 64).decode()}
        ).get(timeout=60)
    assert info.value.errors[0]["type"] == "unsupported_format"
    with pytest.raises(PayloadError):
        celery_client.send_task("ocr.extract", kwargs={"language": "ro"}).get(timeout=60)

    again = base64.b64encode(encode(text_image(["A doua cerere"], width=700))).decode()
    body = celery_client.send_task("ocr.extract", kwargs={"content_base64": again}).get(timeout=60)
    assert "A doua cerere" in body["text"]
    # the model was loaded once in the pool child, not per task
    loads = [line for line in worker.logs(since_start=True).splitlines() if "ocr engine loaded" in line]
    assert [("rapidocr" in line, "tesseract" in line) for line in loads] == [(True, False), (False, True)], loads

    response = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert response.status_code == 200, response.text
    (check,) = [c for c in response.json()["deep"] if c["name"] == "ocr-engine"]
    assert check["status"] == "ok" and check["details"]["engine"] == "rapidocr"


def test_misconfigured_engine_fails_readiness_and_tasks_clearly(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery
) -> None:
    worker = start_worker("ocr", env={"OCR_ENGINE": "paddleocr"})
    response = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert response.status_code == 503
    (check,) = [c for c in response.json()["deep"] if c["name"] == "ocr-engine"]
    assert "OCR_PADDLE_DET_MODEL_DIR" in check["error"]
    small = base64.b64encode(encode(text_image(["x"], width=200))).decode()
    result = celery_client.send_task("ocr.extract", kwargs={"content_base64": small})
    with pytest.raises(OcrConfigurationError) as info:
        result.get(timeout=60)
    assert info.value.code == "ocr_misconfigured" and "OCR_PADDLE_DET_MODEL_DIR" in info.value.message
    assert result.state == "FAILURE"
