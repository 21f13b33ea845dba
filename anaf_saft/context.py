"""The master files (chart of accounts, customers, suppliers, tax table) every line and document is checked against.

``Context`` also holds the running ``Ledger`` and the ``DocumentLinks`` that reconcile source documents
with it, and checks a line's tax code and VAT rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from anaf_core.cui import is_valid_cui
from anaf_saft.identifiers import partner_id_problem
from anaf_saft.ledger import Ledger
from anaf_saft.links import DocumentLinks
from anaf_saft.models import SaftRequest
from anaf_saft.plan import Plan, read_records
from anaf_saft.records import Account, Party, TaxCode
from anaf_saft.sources import AccountingSource
from anaf_saft.taxes import KNOWN_CODE_RATES, VAT, rate_problem

__all__ = ["Context", "master_files"]


@dataclass
class Context:
    """What the master files say, for checking lines and documents against them."""

    req: SaftRequest
    accounts: dict[str, Account]
    customers: dict[str, Party]
    suppliers: dict[str, Party]
    tax_codes: dict[tuple[str, str], TaxCode]
    ledger: Ledger
    links: DocumentLinks
    _rates: dict[tuple[Decimal, dt.date], tuple[bool, str] | None] = field(default_factory=dict)

    def tax(
        self, plan: Plan, tax_type: str, tax_code: str, day: dt.date, where: str, what: str, rate: Decimal | None = None
    ) -> None:
        """Known tax code, and a VAT rate in force on ``day`` (``rate`` when the line states its own)."""
        if tax_type == "000":
            return
        entry = self.tax_codes.get((tax_type, tax_code))
        if self.tax_codes and entry is None:
            plan.add("unknown_tax_code", f"{what}: tax {tax_type}/{tax_code} not in the tax table", where=where)
        if tax_type != VAT:
            return
        pct = rate if rate is not None else (entry.percentage if entry is not None else None)
        if pct is None:
            return
        key = (pct, day)
        if key not in self._rates:
            self._rates[key] = rate_problem(pct, day)
        problem = self._rates[key]
        if problem is not None:
            fatal, why = problem
            plan.add(
                "tax_rate" if fatal else "tax_rate_transitional",
                f"{what}: tax code {tax_code}: {why}",
                where=where,
                fatal=fatal,
            )


def master_files(plan: Plan, req: SaftRequest, source: AccountingSource) -> Context:
    company = req.company.registration_number.removeprefix("RO")
    if not is_valid_cui(company):
        plan.add("company_cui", f"company registration number {company} fails the CUI check digit")
    accounts: dict[str, Account] = {}
    for acc in read_records(plan, source, "accounts"):
        assert isinstance(acc, Account)
        if acc.account_id in accounts:
            plan.add("duplicate_account", f"account {acc.account_id} listed twice", where="accounts")
        accounts[acc.account_id] = acc
    if not accounts:
        plan.add("no_accounts", "the chart of accounts (GeneralLedgerAccounts) is empty", where="accounts")
    parties: dict[str, dict[str, Party]] = {"customers": {}, "suppliers": {}}
    for kind in parties:
        for party in read_records(plan, source, kind):
            assert isinstance(party, Party)
            problem = partner_id_problem(party.registration_number)
            if problem:
                plan.add("partner_id", f"{party.party_id}: {problem}", where=kind)
            if party.account_id not in accounts:
                plan.add("unknown_account", f"{party.party_id} uses unknown account {party.account_id}", where=kind)
            parties[kind][party.party_id] = party
    tax_codes: dict[tuple[str, str], TaxCode] = {}
    for t in read_records(plan, source, "tax_codes"):
        assert isinstance(t, TaxCode)
        tax_codes[(t.tax_type, t.tax_code)] = t
        known = KNOWN_CODE_RATES.get(t.tax_code)
        if t.tax_type == VAT and known is not None and t.percentage != known:
            plan.add(
                "tax_code_rate",
                f"tax code {t.tax_code} is the {known}% code of the ANAF nomenclature, the tax "
                f"table gives it {t.percentage}%",
                where=f"tax_codes code={t.tax_code}",
            )
    for kind in ("uom", "journals"):
        for _ in read_records(plan, source, kind):
            pass
    ledger = Ledger(accounts, parties["customers"], parties["suppliers"])
    links = DocumentLinks(ledger.controls)
    return Context(req, accounts, parties["customers"], parties["suppliers"], tax_codes, ledger, links)
