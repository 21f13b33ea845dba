"""Realistic, distinct task bodies for the k6 load set (``bench/load.py``), per worker tag.

Each tag gets a list of ``{"task", "kind", "body"}`` items (``body`` is the JSON text the gateway receives, at
most its 64 KiB cap); k6 takes item ``i % len`` for its iteration ``i``, so every item is unique where the
worker or the fake would deduplicate (invoice numbers, declaration references, REGES message ids, e-mail
subjects). Files too large for a request body (the A4 OCR scan, the SAF-T ledger export) go to the run's
artifact store first and the body names their key, as callers do in production.
"""

from __future__ import annotations

import io
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anaf_core import cui_check_digit
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from shared.artifacts import FilesystemArtifactStore
from tests.anaf_efactura.samples import invoice
from tests.anaf_etransport import samples as etransport_samples
from tests.reges import samples as reges_samples

__all__ = ["SLACK_CHANNELS", "TAG_TASKS", "payloads", "write_payloads"]

SLACK_CHANNELS = 10  # one channel per Slack VU: each VU stays within Slack's ~1 message/s per channel
TAG_TASKS: dict[str, tuple[str, ...]] = {
    "ocr": ("ocr.extract",),
    "pdf.render": ("pdf.render",),
    "email.send": ("email.send", "email.send_batch"),
    "notify.slack": ("notify.slack",),
    "anaf.taxpayer": ("taxpayer.validate",),
    "anaf.efactura": ("efactura.submit",),
    "anaf.etransport": ("etransport.submit",),
    "anaf.saft": ("saft.generate",),
    "reges": ("reges.submit",),
}
MAX_BODY = 64 * 1024
RUN = uuid.uuid4().hex[:6]


def _item(task: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(body, ensure_ascii=False)
    if len(text.encode()) > MAX_BODY:
        raise ValueError(f"{task}/{kind} body is {len(text.encode())} bytes, over the gateway's {MAX_BODY}")
    return {"task": task, "kind": kind, "body": text}


def _invoice_html(i: int, rows: int) -> str:
    lines = "".join(
        f"<tr><td>{k + 1}</td><td>Servicii de întreținere și reparații, lot {k}</td><td>{k % 7 + 1}</td>"
        f"<td>{(k * 37) % 900 + 10},00</td><td>RON</td></tr>"
        for k in range(rows)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>body{font-family:sans-serif}"
        "table{width:100%;border-collapse:collapse}td{border:1px solid #999;padding:2px}</style></head><body>"
        f"<h1>Factură FCT-{RUN}-{i:05d}</h1><p>Societatea Construcții Ștefănești SRL — Întreprinderea Țesătoria "
        f"Bârlad SA</p><table>{lines}</table><p>Total de plată conform anexei.</p></body></html>"
    )


def pdf_render(i: int, _: Path) -> dict[str, Any]:
    """Every fourth PDF is large (~58 KiB of HTML, 500 table rows, about 12 A4 pages), the rest one page."""
    if i % 4 == 3:
        return _item("pdf.render", "large", {"html": _invoice_html(i, 500), "filename": f"anexa-{i}.pdf"})
    return _item("pdf.render", "tiny", {"html": _invoice_html(i, 3), "filename": f"factura-{i}.pdf"})


def _a4_scan(i: int) -> bytes:
    from bench.ocr import a4_page  # Pillow text render of an A4 page at 200 dpi (the OCR bench's generator)

    out = io.BytesIO()
    a4_page(i).convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()


def ocr(i: int, artifacts: Path) -> dict[str, Any]:
    """An A4 scan (200 dpi PNG, ~20 lines of invoice text) through the artifact store: over the body cap inline."""
    key = FilesystemArtifactStore(artifacts).put(_a4_scan(i % 3), name=f"scan-{i}.png", content_type="image/png").key
    return _item("ocr.extract", "a4-scan", {"artifact_key": key, "language": "ro"})


def _mail(i: int, k: int = 0) -> dict[str, Any]:
    return {
        # objects, not bare strings: the gateway's JSON Schema refuses "a@b.ro" though the worker's model takes it
        "to": [{"email": f"client{i}.{k}@exemplu.ro", "name": f"Client Exemplu {i}"}],
        "subject": f"Factura FCT-{RUN}-{i:05d}-{k} a fost emisă",
        "text": "Bună ziua,\n\nvă transmitem factura pentru luna în curs.\n\nCu stimă,\nFurnizor Exemplu SRL\n" * 3,
        "html": "<p>Bună ziua,</p><p>vă transmitem <b>factura</b> pentru luna în curs.</p>",
    }


def email_send(i: int, _: Path) -> dict[str, Any]:
    """Single messages, and every fifth task a batch of 20."""
    if i % 5 == 4:
        return _item("email.send_batch", "batch-20", {"messages": [_mail(i, k) for k in range(20)]})
    return _item("email.send", "single", _mail(i))


def notify_slack(i: int, _: Path) -> dict[str, Any]:
    channel = f"#incasari-{i % SLACK_CHANNELS}"
    text = f"Factura FCT-{RUN}-{i:05d} a fost încasată: 1.190,00 RON de la Întreprinderea Țesătoria Bârlad SA"
    return _item("notify.slack", "message", {"text": text, "channel": channel})


def _cuis(rng: random.Random, n: int) -> list[str]:
    bodies = (rng.randint(1_000_000, 50_000_000) for _ in range(n))
    return [f"{b}{cui_check_digit(str(b))}" for b in bodies]


def anaf_taxpayer(i: int, _: Path) -> dict[str, Any]:
    """Single CUIs and every third task a batch of 100 (coalesced by the worker into one ANAF call)."""
    rng = random.Random(f"{RUN}-{i}")
    if i % 3 == 2:
        return _item("taxpayer.validate", "batch-100", {"cuis": _cuis(rng, 100), "use_cache": False})
    return _item("taxpayer.validate", "single", {"cui": _cuis(rng, 1)[0], "use_cache": False})


def anaf_efactura(i: int, _: Path) -> dict[str, Any]:
    return _item("efactura.submit", "invoice", {"invoice": invoice(f"LD-{RUN}-{i:05d}")})


def anaf_etransport(i: int, _: Path) -> dict[str, Any]:
    declaration = etransport_samples.domestic()
    declaration["declarant_ref"] = f"LD-{RUN}-{i:05d}"
    return _item("etransport.submit", "notificare", {"declaration": declaration})


def reges(i: int, _: Path) -> dict[str, Any]:
    kinds = ("InregistrareSalariat", "AdaugareContract", "ModificareContract")
    kind = kinds[i % len(kinds)]
    body = {"employer_cui": "18547290", "message_id": str(uuid.uuid4()), "message": reges_samples.ALL[kind]}
    return _item("reges.submit", kind, body)


def _saft_keys(artifacts: Path) -> dict[str, str]:
    """A month's ledger export (2,000 invoice postings + masters, CSV) stored once per run."""
    store = FilesystemArtifactStore(artifacts)
    paths = write_sample_export(artifacts.parent / f"saft-export-{RUN}", lines=2000, fmt="csv")
    return {k: store.put(p.read_bytes(), name=p.name, content_type="text/csv").key for k, p in paths.items()}


def anaf_saft(i: int, artifacts: Path, _cache: dict[str, dict[str, str]] = {}) -> dict[str, Any]:  # noqa: B006
    keys = _cache.setdefault(str(artifacts), _saft_keys(artifacts))
    body = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "test": True,
        "source": {"kind": "export", "format": "csv", **keys},
    }
    return _item("saft.generate", "d406-month", body)


MAKERS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "ocr": ocr,
    "pdf.render": pdf_render,
    "email.send": email_send,
    "notify.slack": notify_slack,
    "anaf.taxpayer": anaf_taxpayer,
    "anaf.efactura": anaf_efactura,
    "anaf.etransport": anaf_etransport,
    "anaf.saft": anaf_saft,
    "reges": reges,
}


def payloads(tag: str, count: int, artifacts: Path, *, offset: int = 0) -> list[dict[str, Any]]:
    return [MAKERS[tag](offset + i, artifacts) for i in range(count)]


def write_payloads(tag: str, count: int, artifacts: Path, path: Path, *, offset: int = 0) -> Path:
    path.write_text(json.dumps(payloads(tag, count, artifacts, offset=offset), ensure_ascii=False))
    return path
