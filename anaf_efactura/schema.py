"""JSON Schemas of the e-Factura payloads, generated from the pydantic models (published in ``schemas/``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from anaf_efactura.invoice import Invoice
from anaf_efactura.models import SubmitRequest

__all__ = ["SCHEMA_DIR", "invoice_schema", "render", "submit_schema"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def invoice_schema() -> dict[str, Any]:
    schema = Invoice.model_json_schema()
    schema["$id"] = "https://workers-core/schemas/efactura-invoice.schema.json"
    return schema


def submit_schema() -> dict[str, Any]:
    schema = SubmitRequest.model_json_schema()
    schema["$id"] = "https://workers-core/schemas/efactura-submit.schema.json"
    return schema


def render() -> dict[str, str]:
    """File name -> content of every published schema (what ``schemas/`` must hold)."""
    return {
        "efactura-invoice.schema.json": json.dumps(invoice_schema(), ensure_ascii=False, indent=2) + "\n",
        "efactura-submit.schema.json": json.dumps(submit_schema(), ensure_ascii=False, indent=2) + "\n",
    }


if __name__ == "__main__":  # regenerate: python -m anaf_efactura.schema
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, content in render().items():
        (SCHEMA_DIR / name).write_text(content, encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}")
