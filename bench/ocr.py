"""Benchmark: pages/s of ``ocr.extract`` through the real worker vs direct engine calls, and peak RSS.

    python -m bench.ocr [-n 4] [--rounds 5] [--engine rapidocr] [--threads 0]

The same generated A4 pages (200 dpi, Romanian invoice text, PNG) are read:
1. directly: the engine built once in this process, ``recognize`` page after page (the ceiling);
2. through the worker: a real ``celery worker -c 1`` process (its own RabbitMQ vhost and Redis DB); every page
   is an artifact, one ``ocr.extract`` task per page, all published at once, timed to the last result.
The two alternate for ``--rounds`` rounds and each pair is compared (the machine is shared, its load drifts);
CPU seconds per page (this process vs the pool process, from /proc) are reported as a load-independent check.
Peak RSS (VmHWM) of the worker's pool process and of its parent is read from /proc after the run.
Ends with ``ocr: ... (targets >= 0.9 x direct)``. Loopback only; bounded loops.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from bench.support import BenchBroker, cpu_seconds  # noqa: E402
from ocr.config import OcrSettings  # noqa: E402
from ocr.engines import build_engine  # noqa: E402
from shared.artifacts import FilesystemArtifactStore  # noqa: E402
from tests.ocr.conftest import PARAGRAPH, TABLE_ROWS, encode, font  # noqa: E402
from tests.pdf_render.conftest import descendants  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402


def a4_page(i: int) -> Image.Image:
    """An A4 page at 200 dpi with about twenty lines of invoice text."""
    from PIL import ImageDraw

    image = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(image)
    lines = [
        f"Pagina {i + 1}",
        *PARAGRAPH,
        *["  ".join(row) for row in TABLE_ROWS],
        *PARAGRAPH[1:5],
        *["  ".join(row) for row in TABLE_ROWS[:3]],
    ]
    for k, line in enumerate(lines):
        draw.text((120, 140 + k * 95), line, font=font(34), fill="black")
    return image


class Direct:
    """The engine built once in this process, read page after page: the ceiling for the worker."""

    def __init__(self, settings: OcrSettings, warm_page: Image.Image):
        started = time.perf_counter()
        self.engine = build_engine(settings.engine, settings)
        self.load_s = time.perf_counter() - started
        self.engine.recognize(warm_page, "ro", timeout=120)

    def rate(self, pages: list[Image.Image]) -> tuple[float, float]:
        """(pages per wall-clock second, CPU seconds per page) of this process."""
        started, cpu = time.perf_counter(), time.process_time()
        for page in pages:
            assert self.engine.recognize(page, "ro", timeout=120)
        return len(pages) / (time.perf_counter() - started), (time.process_time() - cpu) / len(pages)


def vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Worker:
    """A real ``ocr`` worker (-c 1 prefork) on its own vhost; pages are artifacts, one task per page."""

    def __init__(self, blobs: list[bytes], *, engine: str, threads: int, workdir: Path):
        self.broker = BenchBroker(workdir)
        self.client = self.broker.client
        store = FilesystemArtifactStore(workdir / "artifacts")
        self.keys = [store.put(b, name=f"page-{i}.png", content_type="image/png").key for i, b in enumerate(blobs)]
        env = self.broker.worker_env(OCR_ENGINE=engine, OCR_THREADS=str(threads))
        self.process = WorkerProcess("ocr", env, workdir, concurrency=1, pool="prefork")

    def __enter__(self) -> Worker:
        self.process.start(timeout=90)
        self.client.send_task("ocr.extract", kwargs={"artifact_key": self.keys[0]}).get(timeout=300)  # loads the model
        return self

    def pool_pids(self) -> list[int]:
        assert self.process.proc is not None
        return descendants(self.process.proc.pid)

    def rate(self) -> tuple[float, float]:
        """(pages per wall-clock second, CPU seconds per page of the pool process) through RabbitMQ."""
        pids = self.pool_pids()
        cpu = sum(cpu_seconds(pid, with_children=False) for pid in pids)
        started = time.perf_counter()
        results = [self.client.send_task("ocr.extract", kwargs={"artifact_key": key}) for key in self.keys]
        bodies = [r.get(timeout=600) for r in results]
        elapsed = time.perf_counter() - started
        assert all(b["page_count"] == 1 and len(b["pages"][0]["lines"]) >= 15 for b in bodies)
        assert self.pool_pids() == pids, "the pool process changed during the run"
        return len(self.keys) / elapsed, (sum(cpu_seconds(pid, with_children=False) for pid in pids) - cpu) / len(
            self.keys
        )

    def peak_rss_mib(self) -> tuple[float, float]:
        assert self.process.proc is not None
        children = descendants(self.process.proc.pid)
        return (max((vm_hwm_kib(pid) for pid in children), default=0) / 1024, vm_hwm_kib(self.process.proc.pid) / 1024)

    def __exit__(self, *exc: object) -> None:
        self.process.stop(timeout=30)
        self.broker.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=4, help="pages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engine", default="rapidocr", choices=("rapidocr", "tesseract"))
    parser.add_argument("--threads", type=int, default=0, help="OCR_THREADS (0 = library default)")
    args = parser.parse_args()

    pages = [a4_page(i) for i in range(args.n)]
    settings = OcrSettings(engine=args.engine, threads=args.threads, WORKERS_CORE_ENV="test")
    direct = Direct(settings, pages[0])
    print(f"direct {args.engine}: engine load {direct.load_s:.1f} s", flush=True)
    ratios, cpu_ratios, direct_rates, worker_rates = [], [], [], []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp,
        Worker([encode(p) for p in pages], engine=args.engine, threads=args.threads, workdir=Path(tmp)) as worker,
    ):
        # alternate the two and compare each pair: load from other processes on the machine drifts slowly
        for round_no in range(1, args.rounds + 1):
            d_rate, d_cpu = direct.rate(pages)
            w_rate, w_cpu = worker.rate()
            direct_rates.append(d_rate)
            worker_rates.append(w_rate)
            ratios.append(w_rate / d_rate)
            cpu_ratios.append(d_cpu / w_cpu)
            print(
                f"round {round_no}: direct {d_rate:5.2f} pages/s ({d_cpu:4.2f} CPU s/page), worker {w_rate:5.2f} "
                f"pages/s ({w_cpu:4.2f} CPU s/page): {ratios[-1]:.2f} x",
                flush=True,
            )
        child_mib, parent_mib = worker.peak_rss_mib()
    ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
    print(
        f"ocr: worker {statistics.median(worker_rates):.2f} pages/s vs direct {statistics.median(direct_rates):.2f} "
        f"pages/s: {ratio:.2f} x direct (median of {args.rounds} paired rounds of {args.n} A4 pages; CPU per page "
        f"{cpu_ratio:.2f} x as efficient); peak RSS per worker process {child_mib:.0f} MiB (pool) / "
        f"{parent_mib:.0f} MiB (parent) (targets >= 0.9 x direct)"
    )
    return 0 if ratio >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
