"""Benchmark: e-Factura generation + UBL XSD + CIUS-RO Schematron, invoices per second in ONE process.

    python -m bench.efactura_validate [-n 400]

Builds ``n`` different invoices and credit notes from the typed model (1-20 lines, several VAT rates,
RON and EUR), turns each into UBL with ``build_ubl`` and validates it with the same ``InvoiceValidator``
the worker uses (lxml XSD, then the official CIUS-RO XSLT compiled once with saxonche). The compile is
reported apart and not counted. Every invoice must have zero fatal findings. Ends with one summary line
and its target (>= 20 invoices/s per process). Schemas come from ``EFACTURA_SCHEMAS_DIR`` or the kit.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from anaf_efactura.invoice import Invoice  # noqa: E402
from anaf_efactura.ubl import build_ubl  # noqa: E402
from anaf_efactura.validation import InvoiceValidator  # noqa: E402
from shared.schemas import get_store  # noqa: E402
from tests.anaf_efactura.samples import credit_note, invoice  # noqa: E402

TARGET = 20.0


def payloads(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        data = credit_note(f"CN-{i:05d}") if i % 5 == 0 else invoice(f"FCT-{i:05d}")
        if i % 3 == 0 and data.get("document_type") != "credit_note":
            data.update(currency="EUR", tax_exchange_rate="4.9765")
        template = copy.deepcopy(data["lines"][0])
        data["lines"] = []
        for j in range(rng.randint(1, 20)):
            line = copy.deepcopy(template)
            line.update(
                name=f"Articol {j} ș ț ă",
                quantity=str(rng.randint(1, 50)),
                unit_price=f"{rng.uniform(1, 900):.4f}",
                vat_rate=rng.choice(["21", "11"]),  # the rates in force on the samples' 2026 issue date
            )
            data["lines"].append(line)
        out.append(data)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=400)
    args = parser.parse_args()
    started = time.perf_counter()
    validator = InvoiceValidator.from_store(get_store())  # the installed official artefacts
    compile_s = time.perf_counter() - started
    models = [Invoice.model_validate(p) for p in payloads(args.n)]
    validator.validate(build_ubl(models[0]))  # warm-up (first transform allocates Saxon's caches)
    fatal = 0
    started = time.perf_counter()
    for model in models:
        report = validator.validate(build_ubl(model))
        fatal += len(report.errors)
    elapsed = time.perf_counter() - started
    rate = args.n / elapsed
    ok = fatal == 0 and rate >= TARGET
    print(
        f"compile {compile_s:.2f}s (once per process); {args.n} invoices, {sum(len(m.lines) for m in models)} lines, "
        f"{fatal} fatal findings, {1000 * elapsed / args.n:.1f} ms/invoice"
    )
    print(
        f"efactura validate: {rate:.0f} invoices/s per process (build + XSD + CIUS-RO Schematron; target >= "
        f"{TARGET:.0f}/s) -> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
