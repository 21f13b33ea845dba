"""The general ledger's balances, accumulated line by line, and the accounting findings they give.

While the lines stream past, ``Ledger.post`` adds each one to its account's movement and, on a partner
control account (an account customers or suppliers are kept on, e.g. 4111, 401), to its partner's
movement; memory grows with the chart of accounts and the partner list, never with the lines. At the end
``Ledger.findings`` says, naming the account or partner:

- the opening and the closing trial balances balance (total debit balances = total credit balances);
- opening + movements = closing per account and per partner;
- each control account's opening and closing balances equal the sums of its partners' balances;
- revenue accounts (class 7, except 709 and 711, which are debit or bifunctional by nature) and VAT
  collected (4427) do not end with a debit balance.

Accounts are taken as leaves of the chart (no account is the sum of others), which is how the D406
GeneralLedgerAccounts list is built from the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from anaf_saft.records import ZERO, Account, GLLine, Party

__all__ = ["Ledger", "LedgerFinding"]

#: (rule, message, location)
LedgerFinding = tuple[str, str, str]

_DEBIT_NATURE_REVENUE = ("709", "711")


def _sides(balances: Iterator[Decimal]) -> tuple[Decimal, Decimal]:
    debit = credit = ZERO
    for b in balances:
        if b > 0:
            debit += b
        else:
            credit -= b
    return debit, credit


class Ledger:
    """Movements per account and per partner (on its control account) of the lines posted so far."""

    def __init__(self, accounts: dict[str, Account], customers: dict[str, Party], suppliers: dict[str, Party]):
        self.accounts = accounts
        self.parties = {"customers": customers, "suppliers": suppliers}
        self.controls = {p.account_id for p in customers.values()} | {p.account_id for p in suppliers.values()}
        self.moves: dict[str, Decimal] = {}
        self.partner_moves: dict[tuple[str, str], Decimal] = {}

    def post(self, line: GLLine) -> str | None:
        """Book ``line`` (its account is in the chart); a problem when it is on a control account without its partner."""
        acc = line.account_id
        amount = line.debit - line.credit
        self.moves[acc] = self.moves.get(acc, ZERO) + amount
        if acc not in self.controls:
            return None
        customer = self.parties["customers"].get(line.customer_id)
        if customer is not None and customer.account_id == acc:
            key = ("customers", customer.party_id)
        else:
            supplier = self.parties["suppliers"].get(line.supplier_id)
            if supplier is None or supplier.account_id != acc:
                return (
                    f"record {line.record_id} moves partner control account {acc} without a customer or supplier "
                    f"kept on it (customer {line.customer_id}, supplier {line.supplier_id})"
                )
            key = ("suppliers", supplier.party_id)
        self.partner_moves[key] = self.partner_moves.get(key, ZERO) + amount
        return None

    def findings(self) -> Iterator[LedgerFinding]:
        yield from self._trial_balances()
        yield from self._roll_forward()
        yield from self._partners()
        yield from self._control_accounts()
        yield from self._natures()

    def _trial_balances(self) -> Iterator[LedgerFinding]:
        for when in ("opening", "closing"):
            debit, credit = _sides(getattr(a, when) for a in self.accounts.values())
            if debit != credit:
                yield (
                    "trial_balance",
                    f"the {when} trial balance does not balance: debit balances {debit:.2f}, credit "
                    f"balances {credit:.2f} (difference {debit - credit:.2f})",
                    f"accounts {when}",
                )

    def _roll_forward(self) -> Iterator[LedgerFinding]:
        for acc in self.accounts.values():
            moved = self.moves.get(acc.account_id, ZERO)
            if acc.opening + moved != acc.closing:
                yield (
                    "balance",
                    f"account {acc.account_id}: opening {acc.opening:.2f} + movements {moved:.2f} != closing "
                    f"{acc.closing:.2f}",
                    f"accounts account={acc.account_id}",
                )

    def _partners(self) -> Iterator[LedgerFinding]:
        for kind, parties in self.parties.items():
            for p in parties.values():
                moved = self.partner_moves.get((kind, p.party_id), ZERO)
                if p.opening + moved != p.closing:
                    yield (
                        "partner_balance",
                        f"{kind[:-1]} {p.party_id} on account {p.account_id}: opening {p.opening:.2f} "
                        f"+ movements {moved:.2f} != closing {p.closing:.2f}",
                        f"{kind} party={p.party_id}",
                    )

    def _control_accounts(self) -> Iterator[LedgerFinding]:
        sums: dict[str, list[Decimal]] = {}
        for parties in self.parties.values():
            for p in parties.values():
                s = sums.setdefault(p.account_id, [ZERO, ZERO])
                s[0] += p.opening
                s[1] += p.closing
        for acc_id, (opening, closing) in sorted(sums.items()):
            acc = self.accounts.get(acc_id)
            if acc is None:
                continue  # reported as unknown_account with the partner
            for when, ledger, partners in (("opening", acc.opening, opening), ("closing", acc.closing, closing)):
                if ledger != partners:
                    yield (
                        "control_account",
                        f"control account {acc_id}: {when} balance {ledger:.2f} != sum of its "
                        f"partners' {when} balances {partners:.2f} (difference {ledger - partners:.2f})",
                        f"accounts account={acc_id}",
                    )

    def _natures(self) -> Iterator[LedgerFinding]:
        for acc in self.accounts.values():
            std = acc.standard_account_id
            if acc.closing <= 0:
                continue
            if std.startswith("7") and not std.startswith(_DEBIT_NATURE_REVENUE):
                yield (
                    "revenue_debit_balance",
                    f"revenue account {acc.account_id} (class 7) ends with a debit balance of {acc.closing:.2f}",
                    f"accounts account={acc.account_id}",
                )
            elif std.startswith("4427"):
                yield (
                    "vat_collected_debit_balance",
                    f"VAT collected account {acc.account_id} (4427) ends with a debit balance of {acc.closing:.2f}",
                    f"accounts account={acc.account_id}",
                )
