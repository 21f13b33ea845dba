"""Editing a sample export like an accountant would: read/write its files, post more ledger transactions."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any


def rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, data: list[dict[str, Any]]) -> None:
    if path.suffix == ".csv":
        fields = list(dict.fromkeys(k for r in data for k in r))
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(data)
        return
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")


def _net(row: dict[str, Any], side: str) -> Decimal:
    return Decimal(row.get(f"{side}_debit") or 0) - Decimal(row.get(f"{side}_credit") or 0)


def _set(row: dict[str, Any], side: str, balance: Decimal) -> None:
    row[f"{side}_debit"] = str(max(balance, Decimal(0)))
    row[f"{side}_credit"] = str(max(-balance, Decimal(0)))


def shift(paths: dict[str, Path], kind: str, key: str, value: str, amount: Decimal, *, sides: tuple[str, ...]) -> None:
    """Add ``amount`` (debit positive) to the ``sides`` ("opening", "closing") of the row of ``kind`` whose ``key`` is ``value``."""
    data = rows(paths[kind])
    for r in data:
        if r[key] == value:
            for side in sides:
                _set(r, side, _net(r, side) + amount)
    write(paths[kind], data)


def post(
    paths: dict[str, Path],
    journal: str,
    transaction_id: str,
    date: str,
    lines: list[tuple[str, str, str, Decimal, Decimal]],
) -> None:
    """Append one transaction: lines of (account, customer, supplier, debit, credit); closings roll forward."""
    ledger = rows(paths["lines"])
    for n, (account, customer, supplier, debit, credit) in enumerate(lines, 1):
        ledger.append(
            {
                "journal_id": journal,
                "transaction_id": transaction_id,
                "transaction_date": date,
                "transaction_description": transaction_id,
                "record_id": f"{transaction_id}.{n}",
                "account_id": account,
                "customer_id": customer,
                "supplier_id": supplier,
                "description": f"Linie {n}",
                "debit": str(debit),
                "credit": str(credit),
                "tax_type": "000",
                "tax_code": "000000",
                "tax_amount": "0",
            }
        )
        shift(paths, "accounts", "account_id", account, debit - credit, sides=("closing",))
        partner = {"4111": ("customers", customer), "401": ("suppliers", supplier)}.get(account)
        if partner is not None:
            shift(paths, partner[0], "party_id", partner[1], debit - credit, sides=("closing",))
    write(paths["lines"], ledger)
