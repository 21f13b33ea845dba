"""Benchmark: invoice PDFs through the real ``pdf.render`` worker vs raw Playwright and process-per-document.

    python -m bench.pdf_render [-n 30] [--rounds 3] [--burst 80] [--concurrency 4] [--pool prefork]

One invoice-like HTML (the built-in ``invoice.html`` template, 12 lines, Romanian text) is rendered by:
1. raw Playwright on a warm, reused page (``set_content`` + ``page.pdf()``), sequentially: p50;
2. ``chromium --headless --print-to-pdf``, one process per document (the old way): p50;
3. the worker: a real ``celery worker`` process (its own RabbitMQ vhost and Redis DB), fed through RabbitMQ;
   latency = sequential ``send_task(...).get()`` round trips (p50), throughput = a burst of tasks with
   ``--concurrency`` renders in flight, from the first ``send_task`` to the last result.
1 and 3 alternate for ``--rounds`` rounds (the machine is shared; medians are compared).
Ends with ``pdf_render: ... (targets <= 1.5 x raw, >= 10 PDFs/s, >= 5 x)``. Loopback only; bounded loops.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import BenchBroker  # noqa: E402
from pdf_render.browser import LAUNCH_ARGS  # noqa: E402
from pdf_render.models import PdfOptions  # noqa: E402
from pdf_render.rendering import pdf_arguments  # noqa: E402
from pdf_render.templates import TemplateRenderer  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def invoice_data(i: int = 0) -> dict[str, Any]:
    items = [
        "Servicii de întreținere și reparații",
        "Țeavă cupru 22 mm",
        "Robinet sferă 3/4",
        "Manoperă instalații",
        "Fitinguri și garnituri",
        "Transport materiale",
        "Consultanță tehnică",
        "Verificare instalație gaz",
    ]
    return {
        "number": f"FCT-2026-{i:05d}",
        "issue_date": "2026-03-12",
        "due_date": "2026-04-11",
        "supplier": {
            "name": "Societatea Construcții Ștefănești SRL",
            "cui": "RO12345678",
            "reg_com": "J40/123/2020",
            "address": "Str. Mărășești 12, București",
            "iban": "RO49AAAA1B31007593840000",
            "bank": "Banca Transilvania",
        },
        "customer": {
            "name": "Întreprinderea Țesătoria Bârlad SA",
            "cui": "RO87654321",
            "address": "Bd. Republicii 3, Bârlad",
        },
        "lines": [
            {
                "description": items[k % len(items)],
                "unit": "buc",
                "quantity": k + 1,
                "unit_price": 10.5 * (k + 3),
                "vat_rate": 19,
            }
            for k in range(12)
        ],
        "notes": "Vă mulțumim pentru colaborare!",
    }


def p50(values: list[float]) -> float:
    return statistics.median(values)


async def raw_warm(html: str, n: int, concurrent: int) -> tuple[float, float]:
    """p50 seconds of a warm reused page, and PDFs/s with ``concurrent`` pages, with plain Playwright."""
    from playwright.async_api import async_playwright

    args = pdf_arguments(PdfOptions())
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=list(LAUNCH_ARGS[:8]))
        page = await browser.new_page()
        for _ in range(3):
            await page.set_content(html)
            await page.pdf(**args)
        times = []
        for _ in range(n):
            started = time.perf_counter()
            await page.set_content(html)
            await page.pdf(**args)
            times.append(time.perf_counter() - started)
        pages = [page, *[await browser.new_page() for _ in range(concurrent - 1)]]
        per_page = max(1, n // concurrent)

        async def loop(p: Any) -> None:
            for _ in range(per_page):
                await p.set_content(html)
                await p.pdf(**args)

        started = time.perf_counter()
        await asyncio.gather(*(loop(p) for p in pages))
        rate = per_page * concurrent / (time.perf_counter() - started)
        await browser.close()
    return p50(times), rate


def process_per_document(html: str, n: int, workdir: Path) -> float:
    """p50 seconds of ``chromium --headless --print-to-pdf`` started once per document."""
    source = workdir / "invoice.html"
    source.write_text(html, encoding="utf-8")
    times = []
    for i in range(n):
        out = workdir / f"ppd-{i}.pdf"
        cmd = [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            source.as_uri(),
        ]
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        times.append(time.perf_counter() - started)
        assert out.stat().st_size > 1000
    return p50(times)


class Worker:
    """A real ``pdf.render`` worker on its own vhost and Redis DB, fed invoice templates through RabbitMQ."""

    def __init__(self, *, concurrency: int, pool: str, workdir: Path):
        self.concurrency = concurrency
        self.broker = BenchBroker(workdir)
        self.client = self.broker.client
        env = self.broker.worker_env(PDF_RENDER_POOL_SIZE=str(max(concurrency, 1)))
        self.process = WorkerProcess("pdf.render", env, workdir, concurrency=concurrency, pool=pool)

    def _send(self, i: int) -> Any:
        return self.client.send_task("pdf.render", kwargs={"template": "invoice.html", "data": invoice_data(i)})

    def __enter__(self) -> Worker:
        self.process.start(timeout=90)
        for r in [self._send(i) for i in range(2 * self.concurrency)]:
            r.get(timeout=120)  # every pool process / page has launched and warmed up
        return self

    def latency_p50(self, n: int) -> float:
        times = []
        for i in range(n):
            started = time.perf_counter()
            body = self._send(i).get(timeout=60)
            times.append(time.perf_counter() - started)
            assert body["pages"] == 1
        return p50(times)

    def burst_rate(self, burst: int) -> float:
        started = time.perf_counter()
        results = [self._send(i) for i in range(burst)]
        bodies = [r.get(timeout=300) for r in results]
        elapsed = time.perf_counter() - started
        assert all(b["pages"] == 1 and b["size"] > 1000 for b in bodies)
        return burst / elapsed

    def __exit__(self, *exc: object) -> None:
        self.process.stop(timeout=30)
        self.broker.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="sequential renders per latency measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=80, help="tasks in the throughput burst")
    parser.add_argument("--ppd", type=int, default=5, help="process-per-document renders")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--pool", default="prefork", help="prefork: one Chromium per pool process; threads: one, N pages"
    )
    args = parser.parse_args()

    html = TemplateRenderer().render("invoice.html", invoice_data())
    raw_p50s, raw_rates, worker_p50s, worker_rates = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        workdir = Path(tmp)
        ppd = process_per_document(html, args.ppd, workdir)
        print(f"chromium --print-to-pdf, process per document: p50 {ppd * 1000:7.1f} ms", flush=True)
        with Worker(concurrency=args.concurrency, pool=args.pool, workdir=workdir) as worker:
            # alternate raw and worker so that load from other processes on the machine hits both alike
            for round_no in range(1, args.rounds + 1):
                raw_p50, raw_rate = asyncio.run(raw_warm(html, args.n, args.concurrency))
                raw_p50s.append(raw_p50)
                raw_rates.append(raw_rate)
                worker_p50s.append(worker.latency_p50(args.n))
                worker_rates.append(worker.burst_rate(args.burst))
                print(
                    f"round {round_no}: raw warm page p50 {raw_p50 * 1000:6.1f} ms, {args.concurrency} raw pages "
                    f"{raw_rate:5.1f} PDFs/s | worker (-c {args.concurrency} -P {args.pool}) p50 "
                    f"{worker_p50s[-1] * 1000:6.1f} ms, burst {args.burst}: {worker_rates[-1]:5.1f} PDFs/s",
                    flush=True,
                )
    raw, wp50, rate = statistics.median(raw_p50s), statistics.median(worker_p50s), statistics.median(worker_rates)
    ratio, speedup = wp50 / raw, ppd / wp50
    print(
        f"pdf_render: worker p50 {wp50 * 1000:.0f} ms = {ratio:.2f} x raw warm page ({raw * 1000:.0f} ms); "
        f"{rate:.1f} PDFs/s with {args.concurrency} concurrent (raw Playwright, {args.concurrency} pages: "
        f"{statistics.median(raw_rates):.1f}); {speedup:.1f} x faster than process-per-document ({ppd * 1000:.0f} ms); "
        f"medians of {args.rounds} rounds (targets <= 1.5 x raw, >= 10 PDFs/s, >= 5 x)"
    )
    return 0 if ratio <= 1.5 and rate >= 10 and speedup >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
