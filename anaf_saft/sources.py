"""Where accounting rows come from: an export (JSON lines or CSV files) or SQL tables through SQLAlchemy.

A source only yields plain rows (mappings with the documented column names, see README.md); parsing and
checks happen elsewhere. Every source can be read more than once: the generator reads it twice (checks
and totals first, then the XML), so memory stays bounded whatever the number of lines.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from anaf_saft.sql import SqlTables

__all__ = ["KINDS", "AccountingSource", "ExportFiles", "SqlSource"]

KINDS = (
    "accounts",
    "customers",
    "suppliers",
    "tax_codes",
    "uom",
    "journals",
    "lines",
    "sales_invoices",
    "purchase_invoices",
    "payments",
)


class AccountingSource(Protocol):
    def rows(self, kind: str) -> Iterator[Mapping[str, Any]]: ...


class ExportFiles:
    """One file per kind, JSON lines (one object per line) or CSV (header row); missing kinds are empty."""

    def __init__(self, files: Mapping[str, Path | Callable[[], BinaryIO]], fmt: str = "jsonl"):
        if fmt not in {"jsonl", "csv"}:
            raise ValueError("format must be jsonl or csv")
        self.files = dict(files)
        self.fmt = fmt

    def _open(self, kind: str) -> BinaryIO | None:
        src = self.files.get(kind)
        if src is None:
            return None
        if isinstance(src, Path):
            return src.open("rb")
        return src()

    def rows(self, kind: str) -> Iterator[Mapping[str, Any]]:
        fh = self._open(kind)
        if fh is None:
            return
        with fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            if self.fmt == "csv":
                yield from csv.DictReader(text)
                return
            for n, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{kind} line {n}: not JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise ValueError(f"{kind} line {n}: expected a JSON object")
                yield obj


class SqlSource:
    """Rows of one company from the SQL tables (lines and documents restricted to the period, ordered for streaming)."""

    def __init__(self, engine: Any, company_id: str, first_day: Any, last_day: Any, tables: SqlTables | None = None):
        self.engine = engine
        self.company_id = company_id
        self.first_day = first_day
        self.last_day = last_day
        self.tables = tables or SqlTables()

    def rows(self, kind: str) -> Iterator[Mapping[str, Any]]:
        stmt = self.tables.select(kind, self.company_id, self.first_day, self.last_day)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
            for row in result:
                yield row._mapping
