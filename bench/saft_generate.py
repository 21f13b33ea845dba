"""Benchmark: a D406 with 1,000,000 general-ledger lines, generated and validated (streaming) in one process.

Targets (issue 7): peak RSS < 300 MB, >= 30,000 lines/s, output valid against the XSD.
``lines/s`` is measured over the generation (checks pass + XML pass, what ``saft.generate`` does before
validation); the XSD pass and the end-to-end rate are reported too. The target is about the general ledger,
so by default the source has no SourceDocuments; ``--documents`` adds the sample's invoices (one per
transaction) and payments, which roughly triples the work per ledger line, and says so in the summary. Run:
``python bench/saft_generate.py [--lines N] [--format jsonl|csv] [--documents] [--keep DIR]``. Ends with one summary line.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anaf_saft.checks import check
from anaf_saft.models import SaftRequest
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from anaf_saft.sources import ExportFiles
from anaf_saft.writer import NS_PRODUCTION, write_segments
from anaf_saft.xsd import SaftSchema
from shared.schemas import get_store

TARGET_RSS_MB = 300
TARGET_RATE = 30_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    ap.add_argument("--xsd", type=Path, default=None, help="relocated XSD (default: the installed schemas)")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument(
        "--documents",
        action="store_true",
        help="also sales/purchase invoices and payments (SourceDocuments); not what the target is about",
    )
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="saft-bench-"))
    try:
        t = time.perf_counter()
        paths = write_sample_export(work / "export", lines=args.lines, fmt=args.format, documents=args.documents)
        print(f"export written: {args.lines} lines ({args.format}) in {time.perf_counter() - t:.1f}s", flush=True)
        req = SaftRequest.model_validate(
            {
                "company": SAMPLE_COMPANY,
                "period": {"year": 2025, "start_month": 7, "end_month": 7},
                "period_type": "L",
                "source": {"kind": "export", "format": args.format, "accounts": "a", "lines": "l"},
            }
        )
        source = ExportFiles(paths, args.format)
        schema = SaftSchema.from_store(get_store(), xsd=args.xsd)
        out = work / "d406.xml"

        load = os.getloadavg()[0]
        c0 = time.process_time()
        t0 = time.perf_counter()
        plan = check(req, source, max_lines_per_segment=10**9)
        t1 = time.perf_counter()
        assert not plan.fatal, plan.fatal[:3]
        write_segments(
            req, source, plan, lambda i: out.open("wb", buffering=1 << 20), software=("workers-core", "bench", "0.1.0")
        )
        t2 = time.perf_counter()
        c2 = time.process_time()
        findings = schema.validate_file(out, NS_PRODUCTION)
        t3 = time.perf_counter()

        gen_rate = plan.lines / (t2 - t0)
        cpu_rate = plan.lines / (c2 - c0)
        total_rate = plan.lines / (t3 - t0)
        size_mb = out.stat().st_size / 1e6
        rss = _rss_mb()
        valid = not findings
        print(
            f"checks {t1 - t0:.1f}s, XML {t2 - t1:.1f}s ({size_mb:.0f} MB), XSD {t3 - t2:.1f}s; "
            f"end-to-end {total_rate:,.0f} lines/s; generation {cpu_rate:,.0f} lines per CPU-second; "
            f"load average at start {load:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        if findings:
            print(f"XSD: {findings[0].message} at {findings[0].location}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, args.keep / out.name)
        ok = valid and rss < TARGET_RSS_MB and gen_rate >= TARGET_RATE
        docs = " + invoices and payments" if args.documents else ""
        print(
            f"saft_generate: {plan.lines} lines{docs}, {gen_rate:,.0f} lines/s generation (target >= {TARGET_RATE:,}), "
            f"{total_rate:,.0f} lines/s with XSD, peak RSS {rss:.0f} MB (target < {TARGET_RSS_MB}), "
            f"XSD {'valid' if valid else 'INVALID'} -> {'PASS' if ok else 'FAIL'}"
        )
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
